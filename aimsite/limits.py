"""How much one upload of tracked objects may carry: the limits the SDK and server share.

A top-level module with no imports, so the server reads it without loading the SDK.

The SDK packs every upload of images, audio and other objects to fit them
(uploads.py); the server reads them as the defaults of AIMSITE_MAX_UPLOAD_FILES,
AIMSITE_MAX_UPLOAD_BYTES and AIMSITE_MAX_UPLOAD_OBJECTS (settings.py, which sets
Django's DATA_UPLOAD_MAX_NUMBER_FILES from the first). A server configured lower
answers a larger upload with 413 and its own `limits`, and the SDK packs to those
from then on. Plain constants with no imports: settings.py reads this module.
"""

MAX_UPLOAD_FILES = 200  # file parts (images, audio clips) per upload
# Bytes of one upload's request body; above the server's largest single file
# (media_tracks.services.MAX_FILE_BYTES), so any accepted file fits in an upload.
MAX_UPLOAD_BYTES = 64 * 2**20
MAX_UPLOAD_OBJECTS = 1000  # records per upload (texts and histograms have no file)
# One artifact (run.log_artifact) travels alone in an upload: its bytes plus room
# for the multipart envelope fit in MAX_UPLOAD_BYTES.
MAX_ARTIFACT_BYTES = MAX_UPLOAD_BYTES - 64 * 1024
