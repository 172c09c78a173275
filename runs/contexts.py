"""Sequence contexts: validation and the canonical key that makes (run, name, context) unique.

Pure helpers, no Django: the ingest service, media uploads and the query compiler
all key series the same way.
"""

import json
import re

from aimsite.numbers import is_storable_number
from aimsite.text import text_problem

MAX_NAME_LENGTH = 255
MAX_CONTEXT_BYTES = 1024
_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")


class ContextError(ValueError):
    pass


def validate_name(name: object, what: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ContextError(f"{what} must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise ContextError(f"{what} is longer than {MAX_NAME_LENGTH} characters")
    if not _NAME_RE.match(name):
        raise ContextError(f"{what} contains control characters")
    problem = text_problem(name)
    if problem:
        raise ContextError(f"{what} {problem}")
    return name


def _check_context_value(value: object, path: str) -> None:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise ContextError(f"context value at {path} {problem}")
        return
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int | float):
        if not is_storable_number(value):
            raise ContextError(
                f"context value at {path} must be a finite number (integers: 64-bit)"
            )
        return
    raise ContextError(
        f"context value at {path} must be a string, number, boolean or null"
    )


def validate_context(context: object) -> dict:
    """A context is a flat dict of str -> scalar, e.g. {"subset": "train"}."""
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise ContextError('context must be an object, e.g. {"subset": "train"}')
    for key, value in context.items():
        if not isinstance(key, str) or not key:
            raise ContextError("context keys must be non-empty strings")
        problem = text_problem(key)
        if problem:
            raise ContextError(f"context key {key!r:.40} {problem}")
        _check_context_value(value, key)
    if len(context_key(context)) > MAX_CONTEXT_BYTES:
        raise ContextError(f"context is larger than {MAX_CONTEXT_BYTES} bytes")
    return context


def context_key(context: dict) -> str:
    return json.dumps(context, sort_keys=True, separators=(",", ":"))
