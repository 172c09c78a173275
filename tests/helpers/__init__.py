"""Importable test helpers: real servers (`servers`) and signed-in clients (`clients`).

Fixtures stay in conftest.py and are built from these; test modules import helpers
from here, never from a conftest.
"""
