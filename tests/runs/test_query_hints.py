"""A metric read without its context, when it was only tracked with contexts:
the query selects nothing (Aim's semantics) and the hint offers the contexts
(issue 17, bug 7). Over HTTP against a real server."""

import pytest
import requests

from runs.models import Run
from runs.query import filter_runs
from tests.factories import make_run, make_user
from tests.helpers.clients import signed_in_session, token_session

pytestmark = pytest.mark.django_db(transaction=True)

TRAIN = ("loss", '{"subset": "train"}')
VAL = ("loss", '{"subset": "val"}')


def _hints(server, user, q, subjects=None):
    params = {"q": q, **({"subjects": subjects} if subjects else {})}
    answer = token_session(user).get(
        f"{server.url}/api/v1/runs/query-hints", params=params, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["hints"]


def test_a_metric_tracked_only_with_contexts_gets_a_hint_per_context(server):
    user = make_user()
    low = make_run(user, name="low", metrics={TRAIN: [0.9, 0.2], VAL: [0.5]})
    make_run(user, name="high", metrics={TRAIN: [0.9, 0.8]})
    query = 'run.metrics["loss"].last < 0.3'
    assert not filter_runs(Run.objects.all(), query).exists()  # Aim's semantics
    [hint] = _hints(server, user, query)
    assert hint["metric"] == "loss" and hint["position"] == 20
    assert [item["label"] for item in hint["contexts"]] == [
        "subset=train",
        "subset=val",
    ]
    train = hint["contexts"][0]
    assert train["context"] == {"subset": "train"}
    assert train["query"] == 'run.metrics["loss", {"subset": "train"}].last < 0.3'
    assert list(filter_runs(Run.objects.all(), train["query"])) == [low]


def test_every_read_of_the_metric_is_rewritten_and_others_are_left(server):
    user = make_user()
    make_run(user, metrics={("acc", '{"on": true, "k": null, "n": 2}'): [0.5]})
    make_run(user, metrics={"loss": [0.1]})
    query = (
        'run.metrics["acc"].last > 0.1 and not run.metrics["acc"].max > 0.9 '
        'and run.metrics["loss"].last < 1 and run.metrics["acc", {}].min > 0'
    )
    [hint] = _hints(server, user, query)
    rewritten = hint["contexts"][0]["query"]
    context = '{"k": None, "n": 2, "on": True}'
    assert rewritten == (
        f'run.metrics["acc", {context}].last > 0.1 and not '
        f'run.metrics["acc", {context}].max > 0.9 '
        'and run.metrics["loss"].last < 1 and run.metrics["acc", {}].min > 0'
    )
    assert hint["contexts"][0]["label"] == "k=None, n=2, on=True"
    filter_runs(Run.objects.all(), rewritten)  # parses and compiles


@pytest.mark.parametrize(
    "query",
    [
        'run.metrics["loss"].last < 0.3',  # loss has the empty context too
        'run.metrics["loss", {"subset": "train"}].last < 0.3',  # a context given
        'run.metrics["nothing"].last < 0.3',  # never tracked at all
        'run.metrics["loss"].last <',  # does not parse: its error says why
        "run.hparams.lr > 0.1",
        "",
    ],
)
def test_no_hint_when_the_read_is_fine_or_wrong_for_another_reason(server, query):
    user = make_user()
    make_run(user, metrics={TRAIN: [0.2], "loss": [0.1]})
    assert _hints(server, user, query) == []


def test_the_metrics_explorer_gets_hints_for_its_subjects(server):
    user = make_user()
    make_run(user, metrics={TRAIN: [0.2]})
    query = 'metric.name == "loss" and run.metrics["loss"].last < 1'
    [hint] = _hints(server, user, query, subjects="run,metric")
    assert hint["contexts"][0]["query"].startswith(
        'metric.name == "loss" and run.metrics["loss", {"subset": "train"}]'
    )
    # a metric.* query in the runs explorer is that explorer's error, not a hint
    assert _hints(server, user, query) == []


def test_hints_refuse_unknown_subjects_and_anonymous_callers(server):
    user = make_user()
    answer = signed_in_session(user).get(
        f"{server.url}/api/v1/runs/query-hints",
        params={"q": "", "subjects": "nope"},
        timeout=10,
    )
    assert answer.status_code == 400 and "unknown subject" in answer.json()["error"]
    anonymous = requests.get(f"{server.url}/api/v1/runs/query-hints", timeout=10)
    assert anonymous.status_code in (401, 403)
