"""The runs API writes each run directly (issue 18 #2, a search answers up to 500
a page): the answer must be exactly what DRF's generic field-by-field writing
gives, for every kind of run, over HTTP as in process."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers

from runs.api import runs_queryset
from runs.serializers import RunDetailSerializer, RunSerializer
from tests.factories import make_run, make_tag, make_user
from tests.helpers.clients import token_session

pytestmark = pytest.mark.django_db(transaction=True)


def _runs():
    owner = make_user()
    shown, hidden = make_tag("shown"), make_tag("hidden", is_archived=True)
    finished = make_run(
        owner,
        name="done",
        params={"hparams": {"lr": 0.1, "deep": {"x": [1, None, "é"]}}},
        status="finished",
    )
    finished.tags.add(shown, hidden)
    finished.finished_at = timezone.now() + timedelta(microseconds=7)
    finished.pinned_metrics = ["loss", 'acc {"subset": "val"}']
    finished.meta = {"host": "box"}
    finished.save()
    orphan = make_run(owner, name="orphan", experiment="other")
    orphan.owner = None
    orphan.save()
    make_run(owner, status="failed", description="d", is_archived=True)
    return owner


def _generic(serializer_class, run) -> dict:
    return serializers.ModelSerializer.to_representation(serializer_class(), run)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_direct_writing_equals_drf_fields(zone):
    _runs()
    with override_settings(TIME_ZONE=zone):
        timezone.activate(zone)
        try:
            for run in runs_queryset().filter(status__in=["finished", "failed"]):
                for serializer_class in (RunSerializer, RunDetailSerializer):
                    direct = serializer_class().to_representation(run)
                    generic = _generic(serializer_class, run)
                    assert direct == generic
                    assert list(direct) == list(generic)  # same key order
        finally:
            timezone.deactivate()


def test_list_over_http_matches_detail_without_meta(server):
    owner = _runs()
    api = token_session(owner)
    listed = api.get(f"{server.url}/api/v1/runs/", params={"page_size": 10}).json()
    assert len(listed["results"]) == 3
    for row in listed["results"]:
        detail = api.get(f"{server.url}/api/v1/runs/{row['hash']}/").json()
        assert "meta" in detail and "meta" not in row
        detail.pop("meta")
        if not row["is_active"]:
            assert row == detail
    done = next(row for row in listed["results"] if row["name"] == "done")
    assert [tag["name"] for tag in done["tags"]] == ["shown"]
    assert done["finished_at"].endswith("Z")
    orphan = next(row for row in listed["results"] if row["name"] == "orphan")
    assert orphan["owner"] is None


def test_list_reads_a_fixed_number_of_queries(django_assert_max_num_queries):
    from rest_framework.test import APIClient

    owner = _runs()
    for _ in range(5):
        make_run(owner)
    client = APIClient()
    client.force_authenticate(owner)
    # Runs with experiment and owner, their tags: nothing read per row.
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/runs/", {"page_size": 50})
    assert response.status_code == 200 and len(response.json()["results"]) == 8


def test_list_reads_params_as_the_detail_does():
    """The list decodes the JSON columns itself (orjson where it reads the same
    values as json): long integers, tiny floats and non-ASCII text are written
    exactly as the detail (Django's JSONField) writes them."""
    from rest_framework.test import APIClient

    owner = make_user()
    params = {
        "big": 123456789012345678901234567890,
        "lr": 1e-05,
        "huge": 1.5e300,
        "text": "é\u2028<\n",
        "nested": [{"x": -0.0}, 2**63],
    }
    run = make_run(owner)
    run.params = params  # as the admin may: ingest refuses the long integer
    run.pinned_metrics = ["loss", 'acc {"subset": "val"}']
    run.save()
    client = APIClient()
    client.force_authenticate(owner)
    listed = client.get("/api/v1/runs/").content
    detail = client.get(f"/api/v1/runs/{run.hash}/").json()
    detail.pop("meta")
    detail.pop("duration")
    row = client.get("/api/v1/runs/").json()["results"][0]
    row.pop("duration")
    assert row == detail
    assert b'"big":123456789012345678901234567890' in listed
    assert b'"lr":1e-05' in listed
    assert '"text":"é\\u2028<\\n"'.encode() in listed  # as DRF writes it
