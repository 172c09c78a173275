"""The API answers as its OpenAPI schema says: a bounded schemathesis run.

A real daphne serves the test database, seeded with a small realistic dataset:
runs with metrics, logs and objects of every kind, tags, experiments, and a
second user's run and tag for the 403s. schemathesis reads `/api/schema/` from
that server and sends valid and invalid requests to every operation, in every
phase (examples, coverage, fuzzing, stateful), with every check, including that
a server error never happens, that each answer's status, content type, headers
and body are documented, that valid requests are taken and invalid ones
refused, and that auth is enforced. Any finding fails the test, with
schemathesis's report. CI runs it on SQLite and on PostgreSQL + Redis.

What the schema can only say in words (AimQL is a language, a series' columns
have one length, an image upload must hold an image) is taught to schemathesis
in schemathesis_hooks.py, for its valid requests only.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_experiment, make_run, make_tag, make_token, make_user
from tests.runs.run_page_data import make_full_run

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

# Bounded by examples (per operation and phase), not by time: given a time budget,
# schemathesis repeats its fuzzing until the budget is spent.
MAX_EXAMPLES = 50
# Seconds: a guard against a hung run, not a target. A run took about two minutes
# on two busy cores, and ten on PostgreSQL on a machine three times slower (session
# 8, where the old 600 s cap cut it off in its fuzzing phase).
WALL_CLOCK_CAP = 1800
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
# Refusals of an invalid request: schemathesis's list, plus 413 (a batch over its
# documented size limit is refused as too large).
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5xx"]


def _seed() -> dict[str, list]:
    """The dataset the run starts from, and the ids and names its requests use.

    Deletes go to scratch runs and tags, so the others stay for the rest of the
    run; and every query the hooks draw matches one of bob's runs too, but the
    one naming the scratch runs, so a batch by query is refused (403) instead of
    deleting them.
    """
    alice = make_user("alice")
    bob = make_user("bob")
    experiment = make_experiment("mnist", owner=alice, description="digits")
    make_experiment("empty", owner=alice)
    tags = [make_tag("best", owner=alice), make_tag("baseline", owner=bob)]
    scratch_tags = [make_tag(f"scratch-{i}", owner=alice) for i in range(5)]
    runs = [make_full_run(alice, name=f"full-{i}") for i in range(3)]
    runs += [
        make_run(
            alice,
            experiment="mnist",
            name=f"mnist-{i}",
            params={"hparams": {"lr": 0.001 * (i + 1)}},
            metrics={"loss": [1.0, 0.5, 0.25]},
            logs=["hello", "world"],
        )
        for i in range(6)
    ]
    bobs = make_run(
        bob,
        experiment="mnist",
        name="bobs",
        params={"hparams": {"lr": 0.01}},
        metrics={"loss": [0.3]},
    )
    make_run(bob, name="bobs-archived", is_archived=True)
    for run in [*runs[:4], bobs]:
        run.tags.add(tags[0])
    scratch = [make_run(alice, name=f"scratch-{i}") for i in range(10)]
    sequences = [sequence for run in runs for sequence in run.object_sequences.all()]
    return {
        "token": [make_token(alice)],
        "hashes": [run.hash for run in [*runs, bobs]],
        "scratch": [run.hash for run in scratch],
        "series": [series.id for run in runs for series in run.metrics.all()],
        "sequences": [sequence.id for sequence in sequences],
        "records": [
            record.id for sequence in sequences for record in sequence.records.all()
        ],
        "artifacts": [artifact.id for run in runs for artifact in run.artifacts.all()],
        "experiments": [experiment.id],
        "tags": [tag.id for tag in tags],
        "scratch_tags": [tag.id for tag in scratch_tags],
        "tag_names": [tag.name for tag in tags],
    }


def _config(seed: dict[str, list]) -> str:
    """schemathesis.toml: the hooks, no cache, and the seeded ids as dictionaries
    (most generated ids and hashes name something, so requests get past 404)."""

    def toml(value: object) -> str:
        return json.dumps(value)  # JSON strings, numbers and lists are TOML too

    def binding(dictionary: str, probability: float = 0.8) -> str:
        return f'{{ dictionary = "{dictionary}", probability = {probability} }}'

    lines = [f"hooks = {toml(str(HOOKS))}", "[cache]", "enabled = false"]
    for name, values in seed.items():
        if name != "token":
            lines += [f"[dictionaries.{name}]", f"values = {toml(values)}"]
    lines += [
        "[parameters]",
        f'"path.hash" = {binding("hashes")}',
        f'"path.series_id" = {binding("series")}',
        f'"path.sequence_id" = {binding("sequences")}',
        f'"path.record_id" = {binding("records")}',
        f'"path.artifact_id" = {binding("artifacts")}',
        f'"body.hashes[*]" = {binding("scratch", 0.5)}',
        f'"body.names[*]" = {binding("tag_names", 0.9)}',
        f'"body.ids[*]" = {binding("tags", 0.9)}',
        "[checks.negative_data_rejection]",
        f"expected-statuses = {toml(REFUSALS)}",
        "[[operations]]",
        'include-method = "DELETE"',
        'include-path-regex = "^/api/v1/runs/[{]hash[}]/$"',
        f'parameters = {{ "path.hash" = {binding("scratch")} }}',
        "[[operations]]",
        'include-method = "DELETE"',
        'include-path-regex = "^/api/v1/tags/[{]id[}]/$"',
        f'parameters = {{ "path.id" = {binding("scratch_tags")} }}',
        "[[operations]]",
        'include-path-regex = "^/api/v1/experiments/"',
        f'parameters = {{ "path.id" = {binding("experiments")} }}',
        "[[operations]]",
        'include-path-regex = "^/api/v1/tags/"',
        f'parameters = {{ "path.id" = {binding("tags")} }}',
    ]
    return "\n".join(lines) + "\n"


def test_api_conforms_to_its_schema(server, tmp_path):
    seed = _seed()
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(seed))
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Bearer {seed['token'][0]}",
        "--checks",
        "all",
        # The same requests on every run: schemathesis's deterministic mode (it
        # takes no seed then), and one worker so that they come in one order.
        "--generation-deterministic",
        "--workers",
        "1",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--request-timeout",
        "30",
        "--no-color",
    ]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=WALL_CLOCK_CAP,
            cwd=tmp_path,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"schemathesis ran past {WALL_CLOCK_CAP}s:\n{error.stdout}")
    print(result.stdout, result.stderr[-5000:], file=sys.stderr)
    assert result.returncode == 0, result.stdout[-30000:]
