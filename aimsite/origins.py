"""Which pages may open our WebSockets: the server's own origin and CSRF_TRUSTED_ORIGINS.

A browser sends the user's session cookie with a WebSocket handshake from any
page, so the Origin header is what stops another site from reading live events
as the user. Channels' `AllowedHostsOriginValidator` compares the host only: a
page on `http://127.0.0.1:9999` (any other local program) passed. Here scheme,
host and port must all match, as Django's CSRF check demands of a form post: the
origin of the handshake's own Host header (when ALLOWED_HOSTS allows that host),
or an entry of CSRF_TRUSTED_ORIGINS (`https://*.example.com` covers subdomains).
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

_DEFAULT_PORTS = {"http": 80, "https": 443}

# (scheme, host, port), the port filled in when the URL leaves it out.
Origin = tuple[str, str, int]


def parse_origin(text: str) -> Origin | None:
    """`https://Example.com` → ("https", "example.com", 443); None if not http(s)."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _allowed_hosts() -> list[str]:
    # As Django's HttpRequest.get_host() reads the setting.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def server_origin(scope: dict) -> Origin | None:
    """The origin a page served by this server has, from the handshake's Host."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    # daphne puts no scheme in a WebSocket scope; TLS ends at a proxy, whose
    # public origin belongs in CSRF_TRUSTED_ORIGINS (as for Django's CSRF check).
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return parse_origin(f"{scheme}://{host}")


def _trusted(origin: Origin) -> bool:
    scheme, host, port = origin
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        wildcard = "://*." in entry
        trusted = parse_origin(entry.replace("://*.", "://", 1) if wildcard else entry)
        if trusted is None or trusted[0] != scheme or trusted[2] != port:
            continue
        if trusted[1] == host or (wildcard and is_same_domain(host, f".{trusted[1]}")):
            return True
    return False


def is_allowed_origin(scope: dict) -> bool:
    text = _header(scope, b"origin")
    origin = parse_origin(text) if text else None
    if origin is None:
        return False
    return origin == server_origin(scope) or _trusted(origin)


class SameOriginValidator:
    """ASGI middleware for WebSockets: refuses a handshake from any other origin."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope: dict, receive, send) -> None:
        if is_allowed_origin(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
