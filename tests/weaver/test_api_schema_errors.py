"""The schema describes the answers as they are sent: lists, 400 bodies field by field, 403s."""

import pytest
from drf_spectacular.generators import SchemaGenerator

BASE = "/api/v1/networks/{network_slug}"
WRITES = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def documented_validation_errors(schema, path, method) -> dict[str, set[str]]:
    """{attr: codes} of the validation errors an operation's 400 documents."""
    body = resolve(
        schema, schema["paths"][path][method]["responses"]["400"]["content"]["application/json"]["schema"]
    )
    [validation] = [resolve(schema, s) for s in body["oneOf"] if "Validation" in s["$ref"]]
    errors = resolve(schema, validation["properties"]["errors"]["items"])
    found = {}
    for option in errors["oneOf"]:
        error = resolve(schema, option)
        attr = error["properties"]["attr"]
        for name in attr.get("enum", [attr.get("pattern")]):
            found[name] = set(resolve(schema, error["properties"]["code"])["enum"])
    return found


def test_the_ranking_is_documented_as_the_one_list_it_is(schema):
    response = schema["paths"][f"{BASE}/rounds/{{id}}/ranking/"]["get"]["responses"]["200"]
    body = response["content"]["application/json"]["schema"]
    assert body["type"] == "array" and body["items"]["$ref"].endswith("/ProposalRank")


def test_every_write_documents_its_400_and_403(schema):
    writes = [(path, method) for path, item in schema["paths"].items() for method in item if method in WRITES]
    assert len(writes) > 40
    for path, method in writes:
        responses = schema["paths"][path][method]["responses"]
        assert {"400", "403"} <= set(responses), (method, path)
        non_field = documented_validation_errors(schema, path, method)["non_field_errors"]
        assert {"invalid", "unknown_field", "read_only"} <= non_field, (method, path)


def test_declining_documents_the_service_s_refusals_and_the_reason_field(schema):
    errors = documented_validation_errors(schema, f"{BASE}/proposals/{{id}}/decline/", "post")
    assert "invalid" in errors["non_field_errors"] and "invalid" in errors["reason"]


def test_submitting_documents_403_and_each_eligibility_rule_s_field(schema):
    operation = schema["paths"][f"{BASE}/proposals/{{id}}/submit/"]["post"]
    assert "403" in operation["responses"]
    errors = documented_validation_errors(schema, f"{BASE}/proposals/{{id}}/submit/", "post")
    assert {"amount", "partners", "lead", "is_new_project", "non_field_errors"} <= set(errors)


def test_assigning_reviewers_documents_the_service_s_refusal(schema):
    errors = documented_validation_errors(schema, f"{BASE}/rounds/{{id}}/assign-reviewers/", "post")
    assert "invalid" in errors["non_field_errors"]
