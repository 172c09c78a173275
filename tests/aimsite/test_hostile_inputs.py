"""Hostile input against a real daphne: every answer is a 4xx naming the problem,
never a 500, and a refused write leaves nothing behind (issue 11, point 4).

Run on SQLite and on PostgreSQL: NUL characters and 64-bit overflows fail
differently on each, which is why both must answer the same.
"""

import asyncio
import base64
import json
import socket
import struct
import zlib

import pytest
import requests
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from experiments.models import Experiment
from media_tracks.models import ObjectRecord, ObjectSequence
from runs.models import AppliedBatch, LogLine, MetricSeries, Run
from tags.models import Tag
from tests.factories import make_run, make_tag, make_user, new_hash
from tests.helpers.clients import session_cookie, signed_in_session, token_session

pytestmark = pytest.mark.django_db(transaction=True)

TOO_BIG = 2**70
SURROGATE_NAME = (
    '{"seq": 1, "metrics": [{"name": "\\ud800", "steps": [0], "values": [1]}]}'
)


class Caller:
    """requests against the test server, as one signed-in user (token + session)."""

    def __init__(self, server, user):
        self.base = server.url
        self.user = user
        self.http = token_session(user)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(f"{self.base}{path}", timeout=30, **kwargs)

    def post_json_text(self, path: str, text: str) -> requests.Response:
        return self.post(
            path,
            data=text.encode(),
            headers={"Content-Type": "application/json"},
        )

    def page(self, path: str) -> requests.Response:
        return signed_in_session(self.user).get(f"{self.base}{path}", timeout=30)


@pytest.fixture
def caller(server):
    return Caller(server, make_user())


def _refused(answer: requests.Response, status: int, needle: str) -> dict | str:
    assert answer.status_code == status, answer.text[:500]
    if answer.headers.get("Content-Type", "").startswith("application/json"):
        body = answer.json()
        assert needle in body["error"], body
        return body
    assert needle in answer.text, answer.text[:500]
    return answer.text


def _still_serves(caller: Caller) -> None:
    # The refused input left nothing that breaks the next reader.
    assert caller.get("/api/v1/runs/?page_size=500").status_code == 200
    assert caller.get("/api/v1/tags/").status_code == 200


# -- AimQL holding % or an arithmetic operator ----------------------------------


@pytest.mark.parametrize(
    "query",
    ["1 - 1 == 0", "run.hparams.lr % 2 == 0", 'run.name == "%s" + "%(x)s"'],
)
def test_aimql_with_percent_or_arithmetic_is_a_400_naming_the_column(caller, query):
    body = _refused(caller.get("/api/v1/runs/", params={"q": query}), 400, "column")
    assert body["error"].startswith("q: ")
    # The same query on the explorer page and the CSV export.
    assert caller.page(f"/runs/?q={requests.utils.quote(query)}").status_code == 400
    assert caller.get("/api/v1/runs/export.csv", params={"q": query}).status_code == 400


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ('run.name == "\\x00"', "NUL character"),
        ('run.name == "\\ud800"', "lone surrogate (\\ud800)"),
        ('run.hparams["\\x00"] == 1', "NUL character"),
        ('run.name.startswith("\\x00")', "NUL character"),
        ('run.metrics["loss", {"\\udc00": 1}].last < 1', "lone surrogate"),
    ],
)
def test_aimql_string_escapes_no_database_can_compare_are_a_400(caller, query, problem):
    make_run(caller.user)
    answer = caller.get("/api/v1/runs/", params={"q": query})
    _refused(answer, 400, f"this string contains a {problem}")
    page = caller.page(f"/runs/?q={requests.utils.quote(query)}")
    _refused(page, 400, f"this string contains a {problem}")
    batch = caller.post("/api/v1/runs/archive/", json={"q": query})
    assert batch.status_code == 400 and batch.json()["field"] == "q"


def test_aimql_comparing_with_a_percent_literal_is_answered(caller):
    make_run(caller.user, name="%s")
    answer = caller.get("/api/v1/runs/", params={"q": 'run.name == "%s"'})
    assert answer.status_code == 200
    assert [run["name"] for run in answer.json()["results"]] == ["%s"]


# -- integers beyond 64 bits ----------------------------------------------------


