"""Pure helpers that turn stored values into text or flat rows.

No Django imports: the runs table, the CSV export, the run page and the search
bar's suggestions all use these, and each way of showing a value lives here once.
"""

import json
import math
import re

MAX_FLATTEN_DEPTH = 6


def flatten(
    params: object,
    prefix: tuple = (),
    depth: int = 0,
    max_depth: int | None = MAX_FLATTEN_DEPTH,
) -> dict[tuple, object]:
    """{"hparams": {"lr": 1}} -> {("hparams", "lr"): 1}; lists stay whole.

    Below `max_depth` (None: no limit) a nested object stays whole as one value.
    """
    if not isinstance(params, dict) or (max_depth is not None and depth >= max_depth):
        return {prefix: params} if prefix else {}
    flat: dict[tuple, object] = {}
    for key, value in params.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, (*prefix, key), depth + 1, max_depth))
        else:
            flat[(*prefix, key)] = value
    return flat


def format_cell(value: object) -> str:
    """A param or metric value as the runs table (and the CSV export) shows it:
    6 significant digits, JSON for lists and objects, empty for no value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def format_metric(value: float | None) -> str:
    """A metric summary number as the run page shows it: integers plain, very
    small or large numbers in scientific notation, a dash for no value."""
    if value is None:
        return "—"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e6):
        return f"{value:.4e}"
    return f"{value:.5f}".rstrip("0").rstrip(".")


def format_context(context: dict) -> str:
    """A series context as one line of text ("subset: val"), a dash when empty."""
    return ", ".join(f"{key}: {value}" for key, value in sorted(context.items())) or "—"


def series_label(name: str, context: dict) -> str:
    """A series as a column header reads it: "accuracy · subset=train"."""
    if not context:
        return name
    pairs = ", ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in sorted(context.items())
    )
    return f"{name} · {pairs}"


def param_rows(params: dict) -> list[tuple[str, str]]:
    """Nested params as (dotted key, JSON-ish value) rows, at any depth."""
    return [
        (
            ".".join(str(key) for key in path),
            value if isinstance(value, str) else json.dumps(value),
        )
        for path, value in flatten(params, max_depth=None).items()
    ]


# The units of the system metrics the SDK records (aimsite/sdk/system.py), by name
# without the `__system__` prefix: one table, which the run page also hands to its
# charts (run_page.py, `system_units`), so patterns stay simple enough for JavaScript.
SYSTEM_UNITS: list[tuple[str, str]] = [
    (r"^(cpu|.*_percent|gpu\d+_util)$", "%"),
    (r"^(p_memory_rss|.*_memory_mb)$", "MB"),
    (r"^(disk_read|disk_write|net_sent|net_recv)$", "MB/s"),
    (r"^gpu\d+_temp$", "°C"),
    (r"^gpu\d+_power$", "W"),
]
_SYSTEM_UNIT_PATTERNS = [(re.compile(pattern), unit) for pattern, unit in SYSTEM_UNITS]


def system_unit(label: str) -> str:
    """The unit of a system metric ("cpu" -> "%"), "" when unknown."""
    return next(
        (unit for pattern, unit in _SYSTEM_UNIT_PATTERNS if pattern.match(label)), ""
    )


def format_with_unit(value: float | None, unit: str) -> str:
    """A system figure as people read it: "62.7 %", "2,120 MB", "1.23 MB/s"."""
    if not unit:
        return format_metric(value)
    if value is None or not math.isfinite(value):
        return format_metric(value)
    if unit in ("%", "°C", "W"):
        return f"{value:,.1f} {unit}"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.3g} {unit}"
