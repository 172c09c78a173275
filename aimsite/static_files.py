"""Static files: where they come from, how they are named, and how daphne serves them.

- `PlotlyFinder` finds `vendor/plotly/plotly.min.js` inside the `plotly` PyPI
  package (DESIGN.md §8: third-party JavaScript is never copied into the
  repository), and nothing else of that package. Pages that draw only our own
  charts get `vendor/plotly/plotly-partial.min.js` instead, a build of the same
  plotly.js version with just their trace types, made at install/start time
  from tools/plotly_partial's npm lock file (aimsite/assets.py) and never
  committed; until it is built, or where it cannot be, the finder serves the
  full bundle under that name. See docs/architecture.md, "Static files".
- `HashedStaticStorage` is Django's manifest storage (content-hashed names, ES
  module imports rewritten to hashed names) that also bundles each page's modules
  into one file (aimsite/page_bundles.py) and writes a gzip copy of every text
  file at `collectstatic` time, so no request compresses anything.
  Before `collectstatic` has run (a checkout, the in-process test client) it
  hands out the plain names, which the finders serve.
- `StaticFilesApp` is the ASGI layer in front of Django that answers `/static/`:
  hashed names with `Cache-Control: public, max-age=31536000, immutable`,
  everything else `no-cache`; the gzip copy when the client accepts it, always
  with `Vary: Accept-Encoding`; an ETag and 304 on `If-None-Match`.

Brotli is left out: it would need a new compiled dependency for a few percent
over gzip -9 on our files. See docs/architecture.md, "Static files".
"""

import asyncio
import gzip
import hashlib
import mimetypes
import posixpath
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import BaseFinder
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

from aimsite import page_bundles

PLOTLY_NAME = "vendor/plotly/plotly.min.js"
PLOTLY_PARTIAL_NAME = "vendor/plotly/plotly-partial.min.js"
# Bundles of other packages: hashed, never scanned (they hold no ES module imports).
THIRD_PARTY = ("vendor/", "drf_spectacular_sidecar/")
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".map", ".txt", ".html")
# Smaller files gain nothing from gzip that is worth a second copy on disk.
MIN_COMPRESS_BYTES = 512
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def _plotly_dir() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data"


def _plotly_sources() -> dict[str, Path]:
    """Each name the finder answers, and the file behind it right now."""
    full = _plotly_dir() / posixpath.basename(PLOTLY_NAME)
    built = Path(settings.PLOTLY_PARTIAL_PATH)
    return {PLOTLY_NAME: full, PLOTLY_PARTIAL_NAME: built if built.is_file() else full}


class _OneFileStorage(FileSystemStorage):
    """One file under the name the finder lists it by (the partial may be the full file)."""

    def __init__(self, source: Path, name: str) -> None:
        super().__init__(location=source.parent)
        self.source = source
        self.prefix = posixpath.dirname(name)

    def path(self, name: str) -> str:
        return str(self.source)


class PlotlyFinder(BaseFinder):
    """The plotly package's full bundle, and the partial bundle or the full one in its place."""

    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs) -> str | list[str]:
        find_all = find_all or kwargs.get("all", False)
        source = _plotly_sources().get(path)
        if source is None:
            return [] if find_all else ""
        return [str(source)] if find_all else str(source)

    def list(self, ignore_patterns):
        for name, source in _plotly_sources().items():
            yield posixpath.basename(name), _OneFileStorage(source, name)


def gzip_copy(path: Path) -> None:
    """Write `path.gz` next to `path` (deterministic: no name, no time in the header)."""
    target = path.with_name(path.name + ".gz")
    if target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
        return
    data = path.read_bytes()
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    if len(packed) < len(data):
        target.write_bytes(packed)


