"""Tracked objects: Image, Audio, Text, Figure, Distribution (Aim's names and arguments).

Each object is encoded when it is created (a later change to the source array does
not change what was tracked) into what the `objects` upload endpoint takes: a record
(`kind`, `caption`, `format`, `text` or `data`) plus, for images and audio, file bytes.
"""

from __future__ import annotations

import io
import json
import math
import os
import wave
from pathlib import Path


class TrackedObject:
    kind = ""

    def __init__(self, caption: str = ""):
        self.caption = caption or ""
        self.format = ""
        self.content: bytes | None = None
        self.text: str | None = None
        self.data: dict | None = None

    def record(self) -> dict:
        record: dict = {"kind": self.kind, "caption": self.caption}
        if self.format:
            record["format"] = self.format
        if self.text is not None:
            record["text"] = self.text
        if self.data is not None:
            record["data"] = self.data
        return record

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.format or ''}>"


def _to_numpy(value):
    """A numpy array from a numpy array, a torch tensor or a nested list."""
    import numpy as np

    if hasattr(value, "detach") and hasattr(
        value, "cpu"
    ):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _is_path(value) -> bool:
    return isinstance(value, str | os.PathLike)


class Image(TrackedObject):
    """An image from a numpy array (HxW, HxWxC, or CxHxW), a PIL image, a torch tensor,
    a matplotlib figure (drawn as PNG), bytes, a file object or a file path. Float
    arrays and tensors are taken as 0..1, integer ones as 0..255."""

    kind = "image"

    def __init__(
        self,
        image,
        caption: str = "",
        format: str = "png",
        optimize: bool = False,
        quality: int = 90,
    ):
        super().__init__(caption)
        fmt = (format or "png").lower()
        fmt = "jpeg" if fmt == "jpg" else fmt
        if _is_path(image):
            self.content = Path(image).read_bytes()
            self.format = _image_format(self.content) or fmt
            return
        if hasattr(image, "read"):  # io.BytesIO, an open file
            image = image.read()
        if isinstance(image, bytes | bytearray):
            self.content = bytes(image)
            self.format = _image_format(self.content) or fmt
            return
        if _is_matplotlib(image):
            image = _matplotlib_to_pil(image)
        pil = image if _is_pil(image) else _array_to_pil(_to_numpy(image))
        if fmt == "jpeg" and pil.mode not in ("RGB", "L"):
            pil = pil.convert("RGB")
        buffer = io.BytesIO()
        options = {"quality": quality} if fmt == "jpeg" else {}
        pil.save(buffer, format=fmt.upper(), optimize=optimize, **options)
        self.content = buffer.getvalue()
        self.format = fmt
        self.width, self.height = pil.size


def _matplotlib_to_pil(figure):
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    buffer.seek(0)
    with PILImage.open(buffer) as image:
        return image.convert("RGBA")


def _is_pil(value) -> bool:
    try:
        from PIL import Image as PILImage
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, PILImage.Image)


def _image_format(content: bytes) -> str:
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(content)) as image:
            fmt = (image.format or "").lower()
    except Exception:
        return ""
    return "jpeg" if fmt == "jpg" else fmt


def _array_to_pil(array):
    import numpy as np
    from PIL import Image as PILImage

    if (
        array.ndim == 3
        and array.shape[0] in (1, 3, 4)
        and array.shape[-1] not in (1, 3, 4)
    ):
        array = np.transpose(array, (1, 2, 0))  # channels first (torch) → channels last
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(f"cannot make an image from an array of shape {array.shape}")
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif np.issubdtype(array.dtype, np.floating):
        array = np.clip(np.nan_to_num(array) * 255.0, 0, 255).round().astype(np.uint8)
    elif array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return PILImage.fromarray(array)


class Audio(TrackedObject):
    """Audio from a numpy array (samples, or samplesxchannels; floats in -1..1 or int16)
    with its sample `rate`, from WAV/MP3/OGG/FLAC bytes or a file object holding them
    (io.BytesIO: say which with `format`), or from a file path."""

    kind = "audio"

    def __init__(self, data, format: str = "wav", caption: str = "", rate: int = 22050):
        super().__init__(caption)
        if _is_path(data):
            path = Path(data)
            self.content = path.read_bytes()
            self.format = path.suffix.lstrip(".").lower() or format
            return
        if hasattr(data, "read"):  # io.BytesIO, an open file
            data = data.read()
        if isinstance(data, bytes | bytearray):
            self.content = bytes(data)
            self.format = format.lower()
            return
        self.content = _wav_bytes(_to_numpy(data), int(rate))
        self.format = "wav"


