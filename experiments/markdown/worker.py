"""The renderer process: `python -m experiments.markdown.worker BUDGET_SECONDS`.

Reads texts from stdin and writes HTML to stdout, one at a time, framed as a
status byte and a 4-byte length (see renderer.py, its only client). It loads
no settings or apps, so it starts in a fraction of a second. An alarm with the default action ends the process
if one render runs far past the budget, so a renderer whose server died without
killing it cannot keep a core busy; the server process normally kills it first.
"""

import signal
import struct
import sys

from experiments.markdown.html import markdown_to_html

_HEADER = struct.Struct(">cI")


def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _answer(stream, status: bytes, text: str) -> None:
    payload = text.encode("utf-8")
    stream.write(_HEADER.pack(status, len(payload)) + payload)
    stream.flush()


def _render(text: str) -> tuple[bytes, str]:
    try:
        return b"o", markdown_to_html(text)
    except RecursionError:
        return b"e", "it nests too deeply."
    except UnicodeError:
        return b"e", "it contains an invalid character (a lone surrogate)."
    except Exception as error:  # a bug in a Markdown extension must not kill a request
        return b"e", f"the renderer failed ({type(error).__name__})."


def main(budget: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server handles Ctrl-C
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    requests = sys.stdin.buffer
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers may reach the pipe
    _answer(answers, b"r", "")
    while True:
        header = _read_exactly(requests, _HEADER.size)
        if header is None:  # the server process is gone
            return
        _status, length = _HEADER.unpack(header)
        payload = _read_exactly(requests, length)
        if payload is None:
            return
        signal.setitimer(signal.ITIMER_REAL, budget * 2 + 1)
        status, answer = _render(payload.decode("utf-8", "surrogatepass"))
        signal.setitimer(signal.ITIMER_REAL, 0)
        _answer(answers, status, answer)


if __name__ == "__main__":
    main(float(sys.argv[1]))
