"""Every statement the server runs for a request runs under a time budget.

`query_budget(seconds)` bounds each SQL statement run in its scope: the whole
request (aimsite.middleware.QueryBudgetMiddleware, AIMSITE_QUERY_TIMEOUT) and
each step of a response streamed after it (`within_budget`). SQLite is bounded
by a progress handler that interrupts a statement past its deadline (installed
on every connection, idle outside a budget), PostgreSQL by statement_timeout,
set for the request and reset before the connection goes back to the pool.
A statement past the budget raises QueryTimeout, answered with a 400 that says
so. Statements outside a request (migrate, demo data, importers, websocket
consumers) are not bound.

The deadline of a statement covers fetching its rows too: a slow scan may
surface while rows are fetched, outside the execute wrapper, so `query_timeout()`
recognises the database error it becomes.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

PROGRESS_STEPS = 1000  # SQLite VM instructions between two deadline checks
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE when statement_timeout fires

Item = TypeVar("Item")


class QueryTimeout(OperationalError):
    """A statement ran past the time budget; the user should narrow the query."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.message = f"the query took longer than {seconds:g} s; narrow it"
        super().__init__(self.message)


@dataclass
class _Budget:
    seconds: float
    deadline: float = float("inf")
    expired: bool = False
    # (Django connection, raw PostgreSQL connection) pairs whose
    # statement_timeout this budget set: reset when it ends.
    limited: list[tuple[BaseDatabaseWrapper, object]] = field(default_factory=list)
    # The raw connections where it was set outside a transaction: one set
    # inside a transaction is undone if that rolls back, so it is set again.
    lasting: list[object] = field(default_factory=list)


_current: ContextVar[_Budget | None] = ContextVar("query_budget", default=None)


def _past_deadline() -> bool:
    budget = _current.get()
    if budget is None or time.monotonic() < budget.deadline:
        return False
    budget.expired = True
    return True


def check_deadline() -> None:
    """Raise QueryTimeout when the current statement is past its budget.

    For SQL functions written in Python (SQLite's REGEXP), which the progress
    handler cannot interrupt while they run.
    """
    if _past_deadline():
        raise QueryTimeout(_current.get().seconds)


def query_timeout(error: BaseException) -> QueryTimeout | None:
    """The QueryTimeout a database error stands for, or None if it is another."""
    if isinstance(error, QueryTimeout):
        return error
    budget = _current.get()
    if budget is None or not isinstance(error, OperationalError):
        return None
    cause = error.__cause__
    if budget.expired or getattr(cause, "sqlstate", None) == QUERY_CANCELED:
        return QueryTimeout(budget.seconds)
    return None


def _limit_postgresql(budget: _Budget, connection: BaseDatabaseWrapper) -> None:
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    status = raw.info.transaction_status
    # In a failed transaction only a rollback can run, and the setting is
    # made again with the next statement.
    if status == TransactionStatus.INERROR or any(
        raw is lasting for lasting in budget.lasting
    ):
        return
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false)",
            [f"{max(1, round(budget.seconds * 1000))}ms"],
        )
    if not any(raw is limited for _, limited in budget.limited):
        budget.limited.append((connection, raw))
    if status == TransactionStatus.IDLE:
        budget.lasting.append(raw)


def _unlimit_postgresql(budget: _Budget) -> None:
    import psycopg
    from psycopg.pq import TransactionStatus

    for connection, raw in budget.limited:
        # Only a connection this request still holds: one that went back to
        # the pool may already serve another request.
        if connection.connection is not raw or raw.closed:
            continue
        if raw.info.transaction_status == TransactionStatus.INERROR:
            continue
        try:
            with raw.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        except psycopg.Error:
            pass  # a broken connection: Django discards it when the request ends


def _execute(
    budget: _Budget,
    execute: Callable[..., object],
    sql: str,
    params: object,
    many: bool,
    context: dict,
) -> object:
    connection = context["connection"]
    if connection.vendor == "postgresql":
        _limit_postgresql(budget, connection)
    budget.deadline = time.monotonic() + budget.seconds
    budget.expired = False
    try:
        return execute(sql, params, many, context)
    except OperationalError as error:
        timeout = query_timeout(error)
        if timeout is None or timeout is error:
            raise
        raise timeout from error


@contextmanager
def query_budget(seconds: float) -> Iterator[None]:
    """Bound every statement run inside to `seconds` (0 or less: no bound).

    Inside a budget already, the outer one governs.
    """
    if seconds <= 0 or _current.get() is not None:
        yield
        return
    budget = _Budget(seconds)
    token = _current.set(budget)
    try:
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(
                    connection.execute_wrapper(partial(_execute, budget))
                )
            yield
    finally:
        _current.reset(token)
        _unlimit_postgresql(budget)


def within_budget(
    items: Iterator[Item], seconds: float | None = None
) -> Iterator[Item]:
    """Each step of a streamed response under its own budget.

    A streaming response is consumed after the view and the middleware have
    returned, outside the request's budget.
    """
    seconds = settings.AIMSITE_QUERY_TIMEOUT if seconds is None else seconds
    done = object()
    while True:
        with query_budget(seconds):
            item = next(items, done)
        if item is done:
            return
        yield item


def _install_progress_handler(
    sender: object, connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    if connection.vendor == "sqlite":
        connection.connection.set_progress_handler(_past_deadline, PROGRESS_STEPS)


def connect_signals() -> None:
    connection_created.connect(
        _install_progress_handler, dispatch_uid="aimsite.query_budget.progress"
    )
