import io
import wave

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image as PILImage

from aimsite.sdk import Audio, Distribution, Figure, Image, Text


def _decoded(image: Image) -> PILImage.Image:
    return PILImage.open(io.BytesIO(image.content))


def test_image_from_float_array_is_scaled_to_bytes():
    image = Image(np.ones((4, 6, 3)) * 0.5, caption="grey")
    decoded = _decoded(image)
    assert decoded.size == (6, 4) and image.format == "png"
    assert decoded.getpixel((0, 0)) == (128, 128, 128)
    assert image.record() == {"kind": "image", "caption": "grey", "format": "png"}


def test_image_channels_first_array_is_transposed_like_a_torch_tensor():
    decoded = _decoded(Image(np.zeros((3, 5, 7), dtype=np.uint8)))
    assert decoded.size == (7, 5)


def test_image_from_pil_and_from_path(tmp_path):
    pil = PILImage.new("RGB", (3, 2), "red")
    assert _decoded(Image(pil, format="jpeg")).format == "JPEG"
    path = tmp_path / "red.png"
    pil.save(path)
    from_path = Image(str(path))
    assert from_path.format == "png" and from_path.content == path.read_bytes()


def test_image_rejects_an_array_that_is_not_an_image():
    with pytest.raises(ValueError, match="shape"):
        Image(np.zeros((2, 2, 2, 2)))


def test_audio_from_array_is_a_wav_with_its_rate():
    audio = Audio(np.sin(np.linspace(0, 20, 800)), rate=8000)
    with wave.open(io.BytesIO(audio.content)) as clip:
        assert clip.getframerate() == 8000 and clip.getnframes() == 800
    assert audio.format == "wav"


def test_distribution_from_samples_and_from_histogram():
    samples = Distribution(np.array([0.0, 1.0, 1.0, np.nan]), bin_count=2)
    assert samples.data == {"bins": [1.0, 2.0], "range": [0.0, 1.0]}
    hist = Distribution(hist=[1, 2, 3], bin_range=(-1, 1))
    assert hist.data == {"bins": [1.0, 2.0, 3.0], "range": [-1.0, 1.0]}
    with pytest.raises(ValueError):
        Distribution(hist=[1, 2])


def test_figure_from_plotly_is_plotly_json():
    figure = Figure(go.Figure(go.Scatter(x=np.arange(3), y=[1, 4, 9])))
    assert figure.kind == "figure"
    assert figure.data["data"][0]["type"] == "scatter"
    assert list(figure.data["data"][0]["y"]) == [1, 4, 9]


def test_figure_from_a_matplotlib_like_figure_falls_back_to_an_image():
    class FakeMatplotlibFigure:
        __module__ = "matplotlib.figure"

        def savefig(self, buffer, format, bbox_inches=None):
            PILImage.new("RGB", (2, 2)).save(buffer, format="PNG")

    figure = Figure(FakeMatplotlibFigure())
    assert figure.kind == "image" and figure.format == "png"


def test_text_keeps_its_string():
    assert Text(42).record() == {"kind": "text", "caption": "", "text": "42"}
