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


def _schema(api) -> dict:
    return api.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_in_the_one_error_shape(api):
    schema = _schema(api)
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert responses["401"]["content"]["application/json"]["schema"] == error
        if "{" in path:
            assert "404" in responses, (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert "403" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), (method, path)


def test_request_bodies_refuse_unknown_fields_and_blank_names(api):
    components = _schema(api)["components"]["schemas"]
    experiment = components["ExperimentRequest"]
    assert experiment["additionalProperties"] is False
    assert experiment["properties"]["name"]["pattern"] == (
        "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
    )
    assert components["RunTagsRequest"]["anyOf"] == [
        {"required": ["names"]},
        {"required": ["ids"]},
    ]


def test_the_records_page_is_documented_as_the_pages_read_it(api):
    operation = _schema(api)["paths"]["/api/v1/objects/sequences/{sequence_id}/records"]
    schema = operation["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"] == {"$ref": "#/components/schemas/RecordsPage"}
    page = _schema(api)["components"]["schemas"]["RecordsPage"]
    assert page["properties"]["records"]["type"] == "array"
    assert page["properties"]["has_more"]["type"] == "boolean"
