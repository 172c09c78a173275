#!/usr/bin/env python
"""Django's command line for aimsite (the `aimsite` console script is the same)."""

from aimsite.cli import main

if __name__ == "__main__":
    main()
