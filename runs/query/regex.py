"""Regular expressions in run queries match in linear time, on both databases.

Python's `re` backtracks: `re.match('(a|a)+$', run.name)` over a 29-character
name took half a minute and held the GIL, so one query froze every request of
the process. Patterns are therefore checked with RE2 when a query is parsed
(backreferences, lookarounds and the like need backtracking and are refused),
and on SQLite Django's `re`-based REGEXP function is replaced on every
connection by an RE2 one. PostgreSQL matches the same patterns with its own
engine, which without backreferences runs as an automaton and has no
backtracking blow-up; the statement timeout (aimsite.query_budget) bounds
whatever remains, as it does on SQLite between rows.

Linear is not free: the heaviest allowed pattern costs RE2 a few microseconds
per character, and one text is matched in one call the budget cannot cut
short (a megabyte-long param string: seconds). RE2 releases the GIL while it
matches, so other requests go on meanwhile.
"""

import functools
import re
from collections.abc import Iterator

import re2
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from aimsite.query_budget import check_deadline

MAX_COUNT = 255  # PostgreSQL's limit on a counted repetition {m,n}
MAX_NESTED_COUNT = 1000  # RE2's limit on counted repetitions nested in each other
_LOOKAROUNDS = ("(?=", "(?!", "(?<=", "(?<!")
_QUANTIFIER = re.compile(r"\{(\d*)(,?)(\d*)\}")


def _options() -> re2.Options:
    options = re2.Options()
    options.never_capture = True  # only "does it match": lets RE2 use its DFA
    options.log_errors = False  # a refused pattern is the user's error, not a log line
    return options


_OPTIONS = _options()


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re2._Regexp:
    return re2.compile(pattern, _OPTIONS)


def _reason(error: re2.error) -> tuple[str, str]:
    text = error.args[0] if error.args else ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    reason, _, fragment = str(text).partition(": ")
    return reason, fragment


def _counted_repetitions(pattern: str) -> Iterator[re.Match]:
    """Every {m}, {m,}, {m,n} or {,n} outside a character class."""
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1
            # A ] right after [ or [^ is a literal, not the end of the class.
            index += pattern.startswith("^", index)
            index += pattern.startswith("]", index)
            continue
        elif char == "{" and (match := _QUANTIFIER.match(pattern, index)):
            yield match
        index += 1


def _count_problem(pattern: str) -> str | None:
    for match in _counted_repetitions(pattern):
        low, comma, high = match.groups()
        where = f"(at character {match.start() + 1} of the pattern)"
        if not low and comma:
            # Python reads {,n} as {0,n}; RE2 and PostgreSQL as the text "{,n}".
            return f"write {{0,{high}}} instead of {match.group()} {where}"
        if max(int(low or 0), int(high or 0)) > MAX_COUNT:
            return f"counted repetitions are limited to {{{MAX_COUNT}}} {where}"
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why this pattern cannot be matched in linear time, on both databases
    alike, or None if it can.

    The message names what is refused and where it is in the pattern.
    """
    try:
        _compile(pattern)
    except re2.error as error:
        reason, fragment = _reason(error)
    else:
        return _count_problem(pattern)
    index = pattern.find(fragment) if fragment else -1
    where = f" (at character {index + 1} of the pattern)" if index >= 0 else ""
    if fragment.startswith(_LOOKAROUNDS):
        what = "lookarounds such as (?=…) or (?<!…)"
    elif fragment[:2] in {f"\\{digit}" for digit in "123456789"} or (
        fragment.startswith("(?P=")
    ):
        what = "backreferences such as \\1"
    elif reason == "invalid repetition size":
        return _count_problem(pattern) or (
            f"repetitions nested in repetitions may repeat at most "
            f"{MAX_NESTED_COUNT} times in all{where}"
        )
    elif fragment == "\\Z":
        return f"\\Z is not supported in patterns; use $ (the end of the text){where}"
    else:
        return (
            f"this pattern cannot be matched in linear time ({reason}: {fragment})"
            f"{where}"
        )
    return (
        f"{what} need backtracking, which can take exponential time, "
        f"so they are not supported{where}"
    )


def regexp(pattern: str | None, text: object) -> bool | None:
    """SQLite's `text REGEXP pattern`, as Django's own but with RE2."""
    if pattern is None or text is None:
        return None
    # The progress handler cannot interrupt a Python function: check between rows.
    check_deadline()
    return (
        _compile(pattern).search(text if isinstance(text, str) else str(text))
        is not None
    )


def _register_sqlite_regexp(
    sender: object, connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    if connection.vendor == "sqlite":
        # Replaces the REGEXP Django registered when it opened the connection.
        connection.connection.create_function("REGEXP", 2, regexp, deterministic=True)


def connect_signals() -> None:
    connection_created.connect(
        _register_sqlite_regexp, dispatch_uid="runs.query.regex.sqlite_regexp"
    )
