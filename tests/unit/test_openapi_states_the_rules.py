"""The OpenAPI document states the rules the server enforces (clients generate validation from it): the
Idempotency-Key's length and characters, If-Match's syntax, and PATCH fields that take no null."""

import re

import pytest

from flare.alerting.models import SIGNING_TYPES
from flare.errors import BadRequest, PreconditionFailed
from flare.preconditions import check_if_match
from flare_local import openapi_spec

SPEC = openapi_spec.committed()
OPERATIONS = [(path, method, operation) for path, item in SPEC["paths"].items() for method, operation in item.items()]


def header(operation: dict, name: str) -> dict | None:
    return next((p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"].lower() == name), None)


def string_schema(parameter: dict) -> dict:
    schema = parameter["schema"]
    return next(choice for choice in schema.get("anyOf", [schema]) if choice.get("type") == "string")


def test_every_idempotency_key_is_documented_with_its_limits():
    keyed = [(path, op) for path, method, op in OPERATIONS if header(op, "idempotency-key")]
    assert len(keyed) >= 10
    for path, operation in keyed:
        schema = string_schema(header(operation, "idempotency-key"))
        assert (schema["minLength"], schema["maxLength"]) == (1, 255), path
        assert re.fullmatch(schema["pattern"], "retry-1") and not re.fullmatch(schema["pattern"], "tab\tinside"), path


@pytest.mark.parametrize(
    ("value", "outcome"), [('"3"', "ok"), ('W/"3"', "ok"), ("*", "ok"), ('"2"', "stale"), ("abc", "bad")]
)
def test_if_match_is_documented_as_the_server_reads_it(value, outcome):
    (path, operation) = next((path, op) for path, method, op in OPERATIONS if header(op, "if-match"))
    documented = string_schema(header(operation, "if-match")) | header(operation, "if-match")["schema"]

    assert bool(re.fullmatch(documented["pattern"], value)) is (outcome != "bad"), path
    if outcome == "ok":
        check_if_match(value, 3)
    else:
        with pytest.raises(PreconditionFailed if outcome == "stale" else BadRequest):
            check_if_match(value, 3)


def test_patch_bodies_offer_no_null_but_where_null_means_absent():
    patch_schemas = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for _path, method, operation in OPERATIONS
        if method == "patch"
    }
    assert patch_schemas == {
        "UpdateIncidentRequest",
        "UpdateIntegrationRequest",
        "UpdateMaintenanceRequest",
        "UpdateMetricRequest",
        "UpdateServiceRequest",
        "UpdateStatusPageRequest",
        "UpdateWebhookRequest",
    }
    for name in patch_schemas:
        for field, schema in SPEC["components"]["schemas"][name]["properties"].items():
            nullable = {"type": "null"} in schema.get("anyOf", [])
            null_means_absent = (name, field) in {
                ("UpdateIncidentRequest", "status"),
                ("UpdateIncidentRequest", "message"),
            }
            assert nullable is null_means_absent, (name, field)


def test_cross_field_rules_are_written_down():
    schemas = SPEC["components"]["schemas"]

    assert "scheduled_start_at" in schemas["CreateMaintenanceRequest"]["properties"]["scheduled_end_at"]["description"]
    assert "status" in schemas["CreateIncidentRequest"]["properties"]["initial_message"]["description"]
    assert "required with status" in schemas["UpdateIncidentRequest"]["properties"]["message"]["description"]
    update_maintenance = schemas["UpdateMaintenanceRequest"]["properties"]
    assert "scheduled_end_at" in update_maintenance["scheduled_start_at"]["description"]
    assert "scheduled_start_at" in update_maintenance["scheduled_end_at"]["description"]
    integration = schemas["CreateIntegrationRequest"]["properties"]
    assert "required for slack" in integration["team_id"]["description"].casefold()
    secret_rule = integration["signing_secret"]["description"]
    for kind, required in SIGNING_TYPES.items():  # every type that signs, and whether its secret is required
        assert re.search(rf"{'required' if required else 'optional'} for [^;]*\b{kind}\b", secret_rule), kind
    assert re.search(r"refused for [^;]*\balertmanager\b", secret_rule)
    for field in ("bot_token", "incoming_webhook_url"):
        assert "Not with" in integration[field]["description"]
    assert "required with bot_token" in integration["default_channel"]["description"]
