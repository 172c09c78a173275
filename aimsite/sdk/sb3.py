"""Stable-Baselines3: `AimCallback`, as `aim.sb3.AimCallback`.

    model.learn(total_timesteps=10_000, callback=AimCallback(experiment_name="ppo"))

When learning starts the algorithm's name (`algo`) and its attributes (numbers and
strings as they are, anything else as text) become params, and an output is added
to the model's logger: every number SB3 records (`rollout/ep_rew_mean`,
`train/loss`, …) is tracked at the timestep SB3 gives, named after the part past
the slash, with the context `{"subset": "train"}` for `train/…` keys and
`{"tag": <prefix>}` for the others. Differences from Aim: SB3's own outputs (the
terminal table) are kept beside it rather than replaced, and the run closes when
learning ends (a later `learn()` with the same callback resumes it).
"""

from __future__ import annotations

import numbers

from aimsite.sdk.integration import (
    DEFAULT_SYSTEM_TRACKING_INTERVAL,
    RunOwner,
    import_framework,
    plain,
)

_callbacks = import_framework(
    "stable_baselines3.common.callbacks", "stable-baselines3", "sb3"
)
_logger = import_framework(
    "stable_baselines3.common.logger", "stable-baselines3", "sb3"
)


def split_key(key: str) -> tuple[str, dict]:
    """An SB3 logger key → (metric name, context)."""
    tag, slash, name = key.partition("/")
    if not slash:
        return key, {}
    if tag in ("train", "valid"):
        return name, {"subset": tag}
    return name, {"tag": tag}


class AimOutputFormat(_logger.KVWriter):
    """An SB3 logger output that tracks into the callback's run."""

    def __init__(self, aim_callback: AimCallback):
        self.aim_callback = aim_callback

    def write(self, key_values: dict, key_excluded: dict, step: int = 0) -> None:
        run = self.aim_callback.experiment
        for key, value in sorted(key_values.items()):
            excluded = key_excluded.get(key)
            if excluded is not None and "aim" in excluded:
                continue
            if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
                value = value.item()
            if isinstance(value, numbers.Real):
                name, context = split_key(key)
                run.track(value, name=name, step=step, context=context)

    def close(self) -> None:
        """SB3 closes its outputs with the logger; the run closes with learning."""


class AimCallback(RunOwner, _callbacks.BaseCallback):
    """Logs SB3 learning to an aimsite run (Aim's arguments, plus `server` and
    `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    def __init__(
        self,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INTERVAL,
        log_system_params: bool = True,
        capture_terminal_logs: bool = True,
        verbose: int = 0,
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
        self.verbose = verbose

    def setup(self, args: dict | None = None) -> None:
        run = self._open_run()
        for key, value in (args or {}).items():
            run[key] = plain(value)

    def _init_callback(self) -> None:
        args = {"algo": type(self.model).__name__}
        for key, value in vars(self.model).items():
            args[key] = value if type(value) in (float, int, str) else str(value)
        self.setup(args)
        logger = self.model.logger
        if not any(isinstance(item, AimOutputFormat) for item in logger.output_formats):
            logger.output_formats.append(AimOutputFormat(self))

    def _on_step(self) -> bool:
        return True

    def _on_training_end(self) -> None:
        self.close()
