"""Grouping, alignment and aggregation of metric series, in numpy (no Django).

Group fields are the explorers' vocabulary (Aim's "group by"): a param path
`run.hparams.lr`, `run.experiment`, `run.hash`, `run.name`, `run.tags`,
`metric.name` and `metric.context.<key>`. A group's series are aligned on one x
grid and reduced to a line (mean, median, min, max) and a band around it.

Alignment: when the union of the group's x values fits in `points`, the grid is
that union (series logged at the same steps, the usual case, aggregate without
any interpolation); otherwise it is `points` evenly spaced x values between the
group's smallest and largest x. Each series is linearly interpolated onto the
grid *inside its own x range only* (never extrapolated), so a grid x is
aggregated over the series that cover it and `n` may vary along the line.
Interpolating beats binning the union of x values here because downsampled
series keep their extremes at different steps: in a bin most series would have
no point at all, while every series has a value at every grid x it spans.

Bands: minmax; std = mean ± sample standard deviation; sem = mean ± std/√n;
ci95 = mean ± t(0.975, n-1)·sem with Student's t (groups are often 3 to 5
seeds, where 1.96 would understate the interval by up to 2x). Where only one
series covers an x, std, sem and ci95 collapse onto the line.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import orjson

LINES = ("mean", "median", "min", "max")
BANDS = ("none", "minmax", "std", "sem", "ci95")
MAX_GROUP_FIELDS = 10
_RUN_FIELDS = {"run.experiment", "run.hash", "run.name", "run.tags"}
_CONTEXT_PREFIX = "metric.context."

# t(0.975, df) for df = 1..30; beyond that the Cornish-Fisher expansion below is
# within 1e-5 of the exact quantile.
_T_975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624,
    2.306004, 2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787,
    2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614,
    2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407,
    2.045230, 2.042272,
)  # fmt: skip
_Z_975 = 1.959963984540054


class GroupingError(ValueError):
    """A bad group field; `field` names the parameter to fix."""

    def __init__(self, message: str, field: str = "group"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class KeySource:
    """What group fields read from one series and its run."""

    run_hash: str
    run_name: str
    experiment: str
    tags: list[str]
    params: dict
    metric_name: str
    context: dict


@dataclass
class Line:
    """One series ready to aggregate: its aligned x and its values."""

    x: np.ndarray
    values: np.ndarray


@dataclass
class Aggregate:
    x: np.ndarray
    line: np.ndarray
    lower: np.ndarray | None
    upper: np.ndarray | None


def parse_group_fields(text: str) -> list[str]:
    """`run.hparams.lr,metric.name` → the list of fields; GroupingError if bad."""
    fields = [part.strip() for part in (text or "").split(",") if part.strip()]
    if len(fields) > MAX_GROUP_FIELDS:
        raise GroupingError(f"group by at most {MAX_GROUP_FIELDS} fields")
    for field in fields:
        _check_field(field)
    return list(dict.fromkeys(fields))


def _check_field(field: str) -> None:
    if field in _RUN_FIELDS or field == "metric.name":
        return
    if field.startswith(_CONTEXT_PREFIX) and len(field) > len(_CONTEXT_PREFIX):
        return
    if field.startswith("run.") and all(field[4:].split(".")):
        return
    raise GroupingError(
        f"cannot group by {field!r:.60}: use run.<param path> (run.hparams.lr), "
        "run.experiment, run.hash, run.name, run.tags, metric.name or "
        "metric.context.<key>"
    )


def field_value(field: str, source: KeySource) -> object:
    """The value of one group field for a series; a missing param is None."""
    if field == "run.experiment":
        return source.experiment
    if field == "run.hash":
        return source.run_hash
    if field == "run.name":
        return source.run_name
    if field == "run.tags":
        return sorted(source.tags)
    if field == "metric.name":
        return source.metric_name
    if field.startswith(_CONTEXT_PREFIX):
        return source.context.get(field[len(_CONTEXT_PREFIX) :])
    value: object = source.params
    for part in field[4:].split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def group_key(fields: Sequence[str], source: KeySource) -> dict[str, object]:
    return {field: field_value(field, source) for field in fields}


def key_identity(key: dict[str, object]) -> bytes:
    """A hashable identity for a key whose values may be lists or dicts."""
    return orjson.dumps(list(key.values()), option=orjson.OPT_SORT_KEYS)


def key_order(key: dict[str, object]) -> tuple:
    """Groups sort by their values: None first, then numbers, then text."""

    def rank(value: object) -> tuple:
        if value is None:
            return (0, 0)
        if isinstance(value, bool):
            return (1, int(value))
        if isinstance(value, int | float):
            return (2, value if math.isfinite(value) else math.inf)
        if isinstance(value, str):
            return (3, value)
        return (4, orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())

    return tuple(rank(value) for value in key.values())


def align(lines: Sequence[Line], points: int) -> tuple[np.ndarray, np.ndarray]:
    """The common grid and a (lines x grid) matrix, NaN where a line has no value.

    Non-finite values and x are dropped before interpolating (a NaN is a gap, not
    a number to average).
    """
    cleaned = []
    for line in lines:
        keep = np.isfinite(line.x) & np.isfinite(line.values)
        x, values = line.x[keep], line.values[keep]
        if len(x) == 0:
            continue
        order = np.argsort(x, kind="stable")
        cleaned.append((x[order], values[order]))
    if not cleaned:
        return np.empty(0), np.empty((0, 0))
    union = np.unique(np.concatenate([x for x, _ in cleaned]))
    grid = union if len(union) <= points else np.linspace(union[0], union[-1], points)
    matrix = np.full((len(cleaned), len(grid)), np.nan)
    for row, (x, values) in enumerate(cleaned):
        inside = (grid >= x[0]) & (grid <= x[-1])
        matrix[row, inside] = np.interp(grid[inside], x, values)
    return grid, matrix


def t_975(degrees: np.ndarray) -> np.ndarray:
    """Student's t quantile at 0.975 for each number of degrees of freedom (≥ 1)."""
    degrees = np.asarray(degrees, dtype=np.float64)
    z = _Z_975
    large = (
        z
        + (z**3 + z) / (4 * degrees)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * degrees**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * degrees**3)
    )
    table = np.asarray(_T_975)
    index = np.clip(degrees.astype(np.int64) - 1, 0, len(table) - 1)
    return np.where(degrees <= len(table), table[index], large)


