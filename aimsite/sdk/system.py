"""System params (who/where/what ran) and system metrics (CPU, memory, disk, network, GPU).

Params are stored in the run's meta under `__system_params`; metrics are series named
`__system__…`. Disk and network figures are rates in MB/s over the sampling interval.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from importlib import metadata

_SECRET_NAME = re.compile(
    r"TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE
)
MASK = "***"


def masked_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    return {
        name: (MASK if _SECRET_NAME.search(name) else value)
        for name, value in sorted(environ.items())
    }


@functools.lru_cache(maxsize=1)
def installed_packages() -> dict[str, str]:
    packages: dict[str, str] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata.get("Name")
        if name:
            packages[name] = distribution.version
    return dict(sorted(packages.items(), key=lambda item: item[0].lower()))


def _git(*args: str, cwd: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@functools.lru_cache(maxsize=8)
def git_info(cwd: str) -> dict:
    if (
        shutil.which("git") is None
        or _git("rev-parse", "--is-inside-work-tree", cwd=cwd) != "true"
    ):
        return {}
    status = _git("status", "--porcelain", "--untracked-files=no", cwd=cwd)
    return {
        "remote": _git("config", "--get", "remote.origin.url", cwd=cwd) or "",
        "branch": _git("rev-parse", "--abbrev-ref", "HEAD", cwd=cwd) or "",
        "commit": _git("rev-parse", "HEAD", cwd=cwd) or "",
        "dirty": bool(status),
    }


def system_params(start_time: float) -> dict:
    cwd = os.getcwd()
    return {
        "argv": list(sys.argv),
        "env": masked_environment(),
        "packages": installed_packages(),
        "git_info": git_info(cwd),
        "hostname": socket.gethostname(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "executable": sys.executable,
        "cwd": cwd,
        "start_time": start_time,
    }


class SystemSampler:
    """Reads the `__system__*` figures; one call to `sample()` per interval."""

    def __init__(self):
        import psutil

        self._psutil = psutil
        self._process = psutil.Process()
        psutil.cpu_percent(interval=None)  # the first reading primes the counter
        self._last_time = time.monotonic()
        self._last_disk = self._disk_counters()
        self._last_net = self._net_counters()
        self._gpu = _gpu_reader()

    def _disk_counters(self):
        try:
            return self._psutil.disk_io_counters()
        except Exception:
            return None

    def _net_counters(self):
        try:
            return self._psutil.net_io_counters()
        except Exception:
            return None

    def sample(self) -> dict[str, float]:
        psutil = self._psutil
        now = time.monotonic()
        elapsed = max(now - self._last_time, 1e-6)
        values = {
            "__system__cpu": psutil.cpu_percent(interval=None),
            "__system__memory_percent": psutil.virtual_memory().percent,
            "__system__p_memory_rss": self._process.memory_info().rss / 2**20,
        }
        disk, net = self._disk_counters(), self._net_counters()
        if disk is not None and self._last_disk is not None:
            values["__system__disk_read"] = (
                (disk.read_bytes - self._last_disk.read_bytes) / 2**20 / elapsed
            )
            values["__system__disk_write"] = (
                (disk.write_bytes - self._last_disk.write_bytes) / 2**20 / elapsed
            )
        if net is not None and self._last_net is not None:
            values["__system__net_sent"] = (
                (net.bytes_sent - self._last_net.bytes_sent) / 2**20 / elapsed
            )
            values["__system__net_recv"] = (
                (net.bytes_recv - self._last_net.bytes_recv) / 2**20 / elapsed
            )
        self._last_time, self._last_disk, self._last_net = now, disk, net
        if self._gpu is not None:
            try:
                values.update(self._gpu())
            except Exception:
                self._gpu = None  # the driver went away: stop asking
        return values


def _gpu_reader():
    """A function returning GPU figures, from NVML if importable, else nvidia-smi, else None."""
    try:
        import pynvml

        pynvml.nvmlInit()
        count = pynvml.nvmlDeviceGetCount()
        handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]

        def read_nvml() -> dict[str, float]:
            values = {}
            for i, handle in enumerate(handles):
                util = pynvml.nvmlDeviceGetUtilizationRates(handle)
                memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
                values[f"__system__gpu{i}_util"] = float(util.gpu)
                values[f"__system__gpu{i}_memory_percent"] = (
                    100.0 * memory.used / max(memory.total, 1)
                )
                values[f"__system__gpu{i}_temp"] = float(
                    pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU)
                )
            return values

        return read_nvml
    except Exception:
        pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None

    def read_smi() -> dict[str, float]:
        output = subprocess.run(
            [
                smi,
                "--query-gpu=utilization.gpu,memory.used,memory.total,temperature.gpu",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        values = {}
        for i, row in enumerate(line for line in output.splitlines() if line.strip()):
            util, used, total, temp = (float(part) for part in row.split(","))
            values[f"__system__gpu{i}_util"] = util
            values[f"__system__gpu{i}_memory_percent"] = 100.0 * used / max(total, 1.0)
            values[f"__system__gpu{i}_temp"] = temp
        return values

    return read_smi