@pytest.mark.parametrize("ids", [[TOO_BIG], [2**63], [0], [-1]])
def test_tag_ids_outside_the_database_range_are_a_400(caller, ids):
    run = make_run(caller.user)
    tag = make_tag(owner=caller.user)
    answer = caller.post(f"/api/v1/runs/{run.hash}/tags/", json={"ids": [tag.id, *ids]})
    body = _refused(answer, 400, "ids")
    assert "ids" in body["detail"]
    assert run.tags.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/tags/{TOO_BIG}/",
        f"/api/v1/experiments/{TOO_BIG}/",
        f"/api/v1/objects/{TOO_BIG}/file",
        f"/api/v1/objects/sequences/{TOO_BIG}/records",
        f"/api/v1/tags/{TOO_BIG}/runs/",
    ],
)
def test_ids_beyond_64_bits_in_api_paths_are_not_found(caller, path):
    _refused(caller.get(path), 404, "No ")


def test_series_id_beyond_64_bits_is_not_found(caller):
    run = make_run(caller.user, metrics={"loss": [1.0]})
    answer = caller.get(f"/api/v1/runs/{run.hash}/metrics/{TOO_BIG}/points")
    _refused(answer, 404, "No MetricSeries")


@pytest.mark.parametrize(
    "path", [f"/experiments/{TOO_BIG}/", f"/experiments/{TOO_BIG}/runs/"]
)
def test_ids_beyond_64_bits_in_page_paths_are_not_found(caller, path):
    assert caller.page(path).status_code == 404


def _sequence(caller) -> ObjectSequence:
    run = make_run(caller.user)
    return ObjectSequence.objects.create(
        run=run, kind="text", name="notes", context={}, context_key="{}"
    )


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("limit", "99999999999999999999"),
        ("offset", "99999999999999999999"),
        ("offset", str(2**62 + 1)),
        ("step_min", "99999999999999999999"),
        ("index_max", "-99999999999999999999"),
        ("step", "1e3"),
    ],
)
def test_huge_record_slices_are_a_400_naming_the_parameter(caller, param, value):
    sequence = _sequence(caller)
    answer = caller.get(
        f"/api/v1/objects/sequences/{sequence.id}/records", params={param: value}
    )
    body = _refused(answer, 400, f"{param}: must be")
    assert param in body["detail"]


def test_record_slices_within_range_are_served(caller):
    sequence = _sequence(caller)
    answer = caller.get(
        f"/api/v1/objects/sequences/{sequence.id}/records",
        params={"limit": 5000, "offset": 2**62, "step_min": 2**63 - 1},
    )
    assert answer.status_code == 200
    assert answer.json() == {"records": [], "has_more": False}


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/runs/{hash}/metrics/{series}/points", "max_points"),
        ("/api/v1/runs/{hash}/metrics/{series}/points", "after_step"),
        ("/api/v1/runs/{hash}/logs/", "limit"),
        ("/api/v1/runs/{hash}/logs/", "before"),
    ],
)
def test_huge_numeric_parameters_are_a_400(caller, path, param):
    run = make_run(caller.user, metrics={"loss": [1.0]})
    series = MetricSeries.objects.get(run=run)
    answer = caller.get(
        path.format(hash=run.hash, series=series.id),
        params={param: "99999999999999999999"},
    )
    _refused(answer, 400, f"{param}: must be between")


@pytest.mark.parametrize(
    "path", ["/api/v1/runs/", "/api/v1/experiments/", "/api/v1/tags/"]
)
def test_huge_page_sizes_are_capped(caller, path):
    make_run(caller.user)
    answer = caller.get(path, params={"page_size": "99999999999999999999"})
    assert answer.status_code == 200


def test_huge_page_numbers_are_not_found(caller):
    run = make_run(caller.user)
    assert (
        caller.get("/api/v1/experiments/", params={"page": TOO_BIG}).status_code == 404
    )
    activity = caller.get(
        f"/api/v1/experiments/{run.experiment_id}/activity/", params={"page": TOO_BIG}
    )
    _refused(activity, 404, "Invalid page")


# -- lone surrogates --------------------------------------------------------------


