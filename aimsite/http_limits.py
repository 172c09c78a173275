"""Over-long request lines and headers get 414 / 431 instead of a dropped connection,
and form bodies are left for Django to parse.

daphne parses HTTP/1.1 with Twisted's `HTTPChannel`, which closes the connection
without a word when one line passes `MAX_LENGTH` (16 KiB: a long URL or header),
and answers a bare 400 when the request line and headers together pass
`totalHeadersSize` (16 KiB). A client then sees a reset connection, which reads as
a network fault and invites a retry. `install()` makes those two places answer
`414 URI Too Long` or `431 Request Header Fields Too Large` with a short body. It
patches the class once per process; `aimsite.asgi` calls it, and both `aimsite up`
and `python -m daphne aimsite.asgi:application` import that module before serving.
"""

from twisted.internet.interfaces import ITCPTransport
from twisted.web import http

# After the answer, the rest of what the client sends is read and dropped for at
# most this long, then the connection closes. Closing at once, with the client's
# bytes still unread, makes the kernel send a reset that can destroy the answer
# before the client reads it.
LINGER_SECONDS = 5

_TOO_LONG = {
    414: (b"414 URI Too Long", b"The request line (URL) is longer than %d bytes."),
    431: (
        b"431 Request Header Fields Too Large",
        b"The request headers are larger than %d bytes.",
    ),
}


def _refuse(channel: http.HTTPChannel, status: int, limit: int) -> None:
    status_line, message = _TOO_LONG[status]
    body = message % limit + b"\n"
    channel.transport.write(
        b"HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
        % (status_line, len(body), body)
    )
    # Twisted's own idiom for ignoring the rest of a connection's input.
    channel.dataReceived = channel.lineReceived = lambda *args: None
    channel.setTimeout(LINGER_SECONDS)
    if ITCPTransport.providedBy(channel.transport):
        # Half-close: a client reading until the end sees it now. (Over TLS the
        # timeout closes the connection instead.)
        channel.transport.loseWriteConnection()


def _line_length_exceeded(channel: http.HTTPChannel, line: bytes) -> None:
    # Nothing of this request's head counted yet: the long line is the request line.
    if channel._receivedHeaderSize == 0:
        _refuse(channel, 414, channel.MAX_LENGTH)
    else:
        _refuse(channel, 431, channel.MAX_LENGTH)


_twisted_line_received = http.HTTPChannel.lineReceived


def _line_received(channel: http.HTTPChannel, line: bytes) -> None:
    # The same test Twisted makes next, answered with 431 instead of a bare 400.
    if channel._receivedHeaderSize + len(line) > channel.totalHeadersSize:
        _refuse(channel, 431, channel.totalHeadersSize)
        return
    _twisted_line_received(channel, line)


_twisted_request_init = http.Request.__init__


def _request_init(request: http.Request, *args, **kwargs) -> None:
    _twisted_request_init(request, *args, **kwargs)
    # Twisted parses a POST's multipart or form body into `request.args`, which
    # daphne never reads: it hands Django the raw body, and Django parses it
    # (with its own limits). So an upload was held in memory twice, and a body
    # Twisted's parser disliked got a bare 400 with no body that no client can
    # read (daphne #447). Django's parser answers those now, as JSON for the API.
    request._parsePOSTFormSubmission = False


def install() -> None:
    """Patch Twisted's HTTPChannel and Request in this process (idempotent)."""
    http.HTTPChannel.lineLengthExceeded = _line_length_exceeded
    http.HTTPChannel.lineReceived = _line_received
    http.Request.__init__ = _request_init