class HashedStaticStorage(ManifestStaticFilesStorage):
    """Manifest storage: hashed names, hashed module imports, gzip copies."""

    # `import ... from "./x.js"` and `import("./x.js")` in our ES modules are
    # rewritten to hashed names, so a page's whole module graph is immutable.
    support_js_module_import_aggregation = True
    # Django's own patterns run from the word "import"/"export" anywhere, a comment
    # included, to the next `from "…";`, and then hash an already hashed name. Ours
    # start a statement at the start of a line and never cross a semicolon.
    _js_module_import_aggregation_patterns = (
        "*.js",
        (
            (
                r"""(?m)(?P<matched>^import(?P<import>[\s{][^;]*?|\*\s*as\s*\w+)"""
                r"""\s*from\s*['"](?P<url>[./][^'"]*?)["']\s*;)""",
                """import%(import)s from "%(url)s";""",
            ),
            (
                r"""(?m)(?P<matched>^export(?P<exports>[\s{][^;]*?)"""
                r"""\s*from\s*['"](?P<url>[./][^'"]*?)["']\s*;)""",
                """export%(exports)s from "%(url)s";""",
            ),
            (
                r"""(?m)(?P<matched>^import\s*['"](?P<url>[./][^'"]*?)["']\s*;)""",
                """import"%(url)s";""",
            ),
            (
                r"""(?P<matched>\bimport\(["'](?P<url>[./][^'"]*?)["']\))""",
                """import("%(url)s")""",
            ),
        ),
    )
    # Each pass settles one more level of the module import graph; ours is deeper
    # than Django's default of 5.
    max_post_process_passes = 20
    keep_intermediate_files = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            # Not collected yet: the plain name, served by the finders.
            return name
        return super().stored_name(name)

    def _post_process(self, paths, adjustable_paths, hashed_files):
        # Third-party bundles are hashed but never scanned for references: the
        # module import patterns would crawl megabytes of minified code for nothing.
        ours = [path for path in adjustable_paths if not path.startswith(THIRD_PARTY)]
        for name, hashed_name, processed, substituted in super()._post_process(
            paths, ours, hashed_files
        ):
            # Django counts a file it did not scan as "still changing" otherwise.
            yield name, hashed_name, processed, substituted and name in ours

    def post_process(self, paths, dry_run: bool = False, **options):
        if not dry_run:
            # Each page's modules joined into one file, from the plain names just
            # collected, then hashed and gzipped with the rest (aimsite/page_bundles.py).
            bundles = page_bundles.build(Path(self.location))
            paths = {**paths, **{name: (self, name) for name in bundles}}
        yield from super().post_process(paths, dry_run, **options)
        if dry_run:
            return
        for hashed_name in self.hashed_files.values():
            if hashed_name.endswith(COMPRESSIBLE):
                path = Path(self.path(hashed_name))
                if path.stat().st_size >= MIN_COMPRESS_BYTES:
                    gzip_copy(path)


def collect_if_needed() -> bool:
    """Run `collectstatic` unless STATIC_ROOT's manifest is newer than every source file.

    Returns whether it collected. `aimsite up` calls it before serving.
    """
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        collected_at = manifest.stat().st_mtime
        newest = max(
            (
                Path(storage.path(path)).stat().st_mtime
                for finder in get_finders()
                for path, storage in finder.list(["CVS", ".*", "*~"])
            ),
            # This module's rules shape the output too.
            default=Path(__file__).stat().st_mtime,
        )
        newest = max(newest, Path(__file__).stat().st_mtime)
        if newest <= collected_at:
            return False
    call_command("collectstatic", interactive=False, verbosity=0)
    return True


@dataclass(frozen=True)
class StaticFile:
    path: Path
    content_type: str
    etag: str
    cache_control: str
    gzip_path: Path | None


def _content_type(name: str) -> str:
    if name.endswith((".js", ".mjs")):
        return "text/javascript; charset=utf-8"
    guessed, _ = mimetypes.guess_type(name)
    guessed = guessed or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "image/svg+xml"):
        return f"{guessed}; charset=utf-8"
    return guessed


