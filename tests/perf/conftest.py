"""Every benchmark ends by printing the RSS of the process that served it
(issue 18, point 6): the daphne it used as `server`, else this process (Django's
test client answers in process)."""

import pytest

from tests.perf.rss import peak_rss_mib, rss_mib


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # Read right after the test body, while its fixtures are alive: a function-
    # scoped `server` (bench_sdk's) is stopped by the time fixtures tear down.
    yield
    server = getattr(item, "funcargs", {}).get("server")
    pid, who = (server.process.pid, "daphne") if server else (None, "in-process")
    print(
        f"\nPERF RSS after {item.name} ({who}): {rss_mib(pid):,.1f} MiB"
        f" (peak {peak_rss_mib(pid):,.1f} MiB)"
    )
