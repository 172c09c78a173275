"""`Repo`: Aim's read API over an aimsite server.

    from aimsite.sdk import Repo
    repo = Repo("http://127.0.0.1:43800", token=...)   # or AIMSITE_SERVER / AIMSITE_TOKEN
    for metric in repo.query_metrics('metric.name == "loss" and run.hparams.lr > 1e-4'):
        metric.run.name, metric.context, metric.values   # numpy, full resolution
    repo.query_metrics('metric.name == "loss"').dataframe()   # pandas

Queries are the explorers' AimQL, run by the server (`runs/`, `metrics/series`,
`objects/sequences`); what is read back and how: reading.py.
"""

from __future__ import annotations

import os

from aimsite.sdk.reading import (
    Metric,
    ObjectSequence,
    Reader,
    RunCollection,
    RunSource,
    SequenceCollection,
    pages,
    run_metrics,
    run_rows,
)
from aimsite.sdk.run import Run
from aimsite.sdk.transport import DEFAULT_SERVER, normalize_server, server_from_repo

__all__ = ["Repo"]


class Repo:
    """The runs on one aimsite server, read as Aim's `Repo` reads a repository.

    `server` as Aim's repo argument and `Run(repo=)` take it: `aim://HOST:PORT`
    or `http(s)://…` (a local path is refused with what to pass instead); None
    reads AIMSITE_SERVER, then the default. `token` defaults to AIMSITE_TOKEN.
    Results are read lazily, page by page, as they are iterated.
    """

    def __init__(self, server: str | None = None, token: str | None = None):
        address = server_from_repo(server) if server is not None else None
        self.server = normalize_server(
            address or os.environ.get("AIMSITE_SERVER") or DEFAULT_SERVER
        )
        self._token = token or os.environ.get("AIMSITE_TOKEN")
        self._reader = Reader(self.server, self._token)

    def __repr__(self) -> str:
        return f"<Repo {self.server}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Repo) and other.server == self.server

    def __hash__(self) -> int:
        return hash(self.server)

    def close(self) -> None:
        """Close the connection (a later read opens a new one)."""
        self._reader.close()

    def _run_source(self) -> RunSource:
        return RunSource(
            lambda run_hash: Run(
                run_hash, server=self.server, token=self._token, read_only=True
            )
        )

    # -- runs ----------------------------------------------------------------------

    def get_run(self, run_hash: str) -> Run | None:
        """The run, opened read-only, or None if the server has none by that hash."""
        try:
            return Run(run_hash, server=self.server, token=self._token, read_only=True)
        except LookupError:
            return None

    def iter_runs(self):
        """Every run (archived ones too), newest first, each opened read-only."""
        runs = self._run_source()
        for info in run_rows(self._reader, None):
            yield runs(info["hash"])

    def list_all_runs(self) -> list[str]:
        """The hashes of every run, newest first."""
        return [info["hash"] for info in run_rows(self._reader, None)]

    def query_runs(
        self, query: str = "", paginated: bool = False, offset: str | None = None
    ) -> RunCollection:
        """The runs an AimQL query selects (as the runs explorer's search bar:
        archived runs only if the query mentions `run.archived`; an empty query
        selects every run), newest first.
        `offset`: a run hash, to start after it. Runs are listed page by page
        whatever `paginated` says (Aim's flag, accepted)."""
        del paginated
        runs = self._run_source()
        reader = self._reader

        def rows():
            listing = run_rows(reader, query)
            if offset is not None:
                for info in listing:
                    if info["hash"] == offset:
                        break
            yield from listing

        return RunCollection(
            rows, lambda run_hash: run_metrics(reader, run_hash, runs), runs
        )

    # -- sequences -----------------------------------------------------------------

    def query_metrics(self, query: str = "") -> SequenceCollection:
        """The metric series an AimQL query selects (`metric.*` and `run.*`, as the
        Metrics explorer; system metrics only when the query names them)."""
        runs = self._run_source()
        reader = self._reader

        def items():
            for summary in pages(
                reader, "/metrics/series", "series", {"q": query}, query
            ):
                yield Metric(summary, summary["run"]["hash"], reader, runs)

        return SequenceCollection(items, runs)

    def _query_objects(self, kind: str, query: str) -> SequenceCollection:
        runs = self._run_source()
        reader = self._reader
        params = {"kind": kind, "q": query}

        def items():
            for summary in pages(
                reader, "/objects/sequences", "sequences", params, query
            ):
                yield ObjectSequence(summary, summary["run"]["hash"], reader, runs)

        return SequenceCollection(items, runs)

    def query_images(self, query: str = "") -> SequenceCollection:
        """Image sequences an AimQL query selects (`images.*` and `run.*`)."""
        return self._query_objects("images", query)

    def query_audios(self, query: str = "") -> SequenceCollection:
        return self._query_objects("audios", query)

    def query_texts(self, query: str = "") -> SequenceCollection:
        return self._query_objects("texts", query)

    def query_figure_objects(self, query: str = "") -> SequenceCollection:
        return self._query_objects("figures", query)

    def query_distributions(self, query: str = "") -> SequenceCollection:
        return self._query_objects("distributions", query)
