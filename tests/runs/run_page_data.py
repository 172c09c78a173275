"""A run with every kind of data, made through the ingest services (run page tests)."""

import io
import wave

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from media_tracks import services as media
from runs import ingest
from runs.artifacts import store_artifact
from tests.factories import make_run

SYSTEM_PARAMS = {
    "argv": ["train.py", "--lr=0.001", "--epochs=3"],
    "env": {"CUDA_VISIBLE_DEVICES": "0", "OMP_NUM_THREADS": "4"},
    "packages": {f"package-{i:03d}": f"1.{i}.0" for i in range(300)}
    | {"numpy": "2.1.0"},
    "git_info": {
        "remote": "git@example.com:team/models.git",
        "branch": "main",
        "commit": "abc1234",
        "dirty": True,
    },
    "hostname": "gpu-node-1",
    "python": "3.11.7",
    "platform": "Linux",
    "start_time": 1767225600.0,
}


def png(color: str = "red", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(8000)
        clip.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


def make_full_run(
    owner, *, name: str = "full-run", image_steps=(0, 10, 20), images_per_step: int = 3
):
    """Params, metrics (+ contexts), system metrics, logs with ANSI, system params, and
    objects of all five kinds. Images: steps `image_steps` by `images_per_step` indices,
    plus a one-step, one-index set named "single"."""
    run = make_run(
        owner,
        name=name,
        params={
            "hparams": {
                "lr": 0.001,
                "optimizer": {"name": "adam", "betas": [0.9, 0.999]},
            },
            "seed": 7,
        },
    )
    batch = {
        "seq": 1,
        "metrics": [
            {
                "name": "loss",
                "context": {"subset": "train"},
                "steps": list(range(50)),
                "values": [1 / (i + 1) for i in range(50)],
                "epochs": [i // 10 for i in range(50)],
                "times": [1767225600.0 + i for i in range(50)],
            },
            {
                "name": "loss",
                "context": {"subset": "val"},
                "steps": [0, 25, 49],
                "values": [1.0, 0.2, 0.1],
            },
            {
                "name": "accuracy",
                "context": {},
                "steps": list(range(50)),
                "values": [i / 50 for i in range(50)],
            },
            {
                "name": "__system__cpu",
                "context": {},
                "steps": list(range(10)),
                "values": [40.0 + i for i in range(10)],
            },
            {
                "name": "__system__memory_percent",
                "context": {},
                "steps": list(range(10)),
                "values": [20.0] * 10,
            },
        ],
        "logs": [{"line": 0, "text": "\x1b[32mStarting training\x1b[0m"}]
        + [{"line": i, "text": f"step {i} loss {1 / i:.3f}"} for i in range(1, 30)],
        "meta": {"__system_params": SYSTEM_PARAMS},
    }
    ingest.apply_batch(run, ingest.parse_batch(batch))
    objects, files = [], {}
    colors = ["red", "green", "blue", "white", "black"]
    for step in image_steps:
        for index in range(images_per_step):
            key = f"img-{step}-{index}"
            files[key] = SimpleUploadedFile(
                f"{key}.png", png(colors[index % len(colors)])
            )
            objects.append(
                {
                    "kind": "image",
                    "name": "samples",
                    "context": {"subset": "val"},
                    "step": step,
                    "index": index,
                    "caption": f"sample {index} at step {step}",
                    "file": key,
                }
            )
    files["single"] = SimpleUploadedFile("single.png", png("blue"))
    objects.append(
        {
            "kind": "image",
            "name": "single",
            "context": {},
            "step": 5,
            "index": 0,
            "caption": "only one",
            "file": "single",
        }
    )
    files["clip"] = SimpleUploadedFile("clip.wav", wav())
    objects.append(
        {
            "kind": "audio",
            "name": "clips",
            "context": {},
            "step": 0,
            "index": 0,
            "caption": "a tone",
            "file": "clip",
            "format": "wav",
        }
    )
    texts = [
        "The Cat sat on the mat",
        "a dog barked at 3 cats",
        "Nothing here",
        "CAT in capitals 42",
    ]
    for index, text in enumerate(texts):
        objects.append(
            {
                "kind": "text",
                "name": "predictions",
                "context": {"subset": "val"},
                "step": index // 2,
                "index": index % 2,
                "text": text,
            }
        )
    objects.append(
        {
            "kind": "figure",
            "name": "confusion",
            "context": {},
            "step": 0,
            "data": {
                "data": [{"type": "bar", "x": ["a", "b"], "y": [3, 5]}],
                "layout": {"width": 1400, "height": 420, "title": {"text": "Bars"}},
            },
        }
    )
    for step in range(0, 30, 3):
        objects.append(
            {
                "kind": "distribution",
                "name": "weights",
                "context": {"layer": "fc1"},
                "step": step,
                "data": {"bins": [1, step + 1, 4, 2], "range": [-1.0, 1.0]},
            }
        )
    media.store_objects(run, media.parse_objects({"objects": objects}, files))
    store_artifact(
        run,
        "checkpoints/model.bin",
        SimpleUploadedFile("model.bin", b"weights" * 100),
    )
    run.refresh_from_db()
    return run
