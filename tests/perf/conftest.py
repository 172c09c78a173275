"""Every benchmark ends by printing the RSS of the process that served it
(issue 18, point 6): the session's daphne when it used `server`, else this
process (Django's test client answers in process)."""

import pytest

from tests.perf.rss import peak_rss_mib, rss_mib


@pytest.fixture(autouse=True)
def _report_server_rss(request):
    yield
    if "server" in request.fixturenames:
        pid, who = request.getfixturevalue("server").process.pid, "daphne"
    else:
        pid, who = None, "in-process"
    print(
        f"\nPERF RSS after {request.node.name} ({who}): {rss_mib(pid):,.1f} MiB"
        f" (peak {peak_rss_mib(pid):,.1f} MiB)"
    )
