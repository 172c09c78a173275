import pytest

from tests.helpers.clients import signed_in_client

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_the_ingest_endpoints(api):
    answer = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    for path in [
        "/api/v1/runs/",
        "/api/v1/runs/{hash}/track",
        "/api/v1/runs/{hash}/objects",
        "/api/v1/runs/{hash}/metrics/{series_id}/points",
        "/api/v1/experiments/",
        "/api/v1/tags/",
    ]:
        assert any(p.rstrip("/") == path.rstrip("/") for p in paths), path


def test_api_docs_page_is_served_without_a_cdn(user):
    client = signed_in_client(user)
    answer = client.get("/api/docs/")
    assert answer.status_code == 200
    assert b"swagger-ui" in answer.content
    assert b"cdn.jsdelivr" not in answer.content and b"unpkg" not in answer.content
