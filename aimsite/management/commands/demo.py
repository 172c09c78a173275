"""`aimsite demo`: fill the portal with realistic runs through the real ingest path."""

import math
import random
from datetime import timedelta

import numpy as np
from django.core.management.base import BaseCommand
from django.utils import timezone

from aimsite.demo import demo_owner
from aimsite.demo.media import add_media
from aimsite.progress import progress_bar
from experiments.models import Experiment
from experiments.services import save_notes
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
        owner = demo_owner()
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
                run = self._make_run(owner, exp_name, family, number, index, created)
                picked = [tag for tag in tags if self.rng.random() < 0.25]
                if number == 0:
                    picked = [tags[0]]
                run.tags.add(*picked)
                add_media(run, index, is_rich=number == 0)
                done += 1
                progress_bar(done, total, run.name)
        self.stdout.write(
            "\n"
            + self.style.SUCCESS(
                f"Done: {total} runs in {len(EXPERIMENTS)} experiments."
            )
        )

    def _make_run(self, owner, exp_name, family, number, index, created) -> Run:
        """A finished (or failed) run: the live one is `aimsite up --demo`'s."""
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
        steps = self.steps
        seconds_per_step = rng.uniform(0.2, 0.6)
        # A finished run ended in the past: never let its end time pass "now".
        latest_start = timezone.now() - timedelta(seconds=steps * seconds_per_step + 60)
        created = min(created, latest_start)
        start = created.timestamp()
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
        status = "failed" if number % 9 == 5 else "finished"
        last_line = (
            "\x1b[31mRuntimeError: CUDA out of memory.\x1b[0m"
            if status == "failed"
            else "\x1b[32mTraining finished.\x1b[0m"
        )
        logs.append({"line": 150, "text": last_line, "time": start + duration})
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
        # Backdated honestly: the run ended when its last point was tracked.
        finished = created + timedelta(seconds=duration)
        Run.objects.filter(pk=run.pk).update(
            created_at=created,
            finished_at=finished,
            updated_at=finished,
            last_heartbeat=finished,
        )
        run.refresh_from_db()
        return run
