"""fastai: `AimCallback`, as `aim.fastai.AimCallback`.

    learn = Learner(dls, model, metrics=accuracy, cbs=AimCallback(experiment_name="x"))

When fitting starts the learner's configuration (the Learner's and its callbacks'
stored arguments, input dimensions, batch size, parameter count, device, …) becomes
params. After every batch the loss is tracked as `train_loss` at the training
iteration, with `{"subset": "train"}` or `{"subset": "val"}`, and so is each
optimizer hyper-parameter as `<name>_<param group>` (`lr_0`, `mom_0`, `wd_0`);
after every epoch the recorder's metrics (`valid_loss`, `accuracy`, …). A
difference from Aim, whose run stays open until the script ends: the run closes
when fitting ends (a later `fit` resumes it).
"""

from __future__ import annotations

import contextlib
import logging

from aimsite.sdk.integration import (
    DEFAULT_SYSTEM_TRACKING_INTERVAL,
    RunOwner,
    import_framework,
    plain,
)

_learner = import_framework("fastai.learner", "fastai", "fastai")
_hook = import_framework("fastai.callback.hook", "fastai", "fastai")
_basics = import_framework("fastcore.basics", "fastai", "fastai")

logger = logging.getLogger(__name__)


class AimCallback(RunOwner, _learner.Callback):
    """Logs fastai training to an aimsite run (Aim's arguments, plus `server` and
    `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    def __init__(
        self,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INTERVAL,
        log_system_params: bool = True,
        capture_terminal_logs: bool = True,
        *,
        server: str | None = None,
        token: str | None = None,
    ):
        super().__init__(
            repo,
            experiment_name,
            system_tracking_interval,
            log_system_params,
            capture_terminal_logs,
            server=server,
            token=token,
        )

    def setup(self, args: dict | None = None) -> None:
        run = self._open_run()
        for key, value in (args or {}).items():
            try:
                run[key] = plain(value)
            except (KeyError, TypeError, ValueError) as error:
                logger.warning("could not log the config parameter %r: %s", key, error)

    def before_fit(self) -> None:
        self.setup(format_config(self.gather_args()))

    def after_batch(self) -> None:
        context = {"subset": "train"} if self.training else {"subset": "val"}
        run = self._open_run()
        run.track(
            self.loss.item(), name="train_loss", step=self.train_iter, context=context
        )
        for index, hypers in enumerate(self.opt.hypers):
            for key, value in hypers.items():
                run.track(
                    value, name=f"{key}_{index}", step=self.train_iter, context=context
                )

    def after_epoch(self) -> None:
        run = self._open_run()
        for name, value in zip(
            self.recorder.metric_names, self.recorder.log, strict=False
        ):
            if name not in ("train_loss", "epoch", "time") and value is not None:
                run.track(value, name=name)

    def after_fit(self) -> None:
        self.close()

    def gather_args(self) -> dict:
        """The learner's configuration, as Aim gathers it."""
        args = {
            str(callback): getattr(callback, "__stored_args__", True)
            for callback in self.cbs
            if callback is not self
        }
        args = {"Learner": self.learn, **args}
        try:
            inputs = self.dls.train.n_inp
            args["n_inp"] = inputs
            batch = self.dls.valid.one_batch()[:inputs]
            for number in range(inputs):
                shape = _basics.detuplify(batch[number]).shape
                for axis, size in enumerate(shape):
                    args[f"input {number + 1} dim {axis + 1}"] = size
        except Exception:
            logger.warning("could not gather the input dimensions")
        with contextlib.suppress(Exception):
            args["batch_size"] = self.dls.bs
            args["batch_per_epoch"] = len(self.dls.train)
            args["model_parameters"] = _hook.total_params(self.model)[0]
            args["device"] = self.dls.device.type
            args["frozen"] = bool(self.opt.frozen_idx)
            args["frozen_idx"] = self.opt.frozen_idx
            args["dataset", "tfms"] = f"{self.dls.dataset.tfms}"
            args["dls", "after_item"] = f"{self.dls.after_item}"
            args["dls", "before_batch"] = f"{self.dls.before_batch}"
            args["dls", "after_batch"] = f"{self.dls.after_batch}"
        return args


def format_config(config: dict, depth: int = 0) -> dict:
    """Objects that keep their arguments (fastai's `store_attr`) become a dict of
    them plus `_name` (a few levels deep; deeper ones stay objects, stored as text)."""
    return {key: _format_value(value, depth) for key, value in config.items()}


def _format_value(value, depth: int):
    if depth > 4:
        return value
    if isinstance(value, dict):
        return format_config(value, depth + 1)
    if isinstance(value, list):
        return [_format_value(item, depth + 1) for item in value]
    stored = getattr(value, "__stored_args__", None)
    if isinstance(stored, dict):
        return {**format_config(stored, depth + 1), "_name": str(value)}
    return value