def test_lone_surrogate_metric_name_is_a_400_and_writes_nothing(caller):
    run = make_run(caller.user)
    answer = caller.post_json_text(f"/api/v1/runs/{run.hash}/track", SURROGATE_NAME)
    body = _refused(answer, 400, "lone surrogate (\\ud800)")
    assert body["error"].startswith("body.metrics[0].name ")
    assert not MetricSeries.objects.filter(run=run).exists()
    assert not AppliedBatch.objects.filter(run=run, seq=1).exists()
    _still_serves(caller)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"seq": 1, "params": {"\\udfff": 1}}', "body.params key"),
        ('{"seq": 1, "params": {"a": ["ok", "\\ud83d"]}}', "body.params.a[1]"),
        (
            '{"seq": 1, "metrics": [{"name": "x", "context": {"s": "\\ud800"}, '
            '"steps": [0], "values": [NaN]}]}',
            "body.metrics[0].context.s",
        ),
        ('{"seq": 1, "logs": [{"line": 0, "text": "a\\ud800b"}]}', "body.logs[0].text"),
        ('{"seq": 1, "tags": {"attach": ["\\ud800"]}}', "body.tags.attach[0]"),
    ],
)
def test_lone_surrogates_anywhere_in_a_batch_are_a_400(caller, body, where):
    run = make_run(caller.user)
    answer = caller.post_json_text(f"/api/v1/runs/{run.hash}/track", body)
    assert _refused(answer, 400, "lone surrogate")["error"].startswith(where)
    assert not AppliedBatch.objects.filter(run=run, seq=1).exists()
    assert not LogLine.objects.filter(run=run).exists()
    assert not Tag.objects.exists()
    _still_serves(caller)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/runs/", '{"hash": "HASH", "name": "\\ud800"}'),
        ("/api/v1/runs/", '{"hash": "HASH", "params": {"k": "\\ud800"}}'),
        ("/api/v1/runs/", '[{"hash": "HASH", "experiment": "\\ud800"}]'),
        ("/api/v1/tags/", '{"name": "\\ud800"}'),
        ("/api/v1/tags/", '{"name": "ok", "comment": "\\udc00"}'),
        ("/api/v1/experiments/", '{"name": "\\ud800"}'),
        ("/api/v1/experiments/markdown-preview/", '{"notes": "\\ud800"}'),
        ("/api/v1/runs/archive/", '{"q": "run.name == \\"\\ud800\\""}'),
    ],
)
def test_lone_surrogates_in_other_json_bodies_are_a_400(caller, path, body):
    answer = caller.post_json_text(path, body.replace("HASH", new_hash()))
    _refused(answer, 400, "lone surrogate")
    assert not Run.objects.exists()
    assert not Tag.objects.exists()
    assert not Experiment.objects.exclude(name="default").exists()
    _still_serves(caller)


def test_lone_surrogate_in_an_object_upload_is_a_400(caller):
    run = make_run(caller.user)
    batch = '{"objects": [{"kind": "text", "name": "\\ud800", "text": "x"}]}'
    answer = caller.post(f"/api/v1/runs/{run.hash}/objects", files={"batch": batch})
    _refused(answer, 400, "surrogate")
    json_answer = caller.post_json_text(
        f"/api/v1/runs/{run.hash}/objects",
        '{"batch": {"objects": [{"kind": "text", "name": "n", "text": "\\ud800"}]}}',
    )
    _refused(json_answer, 400, "lone surrogate")
    assert not ObjectSequence.objects.filter(run=run).exists()


# -- NUL characters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/tags/", "q"),
        ("/api/v1/runs/{hash}/objects", "kind"),
        ("/api/v1/runs/", "q"),
        ("/api/v1/runs/", "experiment"),
        ("/api/v1/runs/", "ordering"),
        ("/api/v1/experiments/", "search"),
        ("/api/v1/runs/export.csv", "columns"),
        ("/api/v1/runs/{hash}/logs/", "after"),
    ],
)
def test_nul_in_any_api_query_parameter_is_a_400_naming_it(caller, path, param):
    run = make_run(caller.user)
    answer = caller.get(f"{path.format(hash=run.hash)}?{param}=a%00b")
    body = _refused(answer, 400, f"the query parameter '{param}' contains a NUL")
    assert body["field"] == param


@pytest.mark.parametrize(
    "path", ["/?q=%00", "/runs/?q=%00", "/tags/?q=%00", "/experiments/?q=a%00"]
)
def test_nul_in_a_page_query_is_a_400(caller, path):
    _refused(caller.page(path), 400, "contains a NUL character")


@pytest.mark.parametrize(
    "path", ["/api/v1/runs/%00/", "/api/v1/runs/a%00/tags/", "/runs/%00/"]
)
def test_nul_in_a_url_path_is_a_400(caller, path):
    answer = caller.get(path) if path.startswith("/api/") else caller.page(path)
    _refused(answer, 400, "the URL path contains a NUL character")


