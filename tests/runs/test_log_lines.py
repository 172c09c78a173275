import pytest

from runs.models import LogLine
from tests.factories import make_run

pytestmark = pytest.mark.django_db


def _numbers(lines: list[LogLine]) -> list[int]:
    return [line.line for line in lines]


def test_log_pages_come_in_line_order_from_the_tail_after_or_before():
    run = make_run(logs=[f"line {i}" for i in range(10)])
    make_run(logs=["another run's line"])
    lines = LogLine.objects.for_run(run)
    assert _numbers(lines.page(limit=3)) == [7, 8, 9]
    assert _numbers(lines.page(after=5, limit=2)) == [6, 7]
    assert _numbers(lines.page(before=4, limit=3)) == [1, 2, 3]
    assert _numbers(lines.page(after=-1, before=4, limit=100)) == list(range(10))
    assert lines.count() == 10
