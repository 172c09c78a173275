"""PyTorch Ignite: `AimLogger`, as `aim.pytorch_ignite.AimLogger`.

    aim_logger = AimLogger(experiment="mnist")
    aim_logger.log_params({"lr": 0.1})                      # → hparams.lr
    aim_logger.attach_output_handler(
        trainer, event_name=Events.ITERATION_COMPLETED, tag="train",
        output_transform=lambda loss: {"loss": loss})      # → loss {"subset": "train"}
    aim_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
    ...
    aim_logger.close()

Handler keys are `<tag>_<name>`; a `train_`, `val_` or `test_` prefix becomes the
context `{"subset": ...}` (the prefixes are arguments, as in Aim). Points are
tracked at the engine's step for the event (iteration or epoch). The run closes
with `close()` (or when the logger is used as a context manager and exits).
"""

from __future__ import annotations

from aimsite.sdk.integration import (
    DEFAULT_SYSTEM_TRACKING_INTERVAL,
    RunOwner,
    import_framework,
    plain,
)

_base = import_framework(
    "ignite.handlers.base_logger", "pytorch-ignite", "pytorch_ignite"
)


class AimLogger(RunOwner, _base.BaseLogger):
    """Ignite's logger for an aimsite run (Aim's arguments, plus `server` and
    `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

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
        )
        # Aim's order of checks: train, test, then val.
        self._prefixes = [
            (prefix, subset)
            for prefix, subset in (
                (train_metric_prefix, "train"),
                (test_metric_prefix, "test"),
                (val_metric_prefix, "val"),
            )
            if prefix
        ]

    def log_params(self, params: dict) -> None:
        try:
            from omegaconf import Container, OmegaConf
        except ImportError:
            pass
        else:
            if isinstance(params, Container):
                params = OmegaConf.to_container(params, resolve=True)
        run = self.experiment
        for key, value in params.items():
            run["hparams", str(key)] = plain(value)

    def log_metrics(self, metrics: dict, step: int | None = None) -> None:
        run = self.experiment
        for key, value in metrics.items():
            name, context = key, {}
            for prefix, subset in self._prefixes:
                if name.startswith(prefix):
                    name, context = name[len(prefix) :], {"subset": subset}
                    break
            run.track(value, name=name, step=step, context=context)

    @property
    def name(self) -> str | None:
        return self._experiment_name

    @property
    def version(self) -> str:
        return self.experiment.hash

    def _create_output_handler(self, *args, **kwargs) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args, **kwargs) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class OutputHandler(_base.BaseOutputHandler):
    """Logs an engine's output, metrics and state attributes (Ignite's arguments:
    tag, metric_names, output_transform, global_step_transform, state_attributes)."""

    def __call__(self, engine, logger: AimLogger, event_name) -> None:
        if not isinstance(logger, AimLogger):
            raise TypeError("OutputHandler works only with AimLogger")
        rendered = self._setup_output_metrics_state_attrs(engine)
        step = self.global_step_transform(engine, event_name)
        if not isinstance(step, int):
            raise TypeError(
                f"global_step must be int, got {type(step)}: check global_step_transform"
            )
        metrics = {"_".join(keys): value for keys, value in rendered.items()}
        logger.log_metrics(metrics, step=step)


class OptimizerParamsHandler(_base.BaseOptimizerParamsHandler):
    """Logs an optimizer parameter (default `lr`) of every param group as
    `<tag>_<param>_group_<i>`."""

    def __init__(self, optimizer, param_name: str = "lr", tag: str | None = None):
        super().__init__(optimizer, param_name, tag)

    def __call__(self, engine, logger: AimLogger, event_name) -> None:
        if not isinstance(logger, AimLogger):
            raise TypeError("OptimizerParamsHandler works only with AimLogger")
        step = engine.state.get_event_attrib_value(event_name)
        prefix = f"{self.tag}_" if self.tag else ""
        logger.log_metrics(
            {
                f"{prefix}{self.param_name}_group_{index}": float(
                    group[self.param_name]
                )
                for index, group in enumerate(self.optimizer.param_groups)
            },
            step=step,
        )
