"""What the SDK tells the person running a script: `AimsiteWarning` and `warn_once`.

A leaf: it imports no other SDK module, so run, sender and courier (and spool.py,
through the `warn` it is handed) can all warn without importing a module above them.
It is named `notices`, not `warnings`, because a sibling `warnings.py` would be the
standard library's namesake: anything that puts this directory on sys.path (running
one of these files directly, some tools) would import it in place of the standard
module, and every `import warnings` in the package would read as ambiguous.
"""

from __future__ import annotations

import warnings


class AimsiteWarning(UserWarning):
    """Data the server refused, or a server that could not be reached."""


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """Warn with `message` unless this process already did: a server that stays
    unreachable, or refuses every batch, is reported once, not once per request."""
    if message in _warned:
        return
    _warned.add(message)
    warnings.warn(message, AimsiteWarning, stacklevel=3)
