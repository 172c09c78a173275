from aimsite.sdk.terminal import LineSplitter


def _lines(*writes: str, flush: bool = False) -> list[str]:
    lines: list[str] = []
    splitter = LineSplitter(lambda text, when: lines.append(text))
    for text in writes:
        splitter.write(text)
    if flush:
        splitter.flush_partial()
    return lines


def test_text_is_split_into_lines_across_writes():
    assert _lines("one\ntw", "o\nthree") == ["one", "two"]


def test_unfinished_line_is_sent_on_flush():
    assert _lines("one\ntwo", flush=True) == ["one", "two"]


def test_carriage_return_progress_bar_collapses_to_its_last_state():
    writes = [f"\r{p:3d}%|{'#' * (p // 10):10s}|" for p in range(0, 101, 10)]
    assert _lines(*writes, "\n") == ["100%|##########|"]


def test_trailing_carriage_return_keeps_the_text_before_it():
    assert _lines("done\r", "\n") == ["done"]


def test_windows_line_endings_do_not_leave_carriage_returns():
    assert _lines("a\r\nb\r\n") == ["a", "b"]