def test_nul_in_a_query_parameter_name_is_a_400(caller):
    _refused(caller.get("/api/v1/tags/?a%00=1"), 400, "contains a NUL")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"params": {"a\x00": 1}}, "params key 'a\\x00' contains a NUL"),
        ({"meta": {"note": "\x00"}}, "meta.note contains a NUL"),
        (
            {
                "metrics": [
                    {"name": "x", "context": {"s": "\x00"}, "steps": [0], "values": [1]}
                ]
            },
            "context value at s contains a NUL",
        ),
        (
            {
                "metrics": [
                    {"name": "x", "context": {"\x00": 1}, "steps": [0], "values": [1]}
                ]
            },
            "context key '\\x00' contains a NUL",
        ),
        ({"tags": {"attach": ["a\x00"]}}, "tags.attach name 'a\\x00' contains a NUL"),
    ],
)
def test_nul_in_batch_text_is_a_400_on_both_databases(caller, body, needle):
    run = make_run(caller.user)
    answer = caller.post(f"/api/v1/runs/{run.hash}/track", json={"seq": 1, **body})
    _refused(answer, 400, needle)
    assert not AppliedBatch.objects.filter(run=run, seq=1).exists()
    assert not MetricSeries.objects.filter(run=run).exists()
    assert not Tag.objects.exists()


def test_nul_in_log_lines_is_dropped_as_before(caller):
    run = make_run(caller.user)
    answer = caller.post(
        f"/api/v1/runs/{run.hash}/track",
        json={"seq": 1, "logs": [{"line": 0, "text": "a\x00b"}]},
    )
    assert answer.status_code == 200
    assert LogLine.objects.get(run=run).text == "ab"


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        ({"kind": "text", "name": "t", "text": "x", "caption": "a\x00"}, "caption"),
        (
            {
                "kind": "figure",
                "name": "f",
                "data": {"data": [], "layout": {"t": "\x00"}},
            },
            "objects[0].data.layout.t contains a NUL",
        ),
    ],
)
def test_nul_in_object_text_is_a_400(caller, record, needle):
    run = make_run(caller.user)
    answer = caller.post(
        f"/api/v1/runs/{run.hash}/objects",
        files={"batch": json.dumps({"objects": [record]})},
    )
    _refused(answer, 400, needle)
    assert not ObjectRecord.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"hashes": ["\x00"]},
        {"q": 'run.name == "\x00"'},
        {"q": 'run.hparams["\x00"] == 1'},
    ],
)
def test_nul_in_batch_selections_is_a_4xx(caller, body):
    answer = caller.post("/api/v1/runs/archive/", json=body)
    assert answer.status_code in (400, 404), answer.text
    assert answer.json()["error"]


def test_nul_in_a_run_socket_path_is_refused(server, caller):
    cookie = session_cookie(caller.user)

    async def attempt() -> int:
        async with websockets.connect(
            server.url.replace("http", "ws") + "/ws/runs/%00/",
            origin=server.url,
            additional_headers={"Cookie": f"sessionid={cookie}"},
        ) as socket:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), timeout=10)
            return socket.close_code

    try:
        code = asyncio.run(attempt())
    except InvalidStatus as refused:
        code = refused.response.status_code
    assert code in (403, 4404)


# -- cursors --------------------------------------------------------------------


def _cursor(query: bytes) -> str:
    return base64.b64encode(query).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor(b"p=%00"),
        _cursor(b"p=\x00"),
        _cursor(b"p=2026-01-01%00"),
        _cursor(b"p=junk"),
        _cursor(b"r=1&p=junk"),
        "not base64!",
    ],
)
def test_a_forged_cursor_is_an_invalid_cursor(caller, cursor):
    make_run(caller.user)
    _refused(
        caller.get("/api/v1/runs/", params={"cursor": cursor}), 404, "Invalid cursor"
    )


def test_a_forged_cursor_on_a_text_ordering_is_an_invalid_cursor(caller):
    make_run(caller.user)
    answer = caller.get(
        "/api/v1/runs/", params={"cursor": _cursor(b"p=a%00"), "ordering": "name"}
    )
    _refused(answer, 404, "Invalid cursor")


def test_a_real_cursor_still_pages(caller):
    for _ in range(3):
        make_run(caller.user)
    first = caller.get("/api/v1/runs/", params={"page_size": 2}).json()
    second = caller.get(first["next"].replace(caller.base, ""))
    assert second.status_code == 200 and len(second.json()["results"]) == 1


# -- images -----------------------------------------------------------------------


