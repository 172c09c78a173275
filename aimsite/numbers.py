"""JSON numbers as the API takes them. Pure helpers, no Django.

JSON has one number type: `3` and `3.0` are the same number (JSON Schema calls
both an integer), and a number may have 400 digits. The API takes integers in
the 64-bit range the databases store and numbers a float64 holds, and compares
instead of converting, since `float()` of a 400-digit integer raises. JSON it
stores (params, contexts, figures) holds integers in the signed 64-bit range
only: orjson, which encodes the explorers' answers, takes no larger ones.
"""

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
FLOAT64_MAX = 1.7976931348623157e308


def is_finite_number(value: object) -> bool:
    """A JSON number a float64 holds: not a bool, NaN, infinite or too large."""
    return type(value) in (int, float) and -FLOAT64_MAX <= value <= FLOAT64_MAX


def is_storable_number(value: object) -> bool:
    """A JSON number stored JSON may hold: an integer (3 or 3.0, as JSON Schema
    counts them) in the signed 64-bit range, or another finite number."""
    kind = type(value)
    if kind is int:
        return INT64_MIN <= value <= INT64_MAX
    if kind is float and value.is_integer():
        # Exclusive: orjson reads -2**63 - 1 as the float -2**63, so a float on
        # the bound may stand for an integer past it.
        return INT64_MIN < value < -INT64_MIN
    return kind is float and -FLOAT64_MAX <= value <= FLOAT64_MAX


def json_int(value: object) -> int | None:
    """`value` as an int when it is a JSON integer (`3` or `3.0`), else None."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None
