"""What every framework integration shares (aimsite/sdk/<framework>.py, Aim's names).

- `import_framework()`: an integration imports its framework when the integration
  module itself is imported, never when `aimsite.sdk` is; a missing framework is an
  ImportError that names the pip package to install.
- `RunOwner`: the run an integration logs to, opened on first use with Aim's
  arguments (`repo`, `experiment`, `system_tracking_interval`, `log_system_params`,
  `capture_terminal_logs`) plus ours (`server`, `token`); once closed, the next use
  resumes the same run by its hash, as Aim's `experiment` property does.
- `plain()`: frameworks hand over configs holding any Python object; what is not
  JSON is stored as its `str()`, as Aim's `run.set(..., strict=False)` keeps it,
  rather than failing the training. `as_step()`: a framework's step or epoch as
  the whole number the server stores.

See docs/architecture.md, "Framework integrations".
"""

from __future__ import annotations

import contextlib
import importlib
import math
from types import ModuleType

from aimsite.sdk.run import Run

DEFAULT_SYSTEM_TRACKING_INTERVAL = 10  # seconds, Aim's DEFAULT_SYSTEM_TRACKING_INT


def import_framework(module: str, package: str, integration: str) -> ModuleType:
    """Import `module`, or raise an ImportError telling which pip package to add."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"aimsite.sdk.{integration} needs {package}, which is not installed "
            f"({error}): pip install {package}",
            name=module,
        ) from error


def plain(value, depth: int = 0):
    """`value` as JSON params: numbers, strings, booleans, None, lists and dicts with
    string keys; numpy and torch scalars become numbers, anything else its str()."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth > 20:
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item, depth + 1) for item in value]
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 0) == 0:
        try:
            return plain(item(), depth + 1)
        except (TypeError, ValueError, RuntimeError):
            pass
    return str(value)


def as_step(value) -> int | None:
    """A framework's step or epoch as the non-negative int the server stores
    (fractional epochs, as Hugging Face reports them, are floored)."""
    if value is None:
        return None
    try:
        number = math.floor(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number >= 0 else None


class RunOwner:
    """The run of one integration object: opened lazily, closed by `close()`.

    Put before the framework's class; its `__init__` takes Aim's arguments (plus
    `server` and `token`, defaulting to AIMSITE_SERVER / AIMSITE_TOKEN) and then
    calls the framework class's `__init__()` without arguments.
    """

    def __init__(
        self,
        repo: str | None = None,
        experiment: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INTERVAL,
        log_system_params: bool = True,
        capture_terminal_logs: bool = True,
        *,
        server: str | None = None,
        token: str | None = None,
        run_name: str | None = None,
        run_hash: str | None = None,
    ) -> None:
        super().__init__()
        self._repo_path = repo
        self._experiment_name = experiment
        self._server = server
        self._token = token
        self._system_tracking_interval = system_tracking_interval
        self._log_system_params = log_system_params
        self._capture_terminal_logs = capture_terminal_logs
        self._run_name = run_name
        self._run: Run | None = None
        self._run_hash = run_hash

    def _open_run(self) -> Run:
        """The run, opened now if it is not open (resumed by hash if it was)."""
        if self._run is not None:
            return self._run
        options = {
            "repo": self._repo_path,
            "server": self._server,
            "token": self._token,
            "system_tracking_interval": self._system_tracking_interval,
            "capture_terminal_logs": self._capture_terminal_logs,
        }
        if self._run_hash:
            self._run = Run(self._run_hash, **options)
        else:
            self._run = Run(
                experiment=self._experiment_name,
                log_system_params=self._log_system_params,
                **options,
            )
            self._run_hash = self._run.hash
        if self._run_name is not None:
            self._run.name = self._run_name
        return self._run

    @property
    def experiment(self) -> Run:
        """The run (Aim's name for it on every integration)."""
        return self._open_run()

    @property
    def run_hash(self) -> str | None:
        return self._run_hash

    def close(self) -> None:
        """Close the run (it is then finished); a later use resumes it."""
        run, self._run = getattr(self, "_run", None), None
        if run is not None:
            run.close()

    def __del__(self) -> None:
        # As Aim's integrations do; interpreter exit closes what is left anyway.
        with contextlib.suppress(Exception):
            self.close()