def aggregate(lines: Sequence[Line], points: int, line: str, band: str) -> Aggregate:
    """Align a group's lines and reduce them to one line and a band."""
    grid, matrix = align(lines, points)
    counts = (~np.isnan(matrix)).sum(axis=0)
    # Grid x values no series covers (a gap between disjoint ranges) are left out.
    covered = counts > 0
    grid, matrix, counts = grid[covered], matrix[:, covered], counts[covered]
    if len(grid) == 0:
        band_edge = None if band == "none" else grid
        return Aggregate(grid, grid, band_edge, band_edge)
    mean = np.nanmean(matrix, axis=0)
    center = {
        "mean": mean,
        "median": np.nanmedian(matrix, axis=0),
        "min": np.nanmin(matrix, axis=0),
        "max": np.nanmax(matrix, axis=0),
    }[line]
    if band == "none":
        return Aggregate(grid, center, None, None)
    if band == "minmax":
        return Aggregate(
            grid, center, np.nanmin(matrix, axis=0), np.nanmax(matrix, axis=0)
        )
    several = counts > 1
    squares = np.nansum((matrix - mean) ** 2, axis=0)
    std = np.where(several, np.sqrt(squares / np.maximum(counts - 1, 1)), 0.0)
    if band == "std":
        spread = std
    else:
        spread = std / np.sqrt(counts)
        if band == "ci95":
            spread = spread * t_975(np.maximum(counts - 1, 1))
    # The band is around the mean, whichever line is drawn (as in Aim).
    return Aggregate(grid, center, mean - spread, mean + spread)