def _png_declaring(width: int, height: int, size: int = 1_000_000) -> bytes:
    """A PNG whose header declares width x height pixels, padded to about `size`
    bytes: the shape of a decompression bomb, without its cost."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(bytes(width * 3 + 1) * 16)
    padding = b"padding\x00" + bytes(max(0, size - len(rows) - 100))
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", rows),
            chunk(b"tEXt", padding),
            chunk(b"IEND", b""),
        ]
    )


def _upload_image(caller, run, content: bytes) -> requests.Response:
    batch = {
        "objects": [
            {"kind": "image", "name": "samples", "step": 0, "index": 0, "file": "f0"}
        ]
    }
    return caller.post(
        f"/api/v1/runs/{run.hash}/objects",
        data={"batch": json.dumps(batch)},
        files={"f0": ("bomb.png", content, "image/png")},
    )


@pytest.mark.parametrize(
    ("width", "height", "needle"),
    [
        (30000, 30000, "declares more than 67108864 pixels"),  # past Pillow's own limit
        (10000, 10000, "10000x10000 pixels, more than the 67108864 allowed"),
        (8193, 8192, "8193x8192 pixels"),
    ],
)
def test_an_image_declaring_too_many_pixels_is_a_400(caller, width, height, needle):
    run = make_run(caller.user)
    content = _png_declaring(width, height)
    assert len(content) > 900_000
    body = _refused(_upload_image(caller, run, content), 400, needle)
    assert body["field"] == "objects[0]" and body["error"].startswith("objects[0]")
    assert not ObjectRecord.objects.exists()
    assert not ObjectSequence.objects.exists()


def test_an_image_at_the_pixel_limit_is_checked_as_usual(caller):
    # Declares exactly the limit; its pixel data is short, which verify() does not
    # read, so it is stored like any image of that size.
    run = make_run(caller.user)
    answer = _upload_image(caller, run, _png_declaring(8192, 8192, size=0))
    assert answer.status_code == 200, answer.text
    record = ObjectRecord.objects.get()
    assert (record.width, record.height) == (8192, 8192)


# -- static files -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/static/%2e%2e/%2e%2e/secret_key",
        "/static/..%2f..%2fsecret_key",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/css/%2e%2e/%2e%2e/%2e%2e/settings.py",
        "/static/%00",
        "/static/css/app.css%00.txt",
    ],
)
def test_static_traversal_is_a_404_and_leaks_nothing(server, path):
    from django.conf import settings

    secret = (settings.DATA_DIR / "secret_key").read_text().strip()
    answer = requests.get(f"{server.url}{path}", timeout=10)
    assert answer.status_code == 404
    assert secret not in answer.text and "root:" not in answer.text


def test_static_files_are_still_served(server):
    answer = requests.get(f"{server.url}/static/css/app.css", timeout=10)
    assert answer.status_code == 200 and answer.text


# -- over-long request lines and headers -------------------------------------------


def _raw_request(server, head: bytes) -> bytes:
    """Send `head` on a fresh connection and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("length", [16_500, 70_000, 1_000_000])
def test_a_long_request_line_gets_414(server, length):
    head = b"GET /api/v1/runs/?q=" + b"a" * length + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = _raw_request(server, head)
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long\r\n")
    assert answer.endswith(b"The request line (URL) is longer than 16384 bytes.\n")


def test_a_long_url_from_requests_gets_414(server):
    answer = requests.get(f"{server.url}/api/v1/runs/?q={'a' * 100_000}", timeout=30)
    assert answer.status_code == 414
    assert "longer than 16384 bytes" in answer.text


@pytest.mark.parametrize("length", [16_500, 200_000])
def test_a_long_header_gets_431(server, length):
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * length + b"\r\n\r\n"
    answer = _raw_request(server, head)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"headers are larger than 16384 bytes" in answer


def test_headers_larger_together_get_431(server):
    headers = b"".join(b"X-Part-%d: %s\r\n" % (i, b"c" * 1000) for i in range(40))
    answer = _raw_request(server, b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")


def test_a_long_cookie_from_requests_gets_431(server):
    answer = requests.get(
        f"{server.url}/accounts/login/", cookies={"big": "d" * 20_000}, timeout=30
    )
    assert answer.status_code == 431


def test_a_multipart_body_twisted_cannot_parse_gets_the_apis_json_400(server, caller):
    # Only the closing boundary: Twisted's form parser refused it with a bare 400.
    run = make_run(caller.user)
    answer = caller.post(
        f"/api/v1/runs/{run.hash}/objects",
        data=b"--b0undary--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    _refused(answer, 400, 'Send a "batch" field')
    assert not ObjectSequence.objects.filter(run=run).exists()


def test_long_requests_within_the_limits_are_served(server, caller):
    # A 15 KB request line (the limit counts it with the headers: 16 KiB), then a
    # second request on the same keep-alive connection.
    query = "a" * 15_000
    first = caller.http.get(f"{server.url}/accounts/login/?q={query}", timeout=30)
    second = caller.http.get(f"{server.url}/accounts/login/", timeout=30)
    assert (first.status_code, second.status_code) == (200, 200)
