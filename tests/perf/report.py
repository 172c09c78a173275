"""The one way a benchmark prints a figure: a `PERF` line, never an assertion."""


def report(name: str, value: float, unit: str, target: str = "") -> None:
    """Print `PERF name: value unit  (target …)` on a line of its own."""
    print(
        f"\nPERF {name}: {value:,.2f} {unit}"
        + (f"  (target {target})" if target else "")
    )
