"""Hypothesis throws thousands of generated queries at the compiler: valid ones
must agree with the Python reference, anything else must fail with a QueryError
(never another exception, never slowly)."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runs.models import Run
from runs.query import QueryError, compile_query
from tests.runs.test_query_compiler import NOW, check, runs  # noqa: F401 - fixture

FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

numbers = st.one_of(
    st.integers(-5, 5).map(str),
    st.sampled_from(["0.001", "0.01", "0.5", "1.5", "-2", "1e-3", "3600", "90000"]),
)
strings = st.sampled_from(
    [
        '"adam"',
        '"Adam"',
        '""',
        '"0.01"',
        '"bert"',
        '"mnist"',
        '"best"',
        '"x"',
        '"main"',
        '"c"',
    ]
)
literals = st.one_of(numbers, strings, st.sampled_from(["True", "False", "None"]))
params = st.sampled_from(
    [
        "run.hparams.lr",
        "run.hparams.opt",
        "run.hparams.flag",
        "run.hparams.batch",
        'run["hparams", "lr"]',
        "run.dataset.name",
        "run.layers[0]",
        'run["__system_params", "git_info", "branch"]',
        "run.nothing.here",
    ]
)
text_fields = st.sampled_from(
    [
        "run.name",
        "run.experiment",
        "run.description",
        "run.status",
        "run.hash",
        "run.name.lower()",
        "run.hparams.opt.upper()",
    ]
)
metrics = st.sampled_from(
    [
        'run.metrics["loss"].last',
        'run.metrics["loss"].min',
        'run.metrics["loss", {"subset": "val"}].max',
        'run.metrics["acc"].last',
        'run.metrics["loss"].count',
        "run.duration",
    ]
)
ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


@st.composite
def atoms(draw) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"{draw(params)} {draw(ops)} {draw(literals)}"
    if kind == 1:
        return f"{draw(metrics)} {draw(ops)} {draw(numbers)}"
    if kind == 2:
        return f"{draw(text_fields)} {draw(ops)} {draw(strings)}"
    if kind == 3:
        method = draw(st.sampled_from(["startswith", "endswith"]))
        return f"{draw(st.one_of(text_fields, params))}.{method}({draw(strings)})"
    if kind == 4:
        return f"{draw(strings)} {draw(st.sampled_from(['in', 'not in']))} {draw(st.one_of(text_fields, params, st.just('run.tags')))}"
    if kind == 5:
        items = draw(st.lists(literals, max_size=3))
        return f"{draw(st.one_of(params, text_fields))} {draw(st.sampled_from(['in', 'not in']))} [{', '.join(items)}]"
    if kind == 6:
        return draw(
            st.one_of(
                params,
                metrics,
                st.sampled_from(
                    ["run.archived", "run.active", "run.name", "run.end_time"]
                ),
            )
        )
    if kind == 7:
        return f"{draw(st.one_of(params, metrics))} is {draw(st.sampled_from(['None', 'not None']))}"
    if kind == 8:
        function = draw(st.sampled_from(["re.match", "re.search"]))
        pattern = draw(st.sampled_from(['"b"', '"^B"', '"[0-9]"', '"t.*d$"', '"a|e"']))
        return f"{function}({pattern}, {draw(text_fields)})"
    low, high = sorted([draw(st.integers(1, 9)), draw(st.integers(1, 9))])
    return f"datetime(2026, 3, {low}) <= run.created_at < datetime(2026, 3, {high})"


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        children.map(lambda c: f"not {c}"),
    )


queries = st.recursive(atoms(), _combine, max_leaves=6)


def _run_or_reject(query: str) -> None:
    started = time.perf_counter()
    try:
        compiled = compile_query(query, now=NOW)
    except QueryError as error:
        assert 0 <= error.position <= len(query)
        assert error.message
        return
    list(compiled.apply(Run.objects.all()).values_list("hash", flat=True)[:50])
    assert time.perf_counter() - started < 2


@FUZZ
@given(query=queries)
def test_generated_queries_agree_with_the_reference_or_are_rejected(db, runs, query):  # noqa: F811
    try:
        compile_query(query, now=NOW)
    except QueryError:
        return  # type errors (e.g. run.name < 1) are refused up front
    check(query, runs)


fragments = st.sampled_from(
    [
        "run",
        ".",
        "hparams",
        "lr",
        "__class__",
        "__dict__",
        "(",
        ")",
        "[",
        "]",
        '"x"',
        "'y'",
        "1",
        "-",
        "0.5",
        "==",
        "<",
        " and ",
        " or ",
        "not ",
        " in ",
        " is ",
        "None",
        "True",
        ",",
        "{",
        "}",
        ":",
        "lambda",
        "__import__",
        "os",
        "re.match",
        "startswith",
        "lower()",
        "metrics",
        "datetime",
        "*",
        "**",
        "+",
        "if",
        "else",
        "for",
        "@",
        ";",
        "\\",
        "\x00",
        "é",
        "\n",
        "run.name",
        "9" * 30,
    ]
)


@settings(
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.one_of(st.lists(fragments, max_size=25).map("".join), st.text(max_size=80))
)
def test_any_input_is_compiled_or_refused_with_a_query_error(db, query):
    _run_or_reject(query)


@pytest.mark.parametrize(
    "query",
    [
        "(" * 5000 + "run.x" + ")" * 5000,
        "not " * 3000 + "run.x",
        " and ".join(["run.x > 1"] * 500),
        "run." + ".".join(["a"] * 500),
        "[" * 200 + "]" * 200,
        "run.name == " + '"' + "x" * 100_000 + '"',
        're.match("(a+)+$", run.name)',
        're.search("(?=a)", run.name)',
        "run.x > 10**1000",
        "run.x > 99999999999999999999999999",
        "run.__class__.__bases__",
        "().__class__",
        "__import__('os').system('true')",
        "run.name.__len__()",
        "eval('1')",
        "lambda: 1",
        "[x for x in run.tags]",
        "run.hparams.lr if True else 1",
        "f'{run}' == 'x'",
        "run.metrics['loss'].last.real",
        "run.metrics[1].last",
        "run.metrics['loss'].mean",
        "datetime(2026, 13, 1) < run.created_at",
        "datetime(2026, 1) < run.created_at",
        "run.created_at > 'not a date'",
        "run.name < 1",
        "run.archived > 1",
        "1 < 2",
        "run.x == run.y",
        "\x00",
        "b'x' == run.name",
        "run.x == 1j",
        "run.x @ 1",
        "...",
    ],
)
def test_hostile_queries_are_refused_quickly(db, query):
    _run_or_reject(query)


def test_a_dunder_attribute_is_refused_at_its_column(db):
    with pytest.raises(QueryError) as error:
        compile_query("run.name == 'a' and run.__class__")
    assert error.value.position == len("run.name == 'a' and run.")
