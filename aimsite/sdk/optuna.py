"""Optuna: `AimCallback`, as `aim.optuna.AimCallback`.

    aim_callback = AimCallback(metric_name="accuracy", experiment_name="search")
    study.optimize(objective, n_trials=20, callbacks=[aim_callback])

By default the whole study is one run: after each trial its parameters and its
objective value(s) are tracked at the trial's number, and `hparams.direction` and
`study_name` are set; close it with `aim_callback.close()` (or the script's end), as
in Aim. With `as_multirun=True` each trial is its own run named `trial-<n>`, with
the trial's parameters as `hparams.*` and the values and `trial_number` as params,
closed when the trial is done; `@aim_callback.track_in_aim()` on the objective opens
that run first so the objective can track into it (`aim_callback.experiment`).
Several objectives are `<metric_name>_0`, `_1`, … or the names given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from aimsite.sdk.integration import (
    DEFAULT_SYSTEM_TRACKING_INTERVAL,
    RunOwner,
    import_framework,
    plain,
)
from aimsite.sdk.run import Run

import_framework("optuna", "optuna", "optuna")


class AimCallback(RunOwner):
    """An Optuna study callback logging to aimsite (Aim's arguments, plus `server`
    and `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    def __init__(
        self,
        metric_name: str | Sequence[str] = "value",
        as_multirun: bool = False,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INTERVAL,
        log_system_params: bool = True,
        capture_terminal_logs: bool = True,
        *,
        server: str | None = None,
        token: str | None = None,
    ):
        if not isinstance(metric_name, Sequence):
            raise TypeError(
                f"metric_name must be a string or a sequence of strings, got {type(metric_name).__name__}"
            )
        self._metric_name = metric_name
        self._as_multirun = as_multirun
        super().__init__(
            repo,
            experiment_name,
            system_tracking_interval,
            log_system_params,
            capture_terminal_logs,
            server=server,
            token=token,
        )
        if not as_multirun:
            self._open_run()

    @property
    def experiment(self) -> Run | None:
        """The open run, or None between trials of a multirun study."""
        return self._run

    def _names(self, values: list) -> list[str]:
        if isinstance(self._metric_name, str):
            if len(values) > 1:
                return [f"{self._metric_name}_{index}" for index in range(len(values))]
            return [self._metric_name]
        if len(self._metric_name) != len(values):
            raise ValueError(
                f"the objective returned {len(values)} values but {len(self._metric_name)} "
                "metric names were given: give one name per value, or one name to number"
            )
        return list(self._metric_name)

    def _open_trial_run(self, number: int) -> Run:
        run = self._open_run()
        run.name = f"trial-{number}"
        return run

    def __call__(self, study, trial) -> None:
        values = list(trial.values or [])  # none for a pruned or failed trial
        metrics = dict(zip(self._names(values), values, strict=True)) if values else {}
        if self._as_multirun:
            metrics["trial_number"] = trial.number
        step = trial.number if self._run is not None else None
        run = self._run if self._run is not None else self._open_trial_run(trial.number)
        run["hparams", "direction"] = [direction.name for direction in study.directions]
        run["study_name"] = study.study_name
        if self._as_multirun:
            for key, value in trial.params.items():
                run["hparams", key] = plain(value)
            for key, value in metrics.items():
                run[key] = plain(value)
            self.close()
            return
        for key, value in [*trial.params.items(), *metrics.items()]:
            if isinstance(value, int | float) and not isinstance(value, bool):
                run.track(value, name=key, step=step)

    def track_in_aim(self) -> Callable:
        """Decorate an objective so its trial's run is open while it runs."""

        def decorator(objective: Callable) -> Callable:
            @functools.wraps(objective)
            def wrapper(trial):
                if self._run is None:
                    self._open_trial_run(trial.number)
                return objective(trial)

            return wrapper

        return decorator

    def close(self) -> None:
        """Close the run; the next trial opens a new one (a new study, say)."""
        super().close()
        self._run_hash = None
