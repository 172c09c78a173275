"""What the Keras and TensorFlow `AimCallback`s share (framework-free, like Aim's
keras_mixins): open at construction, log every epoch's numbers, close when `fit`
ends and resume the same run when `fit` is called again.

At each epoch's end every number in Keras' logs is tracked with the epoch: `val_x`
as `x` with `{"subset": "val"}`, the others with `{"subset": "train"}`, and the
optimizer's current learning rate as `lr` (train).
"""

from __future__ import annotations

from aimsite.sdk.integration import RunOwner


class KerasEpochMetrics(RunOwner):
    """Put before the framework's `Callback` class; takes RunOwner's arguments
    (Aim's, plus `server` and `token`). The run opens here, as in Aim."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._open_run()  # at construction, as in Aim

    def _log_epoch_metrics(self, epoch: int, logs: dict | None) -> None:
        if not logs:
            return
        run = self._open_run()
        for name, value in logs.items():
            if name.startswith("val_"):
                run.track(value, name=name[4:], epoch=epoch, context={"subset": "val"})
            else:
                run.track(value, name=name, epoch=epoch, context={"subset": "train"})
        rate = self._learning_rate()
        if rate is not None:
            run.track(rate, name="lr", epoch=epoch, context={"subset": "train"})

    def _learning_rate(self) -> float | None:
        optimizer = getattr(getattr(self, "model", None), "optimizer", None)
        if optimizer is None:
            return None
        rate = getattr(optimizer, "learning_rate", None)
        if rate is None:
            rate = getattr(optimizer, "lr", None)
        try:
            if callable(rate) and not hasattr(rate, "numpy"):  # a schedule
                rate = rate(optimizer.iterations)
            import numpy as np

            return float(np.asarray(rate))
        except Exception:  # an optimizer without a readable rate: Aim skips it too
            return None

    def on_train_begin(self, logs=None) -> None:
        self._open_run()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._log_epoch_metrics(epoch, logs)

    def on_train_end(self, logs=None) -> None:
        self.close()

    @classmethod
    def metrics(cls, repo=None, experiment=None, run=None):
        """Aim's old spelling, kept for old scripts."""
        return cls(repo, experiment)
