"""The one progress bar of the command line (`aimsite demo`, `aimsite import`).

One line, redrawn in place with a carriage return: the caller prints a newline
when the work it tracks is done.
"""

import sys
from typing import TextIO


def progress_bar(
    done: int,
    total: int,
    label: str = "",
    *,
    prefix: str = "",
    stream: TextIO | None = None,
    width: int = 30,
) -> None:
    """Redraw `prefix [####......] done/total label` on the current line."""
    stream = stream or sys.stdout
    filled = int(width * done / total) if total else width
    stream.write(
        f"\r  {prefix}[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        f"{label[:48]:<48}"
    )
    stream.flush()