def _wav_bytes(samples, rate: int) -> bytes:
    import numpy as np

    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2:
        raise ValueError(
            f"audio must be samples or samplesxchannels, got shape {samples.shape}"
        )
    if np.issubdtype(samples.dtype, np.floating):
        samples = (np.clip(np.nan_to_num(samples), -1.0, 1.0) * 32767).astype("<i2")
    else:
        samples = samples.astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(samples.shape[1])
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(samples.tobytes())
    return buffer.getvalue()


class Text(TrackedObject):
    kind = "text"

    def __init__(self, text, caption: str = ""):
        super().__init__(caption)
        self.text = str(text)


class Figure(TrackedObject):
    """A Plotly figure (or its dict). A matplotlib figure is converted to Plotly when
    plotly can; otherwise it is tracked as a PNG image of the figure."""

    kind = "figure"

    def __init__(self, obj, caption: str = ""):
        super().__init__(caption)
        if isinstance(obj, dict):
            self.data = json.loads(json.dumps(obj, default=_json_default))
            return
        if _is_matplotlib(obj):
            converted = _matplotlib_to_plotly(obj)
            if converted is None:
                self.kind = (
                    "image"  # an instance attribute: this figure travels as an image
                )
                buffer = io.BytesIO()
                obj.savefig(buffer, format="png", bbox_inches="tight")
                self.content = buffer.getvalue()
                self.format = "png"
                return
            obj = converted
        if hasattr(obj, "to_json"):
            self.data = json.loads(obj.to_json())
        elif hasattr(obj, "to_plotly_json"):
            self.data = json.loads(
                json.dumps(obj.to_plotly_json(), default=_json_default)
            )
        else:
            raise TypeError(
                f"Figure takes a Plotly or matplotlib figure, not {type(obj).__name__}"
            )


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _is_matplotlib(obj) -> bool:
    return type(obj).__module__.startswith("matplotlib") and hasattr(obj, "savefig")


def _matplotlib_to_plotly(figure):
    import warnings

    try:
        from plotly.tools import mpl_to_plotly

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mpl_to_plotly(figure)
    except Exception:  # mplexporter fails on many modern figures: fall back to an image
        return None


MAX_BINS = 512  # as in Aim


class Distribution(TrackedObject):
    """A histogram, as Aim's: from `samples` (binned into `bin_count` bins, 64 by
    default, at most 512) or from counts `hist` over `bin_range` = (start, end).
    `.weights` are the counts and `.ranges` the bin_count + 1 edges (numpy arrays).
    Unlike Aim, non-finite samples are left out instead of failing np.histogram."""

    kind = "distribution"

    def __init__(self, samples=None, bin_count: int = 64, *, hist=None, bin_range=None):
        super().__init__()
        import numpy as np

        if samples is not None:
            if hist is not None:
                raise ValueError("pass samples or hist, not both")
            if not 1 <= int(bin_count) <= MAX_BINS:
                raise ValueError(f"bin_count must be 1 to {MAX_BINS}, got {bin_count}")
            values = _to_numpy(samples).astype(float).ravel()
            values = values[np.isfinite(values)]
            if values.size == 0:
                counts, low, high = np.zeros(int(bin_count)), 0.0, 0.0
            else:
                counts, edges = np.histogram(values, bins=int(bin_count))
                low, high = float(edges[0]), float(edges[-1])
        elif hist is not None:
            if bin_range is None or len(bin_range) != 2:
                raise ValueError("a histogram needs bin_range=(start, end)")
            counts = _to_numpy(hist).astype(float).ravel()
            if not 1 <= counts.size <= MAX_BINS:
                raise ValueError(f"hist must have 1 to {MAX_BINS} bins")
            low, high = float(bin_range[0]), float(bin_range[-1])
        else:
            raise ValueError("Distribution needs samples, or hist= and bin_range=")
        if not (math.isfinite(low) and math.isfinite(high)) or low > high:
            raise ValueError("bin_range must be finite with start <= end")
        self.data = {"bins": [float(count) for count in counts], "range": [low, high]}

    @classmethod
    def from_histogram(cls, hist, bin_range) -> Distribution:
        return cls(hist=hist, bin_range=bin_range)

    @classmethod
    def from_samples(cls, samples, bin_count: int = 64) -> Distribution:
        return cls(samples=samples, bin_count=bin_count)

    @property
    def bin_count(self) -> int:
        return len(self.data["bins"])

    @property
    def range(self) -> list[float]:
        return list(self.data["range"])

    @property
    def weights(self):
        import numpy as np

        return np.asarray(self.data["bins"], dtype=float)

    @property
    def ranges(self):
        import numpy as np

        low, high = self.data["range"]
        return np.linspace(low, high, num=self.bin_count + 1)

    def to_np_histogram(self):
        """(weights, edges), as numpy.histogram returns them."""
        return self.weights, self.ranges

    def json(self) -> dict:
        return {"bin_count": self.bin_count, "range": self.range}
