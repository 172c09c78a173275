"""Plain factory functions. Runs are made through the real ingest services."""

import itertools
import json
import secrets

from django.contrib.auth import get_user_model

from aimsite.models import ApiToken
from experiments.models import Experiment
from experiments.services import render_notes
from runs import ingest
from runs.models import Run
from tags.models import Tag

_counter = itertools.count(1)


def make_user(
    username: str | None = None,
    *,
    is_staff: bool = False,
    password: str = "pw-for-tests-1",
):
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=is_staff
    )
    user.raw_password = password
    return user


def make_token(user, name: str = "tests") -> str:
    _token, secret = ApiToken.issue(user, name)
    return secret


def new_hash() -> str:
    return secrets.token_hex(12)


def make_experiment(name: str | None = None, owner=None, **fields) -> Experiment:
    """fields: model fields; `notes` are rendered as saving them would."""
    if fields.get("notes"):
        fields["notes_html"] = render_notes(fields["notes"]).html
    return Experiment.objects.create(
        name=name or f"experiment-{next(_counter)}", owner=owner, **fields
    )


def make_tag(name: str | None = None, owner=None, **fields) -> Tag:
    return Tag.objects.create(
        name=name or f"tag-{next(_counter)}", owner=owner, **fields
    )


def make_run(
    owner=None,
    *,
    experiment: str = "default",
    name: str = "",
    params: dict | None = None,
    metrics: dict | None = None,
    logs: list[str] | None = None,
    status: str | None = None,
    **fields,
) -> Run:
    """A run made through the ingest path.

    metrics: {"loss": [0.9, 0.5]} or {("loss", '{"subset": "val"}'): [...]} → steps 0..n-1
    (the context as JSON text, so the key stays hashable).
    fields: model fields set afterwards (created_at, is_archived, …).
    """
    owner = owner or make_user()
    raw: dict = {"seq": 0}
    if metrics:
        raw["metrics"] = []
        for key, values in metrics.items():
            metric_name, context = (
                (key, {}) if isinstance(key, str) else (key[0], json.loads(key[1]))
            )
            raw["metrics"].append(
                {
                    "name": metric_name,
                    "context": context,
                    "steps": list(range(len(values))),
                    "values": values,
                }
            )
    if logs:
        raw["logs"] = [{"line": i, "text": text} for i, text in enumerate(logs)]
    if status:
        raw["status"] = status
    run = ingest.create_run(
        owner,
        ingest.NewRun(
            hash=new_hash(),
            experiment=experiment,
            name=name,
            params=params,
            batch=ingest.parse_batch(raw),
        ),
    ).run
    if fields:
        Run.objects.filter(pk=run.pk).update(**fields)
    run.refresh_from_db()
    return run


# SDK Run options that leave out the background extras a test does not look at.
QUIET_RUN = {
    "system_tracking_interval": None,
    "log_system_params": False,
    "capture_terminal_logs": False,
}
