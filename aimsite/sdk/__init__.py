"""aimsite's Python SDK: Aim's tracking API, talking HTTP to an aimsite server.

    from aimsite.sdk import Run, Image, Audio, Text, Figure, Distribution
    from aimsite.sdk import Repo   # reading runs back, as Aim's Repo

`Run.close()` returns at once; what the run still has to send goes out in the
background. `flush()` (or `close(wait=True)`) waits until the server has it, and
interpreter exit waits too.

Imports no Django: it is a client library (docs/architecture.md, "The ingest path").
"""

from aimsite.sdk.courier import flush
from aimsite.sdk.notices import AimsiteWarning
from aimsite.sdk.objects import Audio, Distribution, Figure, Image, Text
from aimsite.sdk.reading import AccessError, Metric, QueryError, ReadError
from aimsite.sdk.repo import Repo
from aimsite.sdk.run import ReadOnlyRunError, Run
from aimsite.sdk.spool import default_spool_dir, send_spool_files

__all__ = [
    "AccessError",
    "AimsiteWarning",
    "Audio",
    "Distribution",
    "Figure",
    "Image",
    "Metric",
    "QueryError",
    "ReadError",
    "ReadOnlyRunError",
    "Repo",
    "Run",
    "Text",
    "default_spool_dir",
    "flush",
    "send_spool_files",
]
