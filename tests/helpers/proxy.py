"""nginx in front of several aimsite processes, with the README's own config.

`NginxProxy(ports).start()` runs Debian's nginx unprivileged
(`-p` prefix in a temp dir, `daemon off`, pid/logs/temp paths there) with the
`nginx` block of the README's production section, its ports and static path
replaced by the test's (static files: collect them into
`proxy.static_root` before `start()`). So the documented config is the tested one.
"""

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from django.core.management import call_command
from django.test import override_settings

from tests.helpers.servers import REPO, UpServer, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def readme_nginx_block() -> str:
    """The ```nginx block of the README's production section, dedented."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Production deployment", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```nginx\n(.*?)\n\s*```", section, re.S)
    if not match:
        raise AssertionError("the README's production section has no nginx block")
    lines = match.group(1).splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines) + "\n"


def nginx_available() -> bool:
    return Path(NGINX).exists()


class NginxProxy:
    def __init__(self, upstream_ports: list[int]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstream_ports = upstream_ports
        self.prefix = Path(tempfile.mkdtemp(prefix="aimsite-nginx-"))
        self.prefix.chmod(0o755)  # workers run as `nobody` when started by root
        self.static_root = self.prefix / "static"
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        block = readme_nginx_block()
        servers = "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n"
            for port in self.upstream_ports
        )
        block, count = re.subn(
            r"upstream aimsite \{\n.*?\}",
            "upstream aimsite {\n" + servers + "}",
            block,
            flags=re.S,
        )
        assert count == 1, "the README's nginx block has no `upstream aimsite`"
        block = block.replace(
            "listen 127.0.0.1:8080;", f"listen 127.0.0.1:{self.port};"
        )
        block = block.replace(
            "alias /srv/aimsite/data/static/;", f"alias {self.static_root}/;"
        )
        temp = self.prefix / "temp"
        return f"""daemon off;
worker_processes 1;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include /etc/nginx/mime.types;
{block}}}
"""

    def start(self, timeout: float = 15) -> "NginxProxy":
        (self.prefix / "temp").mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen(
            [
                NGINX,
                "-p",
                str(self.prefix),
                "-c",
                str(conf),
                "-e",
                str(self.prefix / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "nginx exited: " + (self.prefix / "error.log").read_text()[-2000:]
                )
            try:
                requests.get(f"{self.url}/accounts/login/", timeout=5)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.prefix, ignore_errors=True)


class Cluster:
    """`servers[i]` are the processes, `proxy` is nginx in front of them all."""

    def __init__(self, count: int = 3):
        self.servers = [UpServer() for _ in range(count)]
        self.proxy: NginxProxy | None = None

    def start(self) -> "Cluster":
        for server in self.servers:
            server.start()
        self.proxy = NginxProxy([server.port for server in self.servers])
        # collectstatic output, where nginx's workers (maybe `nobody`) may read it
        with override_settings(STATIC_ROOT=self.proxy.static_root):
            call_command("collectstatic", interactive=False, verbosity=0)
        self.proxy.start()
        return self

    def restart(self, server: UpServer) -> None:
        """Start a killed process again on its own port."""
        server.stop()
        server.start()

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
        for server in self.servers:
            server.stop()
