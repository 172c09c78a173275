"""PyTorch Lightning: `AimLogger`, as `aim.pytorch_lightning.AimLogger`.

    trainer = Trainer(logger=AimLogger(experiment="mnist"))

Hyperparameters go to `hparams.<name>`; a metric's prefix becomes its context
(`train_loss` → `loss` with `{"subset": "train"}`; `context_prefixes` and
`context_postfixes` change the mapping); the `epoch` Lightning adds to each log
call becomes the points' epoch. The run closes when the trainer finalizes the
logger. Uses `lightning` when installed, else `pytorch_lightning`.
"""

from __future__ import annotations

import importlib.util
import warnings
from argparse import Namespace
from typing import Any

from aimsite.sdk.integration import (
    DEFAULT_SYSTEM_TRACKING_INTERVAL,
    RunOwner,
    as_step,
    import_framework,
    plain,
)
from aimsite.sdk.run import Run

if importlib.util.find_spec("lightning"):
    _package = "lightning.pytorch"
else:
    _package = "pytorch_lightning"
_loggers = import_framework(
    f"{_package}.loggers.logger",
    "lightning (or pytorch-lightning)",
    "pytorch_lightning",
)
_utilities = import_framework(
    f"{_package}.utilities", "lightning (or pytorch-lightning)", "pytorch_lightning"
)
rank_zero_only = _utilities.rank_zero_only
rank_zero_experiment = _loggers.rank_zero_experiment

_DEFAULT_PREFIXES = {"train": "train_", "val": "val_", "test": "test_"}


def _context_prefixes(
    context_prefixes: dict | None,
    train_metric_prefix: str | None,
    val_metric_prefix: str | None,
    test_metric_prefix: str | None,
) -> dict:
    """Aim's rule: the deprecated `<subset>_metric_prefix` arguments shape the
    default `{"subset": {...}}` mapping and cannot be mixed with `context_prefixes`."""
    legacy = {
        "train": train_metric_prefix,
        "val": val_metric_prefix,
        "test": test_metric_prefix,
    }
    changed = [subset for subset, prefix in legacy.items() if prefix != f"{subset}_"]
    for subset in changed:
        warnings.warn(
            f'The argument "{subset}_metric_prefix" is deprecated; use "context_prefixes".',
            DeprecationWarning,
            stacklevel=3,
        )
    if context_prefixes is not None:
        if changed:
            raise ValueError(
                'the "<subset>_metric_prefix" arguments cannot be used with "context_prefixes"'
            )
        return context_prefixes
    subsets = {subset: prefix for subset, prefix in legacy.items() if prefix}
    return {"subset": subsets} if subsets else {}


class AimLogger(RunOwner, _loggers.Logger):
    """Logs a Lightning training to an aimsite run (Aim's arguments, plus
    `server` and `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    def __init__(
        self,
        repo: str | None = None,
        experiment: str | None = None,
        train_metric_prefix: str | None = "train_",
        val_metric_prefix: str | None = "val_",
        test_metric_prefix: str | None = "test_",
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INTERVAL,
        log_system_params: bool = True,
        capture_terminal_logs: bool = True,
        run_name: str | None = None,
        run_hash: str | None = None,
        context_prefixes: dict | None = None,
        context_postfixes: dict | None = None,
        *,
        server: str | None = None,
        token: str | None = None,
    ):
        super().__init__(
            repo,
            experiment,
            system_tracking_interval,
            log_system_params,
            capture_terminal_logs,
            server=server,
            token=token,
            run_name=run_name,
            run_hash=run_hash,
        )
        self._context_prefixes = _context_prefixes(
            context_prefixes, train_metric_prefix, val_metric_prefix, test_metric_prefix
        )
        self._context_postfixes = context_postfixes or {}

    @property
    @rank_zero_experiment
    def experiment(self) -> Run:
        return self._open_run()

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args, **kwargs):
        if isinstance(params, Namespace):
            params = vars(params)
        params = _omegaconf_to_dict(params or {})
        run = self.experiment
        for key, value in params.items():
            run["hparams", str(key)] = plain(value)

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        metrics = dict(metrics)
        epoch = as_step(metrics.pop("epoch", None))
        run = self.experiment
        for key, value in metrics.items():
            name, context = self.parse_context(key)
            run.track(value, name=name, step=step, epoch=epoch, context=context)

    def parse_context(self, name: str) -> tuple[str, dict]:
        """Metric name → (name without its prefix/postfix, context), as Aim does."""
        context = {}
        for key, mapping in self._context_prefixes.items():
            for value, prefix in mapping.items():
                if prefix and name.startswith(prefix):
                    name = name[len(prefix) :]
                    context[key] = value
                    break
        for key, mapping in self._context_postfixes.items():
            for value, postfix in mapping.items():
                if postfix and name.endswith(postfix):
                    name = name[: -len(postfix)]
                    context[key] = value
                    break
        return name, context

    @rank_zero_only
    def finalize(self, status: str = "") -> None:
        super().finalize(status)
        # Lightning says "failed" when training raised; the run says so too.
        run, self._run = self._run, None
        if run is not None:
            run.close(status="failed" if status == "failed" else "finished")

    @property
    def save_dir(self) -> str | None:
        return None  # nothing is saved locally; checkpoints go to default_root_dir

    @property
    def name(self) -> str | None:
        return self._experiment_name

    @property
    def version(self) -> str:
        return self.experiment.hash


def _omegaconf_to_dict(params):
    try:
        from omegaconf import OmegaConf
    except ImportError:
        return params
    if OmegaConf.is_config(params):
        return OmegaConf.to_container(params, resolve=True)
    return params
