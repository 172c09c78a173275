"""Domain errors shared by the apps, kept apart so that imports point one way.

IngestError is bad tracked input (a run, a batch, an uploaded object) from
runs.ingest and media_tracks.services alike; the API turns it into a 4xx answer.
No Django imports.
"""


class IngestError(ValueError):
    """Bad input. `field` names where, `status` is the HTTP status to answer."""

    def __init__(self, message: str, field: str = "", status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def data_error_message(error: Exception) -> str:
    """A value the database cannot store or compare (a number out of its range, say)."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"the database cannot store this data: {reason[:200]}"
