"""The resident memory (RSS) of the process that answers a benchmark's
requests (issue 18, point 6): the daphne a benchmark started, or this pytest
process when it asks Django's test client."""

import os

import psutil

MIB = 1024 * 1024


def rss_mib(pid: int | None = None) -> float:
    """RSS of `pid` (default: this process), in MiB."""
    return psutil.Process(pid or os.getpid()).memory_info().rss / MIB


def peak_rss_mib(pid: int | None = None) -> float:
    """The process's highest RSS so far (Linux's VmHWM), in MiB; its RSS
    where the kernel does not say."""
    process = psutil.Process(pid or os.getpid())
    try:
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / MIB
    except OSError:
        pass
    return process.memory_info().rss / MIB
