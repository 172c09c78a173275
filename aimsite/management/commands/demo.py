"""`aimsite demo`: fill the portal with realistic runs through the real ingest path."""

import io
import math
import os
import random
import wave
from datetime import timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.utils import timezone

from aimsite.progress import progress_bar
from experiments.models import Experiment
from experiments.services import save_notes
from media_tracks import services as media
from runs import ingest
from runs.models import Run
from tags.models import TAG_COLORS, Tag

EXPERIMENTS = [
    (
        "mnist-cnn",
        "Small CNNs on MNIST: a sweep over learning rate and dropout.",
        "cnn",
    ),
    ("bert-finetune", "Fine-tuning BERT-base on SST-2 sentiment.", "bert"),
    ("resnet-cifar10", "ResNet-18 on CIFAR-10 with different augmentations.", "resnet"),
]
TAGS = [
    ("baseline", "Reference configuration"),
    ("best", "Best validation score so far"),
    ("tuned", "Hyperparameters from the sweep"),
    ("needs-review", "Odd curves, look again"),
]
RUNS_PER_EXPERIMENT = 20
TRAIN_STEPS = 2000
VAL_EVERY = 50


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


class Command(BaseCommand):
    help = (
        "Fill the database with demo experiments, runs, metrics, logs, media and tags."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--runs-per-experiment", type=int, default=RUNS_PER_EXPERIMENT
        )
        parser.add_argument("--steps", type=int, default=TRAIN_STEPS)
        parser.add_argument("--seed", type=int, default=7)

    def handle(
        self, runs_per_experiment: int, steps: int, seed: int, **options
    ) -> None:
        self.rng = random.Random(seed)
        self.steps = steps
        owner = self._owner()
        tags = [
            Tag.objects.get_or_create(
                name=name,
                defaults={
                    "comment": comment,
                    "color": TAG_COLORS[i][0],
                    "owner": owner,
                },
            )[0]
            for i, (name, comment) in enumerate(TAGS)
        ]
        total = len(EXPERIMENTS) * runs_per_experiment
        self.stdout.write(f"Creating {total} demo runs for {owner.username!r}…")
        done = 0
        now = timezone.now()
        for exp_index, (exp_name, description, family) in enumerate(EXPERIMENTS):
            experiment, _ = Experiment.objects.get_or_create(
                name=exp_name, defaults={"owner": owner}
            )
            experiment.description = experiment.description or description
            experiment.save()
            if not experiment.notes and experiment.can_edit(owner):
                save_notes(
                    experiment,
                    owner,
                    f"# {exp_name}\n\n{description}\n\n- [x] baseline\n- [ ] sweep the learning rate\n\n"
                    "| run | note |\n|---|---|\n| first | looks fine |\n",
                )
            for number in range(runs_per_experiment):
                index = exp_index * runs_per_experiment + number
                created = now - timedelta(
                    days=self.rng.uniform(0, 330), hours=self.rng.uniform(0, 23)
                )
                is_active = number >= runs_per_experiment - 1 and exp_index < 2
                if is_active:
                    created = now - timedelta(minutes=self.rng.uniform(5, 50))
                run = self._make_run(
                    owner, exp_name, family, number, index, created, is_active
                )
                picked = [tag for tag in tags if self.rng.random() < 0.25]
                if number == 0:
                    picked = [tags[0]]
                run.tags.add(*picked)
                if index % 20 == 0:
                    self._media(run, index)
                done += 1
                progress_bar(done, total, run.name)
        self.stdout.write(
            "\n"
            + self.style.SUCCESS(
                f"Done: {total} runs in {len(EXPERIMENTS)} experiments."
            )
        )

    def _owner(self):
        User = get_user_model()
        username = os.environ.get("AIMSITE_ADMIN_USER", "admin")
        user = (
            User.objects.filter(username=username).first()
            or User.objects.filter(is_superuser=True).first()
        )
        if user is None:
            user, created = User.objects.get_or_create(username="demo")
            if created:
                user.set_unusable_password()
                user.save()
        return user

    def _make_run(
        self, owner, exp_name, family, number, index, created, is_active
    ) -> Run:
        rng = self.rng
        lr = rng.choice([1e-4, 3e-4, 1e-3, 3e-3, 1e-2])
        batch_size = rng.choice([32, 64, 128, 256])
        dropout = round(rng.uniform(0.0, 0.5), 2)
        params = {
            "hparams": {
                "lr": lr,
                "batch_size": batch_size,
                "epochs": 10,
                "optimizer": {
                    "name": rng.choice(["adam", "sgd", "adamw"]),
                    "momentum": 0.9,
                    "weight_decay": rng.choice([0.0, 1e-4, 5e-4]),
                },
                "model": {
                    "family": family,
                    "layers": rng.choice([2, 4, 8, 18]),
                    "dropout": dropout,
                },
            },
            "dataset": {
                "name": {"cnn": "mnist", "bert": "sst2", "resnet": "cifar10"}[family],
                "version": "1.0",
            },
            "seed": index,
        }
        run_hash = "".join(rng.choice("0123456789abcdef") for _ in range(24))
        name = f"{family}-lr{lr:g}-bs{batch_size}-{number}"
        steps = self.steps if not is_active else self.steps // 3
        start = created.timestamp()
        seconds_per_step = rng.uniform(0.2, 0.6)
        quality = (1 - abs(math.log10(lr) + 3) / 3) * (1 - dropout / 2)
        train_steps = np.arange(steps)
        decay = np.exp(-train_steps / (steps / (2 + 3 * quality)))
        noise = np.random.default_rng(index)
        train_loss = 2.3 * decay + 0.05 + noise.normal(0, 0.03, steps) * (decay + 0.2)
        train_acc = np.clip(1 - train_loss / 2.4 + noise.normal(0, 0.01, steps), 0, 1)
        val_steps = train_steps[::VAL_EVERY]
        val_loss = train_loss[::VAL_EVERY] * 1.08 + 0.03
        val_acc = np.clip(train_acc[::VAL_EVERY] - 0.02, 0, 1)
        times = (start + train_steps * seconds_per_step).tolist()
        val_times = (start + val_steps * seconds_per_step).tolist()
        epochs = (train_steps * 10 // max(steps, 1)).tolist()
        if number == 3:
            train_loss[steps // 2] = float("nan")  # a diverged step, as real runs have
        metrics = [
            {
                "name": "loss",
                "context": {"subset": "train"},
                "steps": train_steps.tolist(),
                "values": train_loss.tolist(),
                "epochs": epochs,
                "times": times,
            },
            {
                "name": "accuracy",
                "context": {"subset": "train"},
                "steps": train_steps.tolist(),
                "values": train_acc.tolist(),
                "epochs": epochs,
                "times": times,
            },
            {
                "name": "loss",
                "context": {"subset": "val"},
                "steps": val_steps.tolist(),
                "values": val_loss.tolist(),
                "epochs": epochs[::VAL_EVERY],
                "times": val_times,
            },
            {
                "name": "accuracy",
                "context": {"subset": "val"},
                "steps": val_steps.tolist(),
                "values": val_acc.tolist(),
                "epochs": epochs[::VAL_EVERY],
                "times": val_times,
            },
            {
                "name": "learning_rate",
                "context": {},
                "steps": train_steps.tolist(),
                "values": (
                    lr * (0.5 + 0.5 * np.cos(np.pi * train_steps / steps))
                ).tolist(),
            },
        ]
        duration = steps * seconds_per_step
        system_steps = np.arange(int(duration // 10) + 1)
        system_times = (start + system_steps * 10.0).tolist()
        for system_name, base, spread in [
            ("__system__cpu", 65, 20),
            ("__system__memory_percent", 40, 5),
            ("__system__p_memory_rss", 2100, 150),
            ("__system__gpu0_util", 85, 10),
            ("__system__gpu0_memory_percent", 70, 3),
            ("__system__gpu0_temp", 68, 4),
        ]:
            values = np.clip(
                base + noise.normal(0, spread / 3, len(system_steps)), 0, None
            )
            metrics.append(
                {
                    "name": system_name,
                    "context": {},
                    "steps": system_steps.tolist(),
                    "values": values.tolist(),
                    "times": system_times,
                }
            )
        logs = [{"line": 0, "text": f"\x1b[1mStarting {name}\x1b[0m", "time": start}]
        for line in range(1, 150):
            step = line * steps // 150
            logs.append(
                {
                    "line": line,
                    "text": f"step {step:>5} | loss {train_loss[step]:.4f} | acc {train_acc[step]:.4f} | lr {lr:g}",
                    "time": start + step * seconds_per_step,
                }
            )
        if not is_active:
            logs.append(
                {
                    "line": 150,
                    "text": "\x1b[32mTraining finished.\x1b[0m",
                    "time": start + duration,
                }
            )
        status = None if is_active else ("failed" if number % 9 == 5 else "finished")
        if status == "failed":
            logs.append(
                {
                    "line": 151,
                    "text": "\x1b[31mRuntimeError: CUDA out of memory.\x1b[0m",
                    "time": start + duration,
                }
            )
        meta = {
            "__system_params": {
                "argv": [
                    "train.py",
                    f"--lr={lr}",
                    f"--batch-size={batch_size}",
                    f"--dropout={dropout}",
                ],
                "env": {
                    "CUDA_VISIBLE_DEVICES": "0",
                    "OMP_NUM_THREADS": "8",
                    "WANDB_API_KEY": "********",
                    "PATH": "/usr/local/bin:/usr/bin",
                },
                "packages": {
                    "numpy": "2.1.0",
                    "torch": "2.5.1",
                    "transformers": "4.46.0",
                    "scikit-learn": "1.5.2",
                    "aimsite": "0.1.0",
                },
                "git_info": {
                    "remote": "git@example.com:team/models.git",
                    "branch": "main",
                    "commit": f"{index * 7919:07x}",
                    "dirty": index % 4 == 0,
                },
                "hostname": f"gpu-node-{index % 4 + 1}",
                "python": "3.11.7",
                "platform": "Linux-6.1-x86_64",
                "start_time": start,
            }
        }
        batch = ingest.parse_batch(
            {"seq": 1, "metrics": metrics, "logs": logs, "status": status, "meta": meta}
        )
        run = ingest.create_run(
            owner,
            ingest.NewRun(
                hash=run_hash,
                experiment=exp_name,
                name=name,
                description=f"Demo run {number} of {exp_name}",
                params=params,
                batch=batch,
            ),
        ).run
        finished = created + timedelta(seconds=duration) if status else None
        now = timezone.now()
        Run.objects.filter(pk=run.pk).update(
            created_at=created,
            finished_at=finished,
            updated_at=finished or now,
            last_heartbeat=finished or now,
        )
        run.refresh_from_db()
        return run

    def _media(self, run: Run, index: int) -> None:
        objects = []
        files = {}
        for step in range(0, 400, 100):
            for position in range(4):
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
        for position, frequency in enumerate([220.0, 440.0]):
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
        for step in range(0, 500, 100):
            for position in range(3):
                objects.append(
                    {
                        "kind": "text",
                        "name": "predictions",
                        "context": {"subset": "val"},
                        "step": step,
                        "index": position,
                        "text": f"Sample {position}: the model predicts class {(step + position) % 10} with confidence {0.5 + step / 1000:.2f}",
                    }
                )
        confusion = (
            np.random.default_rng(index).integers(0, 30, (5, 5))
            + np.eye(5, dtype=int) * 100
        )
        objects.append(
            {
                "kind": "figure",
                "name": "confusion_matrix",
                "context": {},
                "step": 0,
                "index": 0,
                "data": {
                    "data": [
                        {
                            "type": "heatmap",
                            "z": confusion.tolist(),
                            "colorscale": "Blues",
                        }
                    ],
                    "layout": {
                        "title": {"text": "Confusion matrix"},
                        "width": 520,
                        "height": 440,
                    },
                },
            }
        )
        rng = np.random.default_rng(index)
        for layer in ["fc1.weight", "fc2.weight"]:
            for step in range(0, 100, 2):
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
        media.store_objects(run, media.parse_objects({"objects": objects}, files))
