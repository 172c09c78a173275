"""Tracked objects of every kind for a demo run: images, audios, texts, figures and
distributions, as one validated upload (`media_tracks.services`)."""

import io
import math
import wave

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from media_tracks import services as media
from runs.models import Run


def _png(seed: int, size: int = 64) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    digit = np.sin((x * (seed % 5 + 2) + y * (seed % 3 + 1)) * math.pi) * 0.5 + 0.5
    noise = rng.random((size, size)) * 0.25
    pixels = (np.clip(digit + noise, 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "L").convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def _wav(frequency: float, seconds: float = 1.0, rate: int = 8000) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    samples = (np.sin(2 * math.pi * frequency * t) * 0.4 * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(samples.tobytes())
    return buffer.getvalue()


def _images(index: int, steps: range, per_step: int, files: dict) -> list[dict]:
    objects = []
    for step in steps:
        for position in range(per_step):
            key = f"img-{step}-{position}"
            files[key] = SimpleUploadedFile(
                f"{key}.png", _png(index + step + position), "image/png"
            )
            objects.append(
                {
                    "kind": "image",
                    "name": "samples",
                    "context": {"subset": "val"},
                    "step": step,
                    "index": position,
                    "caption": f"prediction {position} at step {step}",
                    "file": key,
                }
            )
    return objects


def _audios(frequencies: list[float], files: dict) -> list[dict]:
    objects = []
    for position, frequency in enumerate(frequencies):
        key = f"audio-{position}"
        files[key] = SimpleUploadedFile(f"{key}.wav", _wav(frequency), "audio/wav")
        objects.append(
            {
                "kind": "audio",
                "name": "generated",
                "context": {},
                "step": 0,
                "index": position,
                "caption": f"{frequency:g} Hz tone",
                "file": key,
                "format": "wav",
            }
        )
    return objects


def _texts(steps: range, per_step: int) -> list[dict]:
    return [
        {
            "kind": "text",
            "name": "predictions",
            "context": {"subset": "val"},
            "step": step,
            "index": position,
            "text": f"Sample {position}: the model predicts class {(step + position) % 10} with confidence {0.5 + step / 1000:.2f}",
        }
        for step in steps
        for position in range(per_step)
    ]


def _figure(index: int) -> dict:
    confusion = (
        np.random.default_rng(index).integers(0, 30, (5, 5))
        + np.eye(5, dtype=int) * 100
    )
    return {
        "kind": "figure",
        "name": "confusion_matrix",
        "context": {},
        "step": 0,
        "index": 0,
        "data": {
            "data": [
                # plotly.js's "Blues" runs dark to light: reversed, few is pale
                {
                    "type": "heatmap",
                    "z": confusion.tolist(),
                    "colorscale": "Blues",
                    "reversescale": True,
                }
            ],
            "layout": {
                "title": {"text": "Confusion matrix"},
                "width": 520,
                "height": 440,
            },
        },
    }


def _distributions(index: int, steps: range) -> list[dict]:
    rng = np.random.default_rng(index)
    objects = []
    for layer in ["fc1.weight", "fc2.weight"]:
        for step in steps:
            samples = rng.normal(0, 1 / (1 + step / 50), 2000)
            counts, edges = np.histogram(samples, bins=64, range=(-3, 3))
            objects.append(
                {
                    "kind": "distribution",
                    "name": "weights",
                    "context": {"layer": layer},
                    "step": step,
                    "index": 0,
                    "data": {
                        "bins": counts.tolist(),
                        "range": [float(edges[0]), float(edges[-1])],
                    },
                }
            )
    return objects


def add_media(run: Run, index: int, *, is_rich: bool) -> None:
    """Objects of every kind for `run`; `is_rich` runs get more steps of each."""
    files: dict = {}
    if is_rich:
        objects = [
            *_images(index, range(0, 400, 100), 4, files),
            *_audios([220.0, 440.0], files),
            *_texts(range(0, 500, 100), 3),
            _figure(index),
            *_distributions(index, range(0, 100, 2)),
        ]
    else:
        objects = [
            *_images(index, range(0, 400, 200), 2, files),
            *_audios([220.0 + 20 * (index % 12)], files),
            *_texts(range(0, 500, 250), 2),
            _figure(index),
            *_distributions(index, range(0, 100, 10)),
        ]
    media.store_objects(run, media.parse_objects({"objects": objects}, files))


def add_live_media(run: Run, index: int, step: int) -> None:
    """What the live demo run tracks at one validation step: images, texts and
    distributions of that step, and at step 0 an audio clip and a figure too, so
    it carries every kind from its first second and its media grow while it runs."""
    files: dict = {}
    steps = range(step, step + 1)
    objects = [
        *_images(index, steps, 2, files),
        *_texts(steps, 2),
        *_distributions(index, steps),
    ]
    if step == 0:
        objects += [*_audios([440.0], files), _figure(index)]
    media.store_objects(run, media.parse_objects({"objects": objects}, files))
