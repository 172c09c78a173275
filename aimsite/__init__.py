"""aimsite: a self-hosted, multi-user experiment tracker.

This package is both the Django project and the home of the SDK
(`aimsite.sdk`). Nothing here may import Django at import time, so that
`import aimsite.sdk` stays free of it.
"""

__version__ = "0.1.0"
