"""A demo run that trains while `aimsite up --demo` serves, so Live Update has
something to show: every second it logs training points, a terminal line and the
server's own system metrics (read with the SDK's sampler) through the ingest
service, as a training script would through the API, and at each validation step
images, texts and distributions (`media.add_live_media`). Stopping the server stops it
and marks the run finished, with its true end time.
"""

import logging
import math
import threading
import time
import uuid

import numpy as np
from django.db import close_old_connections, connection

from aimsite.demo.media import add_live_media
from aimsite.sdk.system import SystemSampler
from runs import ingest
from runs.models import Run

logger = logging.getLogger("aimsite")

EXPERIMENT = "mnist-cnn"
STEPS_PER_TICK = 5
VAL_EVERY = 50
LEARNING_RATE = 1e-3
MEDIA_SEED = 7


def _loss(steps: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    decay = np.exp(-steps / 600)
    return 2.3 * decay + 0.05 + rng.normal(0, 0.03, len(steps)) * (decay + 0.2)


class LiveDemoRun:
    """One run fed once a second from a thread of the serving process."""

    def __init__(self, owner, interval: float = 1.0):
        self.owner = owner
        self.interval = interval
        self.run: Run | None = None
        self._seq = 0
        self._step = 0
        self._line = 0
        self._ticks = 0
        self._rng = np.random.default_rng()
        self._sampler = SystemSampler()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name="aimsite-live-demo", daemon=True
        )

    @classmethod
    def start(cls, owner, interval: float = 1.0) -> "LiveDemoRun":
        live = cls(owner, interval)
        live._create()
        live._thread.start()
        return live

    def stop(self) -> None:
        """Stop feeding and mark the run finished (called once the server stopped)."""
        self._stopping.set()
        self._thread.join(timeout=10)
        if self.run is not None:
            self._apply(
                {
                    "logs": self._log("\x1b[32mStopped with the server.\x1b[0m"),
                    "status": "finished",
                }
            )

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _log(self, text: str) -> list[dict]:
        line = {"line": self._line, "text": text, "time": time.time()}
        self._line += 1
        return [line]

    def _apply(self, batch: dict) -> None:
        parsed = ingest.parse_batch({"seq": self._next_seq(), **batch})
        self.run = ingest.apply_batch(self.run, parsed).run or self.run

    def _create(self) -> None:
        name = f"cnn-live-{time.strftime('%H%M%S')}"
        params = {
            "hparams": {
                "lr": LEARNING_RATE,
                "batch_size": 64,
                "epochs": 10,
                "optimizer": {"name": "adam", "momentum": 0.9, "weight_decay": 0.0},
                "model": {"family": "cnn", "layers": 4, "dropout": 0.1},
            },
            "dataset": {"name": "mnist", "version": "1.0"},
            "seed": 0,
        }
        batch = ingest.parse_batch(
            {
                "seq": self._next_seq(),
                "logs": self._log(f"\x1b[1mStarting {name} (live demo)\x1b[0m"),
            }
        )
        self.run = ingest.create_run(
            self.owner,
            ingest.NewRun(
                hash=uuid.uuid4().hex[:24],
                experiment=EXPERIMENT,
                name=name,
                description="Trains while the server runs: watch Live Update.",
                params=params,
                batch=batch,
            ),
        ).run

    def _loop(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                try:
                    close_old_connections()
                    self._tick()
                except Exception:
                    logger.exception("the live demo run missed a tick")
        finally:
            connection.close()

    def _tick(self) -> None:
        now = time.time()
        steps = np.arange(self._step, self._step + STEPS_PER_TICK)
        self._step += STEPS_PER_TICK
        loss = _loss(steps, self._rng)
        accuracy = np.clip(1 - loss / 2.4, 0, 1)
        times = [now] * len(steps)
        epochs = (steps // 1000).tolist()
        train = {"steps": steps.tolist(), "epochs": epochs, "times": times}
        metrics = [
            {"name": "loss", "context": {"subset": "train"}, "values": loss.tolist()},
            {
                "name": "accuracy",
                "context": {"subset": "train"},
                "values": accuracy.tolist(),
            },
            {
                "name": "learning_rate",
                "context": {},
                "values": [
                    LEARNING_RATE * (0.5 + 0.5 * math.cos(math.pi * (s % 5000) / 5000))
                    for s in steps.tolist()
                ],
            },
        ]
        metrics = [{**series, **train} for series in metrics]
        validated = steps[steps % VAL_EVERY == 0]
        if len(validated):
            val_loss = _loss(validated, self._rng) * 1.08 + 0.03
            val = {"steps": validated.tolist(), "times": [now] * len(validated)}
            metrics += [
                {
                    "name": "loss",
                    "context": {"subset": "val"},
                    **val,
                    "values": val_loss.tolist(),
                },
                {
                    "name": "accuracy",
                    "context": {"subset": "val"},
                    **val,
                    "values": np.clip(1 - val_loss / 2.4, 0, 1).tolist(),
                },
            ]
        self._ticks += 1
        metrics += [
            {
                "name": name,
                "context": {},
                "steps": [self._ticks],
                "values": [value],
                "times": [now],
            }
            for name, value in self._sampler.sample().items()
        ]
        self._apply(
            {
                "metrics": metrics,
                "logs": self._log(
                    f"step {int(steps[-1]):>6} | loss {loss[-1]:.4f} | "
                    f"acc {accuracy[-1]:.4f} | lr {LEARNING_RATE:g}"
                ),
            }
        )
        for step in validated.tolist():
            add_live_media(self.run, MEDIA_SEED, step)