def _clean_relative(path: str) -> str | None:
    """The relative name asked for, or None for anything that is not a plain name."""
    if "\x00" in path or "\\" in path:
        return None
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return path


class StaticLookup:
    """Finds the file behind a name: the collected tree when it has a manifest, else the finders."""

    def __init__(self) -> None:
        self.root = Path(settings.STATIC_ROOT)
        manifest = self.root / "staticfiles.json"
        self.is_collected = manifest.exists()
        self.hashed_names: set[str] = set()
        if self.is_collected:
            import json

            paths = json.loads(manifest.read_text()).get("paths", {})
            self.hashed_names = set(paths.values())
        # Collected files never change under a running server: remember them.
        self._cache: dict[str, StaticFile | None] = {}

    def find(self, name: str) -> StaticFile | None:
        if self.is_collected and name in self._cache:
            return self._cache[name]
        found = self._find(name)
        if self.is_collected:
            self._cache[name] = found
        return found

    def _find(self, name: str) -> StaticFile | None:
        if _clean_relative(name) is None:
            return None
        try:
            if self.is_collected:
                located = safe_join(str(self.root), name)
            else:
                located = finders.find(name)
        except (SuspiciousFileOperation, ValueError):
            return None
        if not located or not Path(located).is_file():
            return None
        path = Path(located)
        is_hashed = name in self.hashed_names
        if is_hashed:
            # The name already says which content it is.
            etag = (
                '"'
                + hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()
                + '"'
            )
        else:
            stat = path.stat()
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        gzip_path = path.with_name(path.name + ".gz")
        return StaticFile(
            path=path,
            content_type=_content_type(name),
            etag=etag,
            cache_control=IMMUTABLE if is_hashed else REVALIDATE,
            gzip_path=gzip_path if self.is_collected and gzip_path.is_file() else None,
        )


def accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            try:
                return not params or float(quality) > 0
            except ValueError:
                return False
    return False


def etag_matches(if_none_match: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


class StaticFilesApp:
    """ASGI: answers `/static/…` itself and hands every other request to `app`."""

    def __init__(self, app) -> None:
        self.app = app
        self.prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        self._lookup: StaticLookup | None = None

    def lookup(self) -> StaticLookup:
        if self._lookup is None:
            self._lookup = StaticLookup()
        return self._lookup

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        name = scope["path"][len(self.prefix) :]
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope.get("headers", [])
        }
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(
                send,
                405,
                b"static files are read with GET or HEAD\n",
                [(b"allow", b"GET, HEAD")],
            )
            return
        found = await asyncio.to_thread(self.lookup().find, name)
        if found is None:
            await _answer(send, 404, b"no such static file\n", [])
            return
        await self._send_file(scope, send, found, headers)

    async def _send_file(self, scope, send, found: StaticFile, headers: dict) -> None:
        use_gzip = found.gzip_path is not None and accepts_gzip(
            headers.get("accept-encoding", "")
        )
        etag = found.etag[:-1] + '-gz"' if use_gzip else found.etag
        common = [
            (b"cache-control", found.cache_control.encode()),
            (b"etag", etag.encode()),
            (b"x-content-type-options", b"nosniff"),
        ]
        if found.gzip_path is not None:
            common.append((b"vary", b"Accept-Encoding"))
        if etag_matches(headers.get("if-none-match", ""), etag):
            await send(
                {"type": "http.response.start", "status": 304, "headers": common}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        path = found.gzip_path if use_gzip else found.path
        body = await asyncio.to_thread(path.read_bytes)
        response_headers = [
            (b"content-type", found.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *common,
        ]
        if use_gzip:
            response_headers.append((b"content-encoding", b"gzip"))
        await send(
            {"type": "http.response.start", "status": 200, "headers": response_headers}
        )
        await send(
            {
                "type": "http.response.body",
                "body": b"" if scope["method"] == "HEAD" else body,
            }
        )


async def _answer(send, status: int, text: bytes, extra: list) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(text)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": text})
