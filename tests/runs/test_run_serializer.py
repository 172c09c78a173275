"""The runs API writes each run directly (issue 18 #2, a search answers up to 500
a page): the answer must be exactly what DRF's generic field-by-field writing
gives, for every kind of run, over HTTP as in process."""

import json
from datetime import timedelta

import orjson
import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers

from runs.api import runs_queryset
from runs.models import Run
from runs.serializers import RunDetailSerializer, RunSerializer, orjson_exact
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


def _list_and_detail(params: dict) -> tuple[bytes, bytes, dict]:
    from rest_framework.test import APIClient

    owner = make_user()
    run = make_run(owner, status="finished")
    run.params = params  # as the admin may: ingest refuses a long integer
    run.pinned_metrics = ["loss", 'acc {"subset": "val"}']
    run.save()
    client = APIClient()
    client.force_authenticate(owner)
    listed = client.get("/api/v1/runs/").content
    detail = client.get(f"/api/v1/runs/{run.hash}/").content
    row = json.loads(listed)["results"][0]
    as_detail = json.loads(detail)
    as_detail.pop("meta")
    assert row == as_detail
    # What the database gives back (PostgreSQL's jsonb writes -0.0 as 0.0 and
    # 1.5e300 as an integer of 301 digits).
    assert row["params"] == Run.objects.get(pk=run.pk).params
    return listed, detail, row


def test_list_and_detail_write_params_through_orjson_alike():
    """Params orjson reads and writes as json does (finite floats, integers
    within 64 bits) are written by orjson, identically in the list and the
    detail: a float may be spelled otherwise (`0.00001`), the same number."""
    params = {
        "lr": 1e-05,
        "small": 5e-324,
        "text": "é\u2028<\n",
        "nested": [{"x": -0.0}, 2**63, -(2**63)],
    }
    listed, detail, row = _list_and_detail(params)
    nested = b'"nested":' + orjson.dumps(row["params"]["nested"])
    for body in (listed, detail):
        assert b'"lr":0.00001' in body and b"1e-05" not in body
        assert b'"small":5e-324' in body
        assert '"text":"é\\u2028<\\n"'.encode() in body  # as DRF escapes it
        assert nested in body
        assert b"9223372036854775808,-9223372036854775808]" in nested


@pytest.mark.parametrize(
    "params",
    [
        {"big": 123456789012345678901234567890, "lr": 1e-05},  # past 64 bits
        {"big": -9999999999999999999, "lr": 1e-05},  # orjson reads -1e19
        {"big": 18446744073709551616, "lr": 1e-05},  # 2**64
        {"big": 1.5e300, "lr": 1e-05},  # a float past 2**63: not told apart
    ],
)
def test_integers_past_64_bits_keep_every_digit(params):
    """orjson reads them as floats and cannot write them: that answer is
    written by DRF (json) as before, in the list as in the detail."""
    listed, detail, row = _list_and_detail(params)
    written = json.dumps(row["params"]["big"]).encode()
    for body in (listed, detail):
        assert b'"big":' + written in body
        assert b'"lr":1e-05' in body


@pytest.mark.parametrize(
    "value,exact",
    [
        ({"a": [1.5, -2, {"b": 2**70}]}, True),  # the integer: orjson refuses it
        ({"a": [{"b": float("nan")}]}, False),
        ({"a": float("inf")}, False),
        ({"a": 2.0**63}, False),
        ({"a": -(2.0**63)}, False),
        ({"a": 9.2e18}, True),
        ([], True),
    ],
)
def test_orjson_exact_finds_floats_orjson_would_write_otherwise(value, exact):
    assert orjson_exact(value) is exact


def test_exact_renderer_falls_back_to_drf_on_what_orjson_refuses():
    from rest_framework.renderers import JSONRenderer
    from rest_framework.response import Response

    from aimsite.api import ExactJSONRenderer

    data = {"a": 2**64, "b": 1e-05}
    response = Response(data)
    response.is_orjson_exact = True
    context = {"response": response}
    assert ExactJSONRenderer().render(data, None, context) == JSONRenderer().render(
        data
    )
    small = {"b": 1e-05}
    assert ExactJSONRenderer().render(small, None, context) == b'{"b":0.00001}'
    response.is_orjson_exact = False
    assert ExactJSONRenderer().render(small, None, context) == b'{"b":1e-05}'
