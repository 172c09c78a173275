"""Real sources for the importer tests, written by the real packages.

Each builder writes a small store and returns what it wrote, so a test can
compare what came over with what went in. Builders that need a package import it
themselves: call them only after `import_or_skip`.
"""

import io
import math
import os
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import numpy as np

PNG_SIZE = (6, 8)  # width, height


def png_array(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    width, height = PNG_SIZE
    return (rng.random((height, width, 3)) * 255).astype(np.uint8)


def png_bytes(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(png_array(seed)).save(buffer, "PNG")
    return buffer.getvalue()


def wav_bytes(frequency: float = 440.0, rate: int = 8000) -> bytes:
    samples = (np.sin(2 * math.pi * frequency * np.arange(800) / rate) * 9000).astype(
        "<i2"
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(samples.tobytes())
    return buffer.getvalue()


# -- Aim ----------------------------------------------------------------------------

SYSTEM_PARAMS = {
    "packages": {"numpy": "2.4.6"},
    "env_variables": {"HOME": "/root"},
    "git_info": {"branch": "main"},
    "executable": "/usr/bin/python3",
    "arguments": ["train.py", "--lr=0.001"],
}


def _quiet_run(repo: str, **kwargs):
    from aim import Run

    return Run(
        repo=repo,
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
        **kwargs,
    )


def build_aim_repo(root: Path) -> dict:
    """An Aim repo: a full run, an archived run and a run that crashed."""
    import plotly.graph_objects as go
    from aim import Audio, Distribution, Figure, Image, Repo, Text

    root.mkdir(parents=True, exist_ok=True)
    Repo(str(root), init=True)
    repo = str(root)
    from aim import Run

    full = Run(
        repo=repo,
        experiment="exp-a",
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=True,
    )
    print("terminal line one")
    print("terminal line two")
    full.name = "full run"
    full.description = "everything Aim tracks"
    full["hparams"] = {"lr": 0.001, "batch_size": 32, "optimizer": {"name": "adam"}}
    full["seed"] = 7
    # What log_system_params=True records (its package scan needs pkg_resources).
    full["__system_params"] = SYSTEM_PARAMS
    full.add_tag("baseline")
    loss = [1.0 / (step + 1) for step in range(50)]
    for step, value in enumerate(loss):
        full.track(
            value, name="loss", step=step, epoch=step // 10, context={"subset": "train"}
        )
    for step in range(0, 50, 10):
        full.track(step / 100, name="acc", step=step, context={"subset": "val"})
    full.track(
        [Image(png_array(1), caption="first"), Image(png_array(2), caption="second")],
        name="samples",
        step=3,
        context={"subset": "val"},
    )
    full.track(
        [Image(png_array(3), caption="later")],
        name="samples",
        step=5,
        context={"subset": "val"},
    )
    full.track(Text("the quick brown fox"), name="predictions", step=2)
    full.track(
        Distribution(np.linspace(-1, 1, 200), bin_count=8),
        name="weights",
        step=4,
        context={"layer": "fc1"},
    )
    full.track(
        Figure(
            go.Figure(
                data=[go.Scatter(x=[1, 2, 3], y=[3, 1, 2])],
                layout={"title": {"text": "curve"}},
            )
        ),
        name="curve",
        step=1,
    )
    full.track(Audio(wav_bytes(), format="wav", caption="beep"), name="beep", step=0)
    full.log_info("an info record")
    full.close()
    sys.stdout.flush()
    full_hash = full.hash

    archived = _quiet_run(repo, experiment="exp-b")
    archived.name = "archived run"
    archived["hparams"] = {"lr": 0.01}
    for step in range(5):
        archived.track(float(step), name="loss", step=step)
    archived.archived = True
    archived.close()

    # A run whose process died: no end time, as Aim leaves it.
    crash_script = textwrap.dedent(
        f"""
        import os
        from aim import Run
        run = Run(repo={repo!r}, experiment="exp-a", system_tracking_interval=None,
                  log_system_params=False, capture_terminal_logs=False)
        run.name = "crashed run"
        for step in range(5):
            run.track(step * 2.0, name="loss", step=step)
        print(run.hash, flush=True)
        os._exit(1)
        """
    )
    crashed = subprocess.run(
        [sys.executable, "-c", crash_script],
        capture_output=True,
        text=True,
        timeout=300,
    )
    crashed_hash = crashed.stdout.strip().splitlines()[-1]
    # The crash was long ago: its heartbeat file is old.
    progress = root / ".aim" / "meta" / "progress" / crashed_hash
    if progress.exists():
        old = time.time() - 3600
        os.utime(progress, (old, old))

    aim_repo = Repo(repo)
    tag = next(t for t in aim_repo.structured_db.tags() if t.name == "baseline")
    tag.color = "#18ab6d"
    tag.description = "the reference configuration"
    experiment = next(
        e for e in aim_repo.structured_db.experiments() if e.name == "exp-a"
    )
    experiment.description = "experiment A"
    return {
        "full": full_hash,
        "archived": archived.hash,
        "crashed": crashed_hash,
        "loss": loss,
    }


# -- MLflow -------------------------------------------------------------------------


def build_mlflow_store(tracking_uri: str) -> dict:
    """An MLflow store: a finished run with everything, a failed one, a deleted one."""
    import plotly.graph_objects as go
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(tracking_uri=tracking_uri)
    start = 1_790_000_000_000
    experiment = client.create_experiment(
        "mlf-exp", tags={"team": "vision", "mlflow.note.content": "MLflow experiment"}
    )
    run = client.create_run(
        experiment,
        run_name="mlf-finished",
        start_time=start,
        tags={
            "owner": "me",
            "mlflow.note.content": "a **note**",
            "mlflow.source.name": "train.py",
        },
    )
    run_id = run.info.run_id
    client.log_param(run_id, "lr", "0.001")
    client.log_param(run_id, "batch_size", 32)
    client.log_param(run_id, "optimizer", "{'name': 'adam'}")
    client.log_param(run_id, "use_bn", True)
    loss = [(step, 1.0 / (step + 1), start + 10 * step) for step in range(60)]
    client.log_batch(run_id, metrics=[Metric("loss", v, t, s) for s, v, t in loss])
    client.log_batch(
        run_id,
        metrics=[
            Metric("val/acc", 0.5 + s / 100, start + s, s) for s in range(0, 60, 20)
        ],
    )
    client.log_image(run_id, png_array(4), key="samples", step=3)
    client.log_image(run_id, png_array(5), artifact_file="plots/confusion.png")
    client.log_figure(
        run_id,
        go.Figure(
            data=[go.Bar(x=["a", "b"], y=[2, 5])], layout={"title": {"text": "bars"}}
        ),
        "figures/bars.html",
    )
    client.log_text(run_id, "some notes", "notes/readme.txt")
    client.set_terminated(run_id, "FINISHED", end_time=start + 60_000)

    failed = client.create_run(experiment, run_name="mlf-failed")
    client.log_metric(failed.info.run_id, "loss", 3.0, step=0)
    client.set_terminated(failed.info.run_id, "FAILED")

    deleted = client.create_run(experiment, run_name="mlf-deleted")
    client.log_param(deleted.info.run_id, "lr", "0.1")
    client.set_terminated(deleted.info.run_id, "FINISHED")
    client.delete_run(deleted.info.run_id)
    return {
        "finished": run_id,
        "failed": failed.info.run_id,
        "deleted": deleted.info.run_id,
        "loss": loss,
        "start": start,
    }


# -- TensorBoard --------------------------------------------------------------------


def build_tensorboard_logdir(logdir: Path) -> dict:
    """Event files as TensorFlow writes them: run1 with train and validation
    folders (scalars, image, histogram, text, hparams), run2 with scalars only."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.plugins.histogram import metadata as histogram_metadata
    from tensorboard.plugins.hparams import summary_v2 as hparams_summary
    from tensorboard.plugins.image import metadata as image_metadata
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    from tensorboard.plugins.text import metadata as text_metadata
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    from tensorboard.util import tensor_util

    start = 1_790_000_000.0
    written = {"start": start}

    def write(folder: Path, events: list[tuple[int, list]]) -> None:
        writer = EventFileWriter(str(folder))
        for step, values in events:
            writer.add_event(
                event_pb2.Event(
                    wall_time=start + step,
                    step=step,
                    summary=summary_pb2.Summary(value=values),
                )
            )
        writer.close()

    def scalar(tag: str, value: float, legacy: bool = False):
        if legacy:  # PyTorch's and tensorboardX's form
            return summary_pb2.Summary.Value(tag=tag, simple_value=value)
        return summary_pb2.Summary.Value(
            tag=tag,
            tensor=tensor_util.make_tensor_proto(np.float32(value)),
            metadata=scalar_metadata.create_summary_metadata("", ""),
        )

    train = [(step, 2.0 / (step + 1)) for step in range(20)]
    validation = [(step, 2.5 / (step + 1)) for step in range(0, 20, 5)]
    written["train"], written["validation"] = train, validation
    histogram = np.array([[-1.0, 0.0, 3.0], [0.0, 1.0, 5.0]])
    events = [
        (step, [scalar("loss/total", value, legacy=step % 2 == 0)])
        for step, value in train
    ]
    events += [
        (step, [scalar("metrics/acc/top1", step / 20)]) for step in range(0, 20, 4)
    ]
    events.append(
        (
            2,
            [
                summary_pb2.Summary.Value(
                    tag="inputs",
                    tensor=tensor_util.make_tensor_proto(
                        [b"6", b"8", png_bytes(1), png_bytes(2)]
                    ),
                    metadata=image_metadata.create_summary_metadata("", ""),
                ),
                summary_pb2.Summary.Value(
                    tag="layer1/weights",
                    tensor=tensor_util.make_tensor_proto(histogram),
                    metadata=histogram_metadata.create_summary_metadata("", ""),
                ),
                summary_pb2.Summary.Value(
                    tag="notes",
                    tensor=tensor_util.make_tensor_proto(["hello *tensorboard*"]),
                    metadata=text_metadata.create_summary_metadata("", ""),
                ),
            ],
        )
    )
    hparams = hparams_summary.hparams_pb(
        {"lr": 0.01, "optimizer": "adam", "use_bn": True}
    )
    events.append((0, list(hparams.value)))
    write(logdir / "run1" / "train", events)
    write(
        logdir / "run1" / "validation",
        [(step, [scalar("loss/total", value)]) for step, value in validation],
    )
    write(logdir / "run2", [(step, [scalar("x", step * 1.5)]) for step in range(3)])
    written["histogram"] = histogram
    return written
