"""CatBoost: `AimLogger`, as `aim.catboost.AimLogger`.

    model.fit(train, eval_set=valid, log_cout=AimLogger(loss_function="Logloss"))

CatBoost writes its progress as text to `log_cout`; this logger reads each line,
tracks the `learn`, `test` and `best` values of the loss at the iteration's
number, under the name `loss_function`, with the context `{"log": "learn" | "test" |
"best"}`, stores `name = value` lines (`bestTest`, `bestIteration`) as params, and
passes the text on to `log_cout` (the terminal by default). CatBoost says nothing
when training ends, so the run stays open until `close()` or the end of the script,
as in Aim.
"""

from __future__ import annotations

import sys

from aimsite.sdk.integration import (
    DEFAULT_SYSTEM_TRACKING_INTERVAL,
    RunOwner,
    import_framework,
)

import_framework("catboost", "catboost", "catboost")

_TERMINAL = object()  # "write to whatever sys.stdout is at the time"


def _to_number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


class AimLogger(RunOwner):
    """A `log_cout` for CatBoost logging to an aimsite run (Aim's arguments, plus
    `server` and `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN)."""

    def __init__(
        self,
        loss_function: str | None = "Loss",
        repo: str | None = None,
        experiment: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INTERVAL,
        log_system_params: bool = True,
        capture_terminal_logs: bool = True,
        log_cout=_TERMINAL,
        *,
        server: str | None = None,
        token: str | None = None,
    ):
        if log_cout not in (None, _TERMINAL) and not hasattr(log_cout, "write"):
            raise TypeError("log_cout must have a write() method, or be None")
        self._loss_function = loss_function
        self._log_cout = log_cout
        super().__init__(
            repo,
            experiment,
            system_tracking_interval,
            log_system_params,
            capture_terminal_logs,
            server=server,
            token=token,
        )

    def setup(self) -> None:
        self._open_run()

    def write(self, log: str) -> None:
        self._track_line(log.strip().split())
        output = sys.stdout if self._log_cout is _TERMINAL else self._log_cout
        if output is not None:
            output.write(log)

    def flush(self) -> None:
        output = sys.stdout if self._log_cout is _TERMINAL else self._log_cout
        if output is not None and hasattr(output, "flush"):
            output.flush()

    def _track_line(self, words: list[str]) -> None:
        # "bestTest = 0.41"                          → a param
        # "7:\tlearn: 0.52\ttest: 0.55\tbest: 0.55 (7)\ttotal: …" → three points
        if not words:
            return
        run = self._open_run()
        if len(words) == 3 and words[1] == "=":
            run[words[0]] = _to_number(words[2])
            return
        if len(words) < 3 or words[1] != "learn:" or not words[0].endswith(":"):
            return  # a line CatBoost writes for people ("Shrink model to …")
        try:
            step = int(words[0][:-1])
        except ValueError:
            return
        values = {"learn": words[2]}
        for label, value in zip(words[3::2], words[4::2], strict=False):
            if label in ("test:", "best:"):
                values[label[:-1]] = value
        for log, text in values.items():
            value = _to_number(text)
            if isinstance(value, float):
                run.track(
                    value, name=self._loss_function, step=step, context={"log": log}
                )
