"""Flare's OpenAPI document, generated from the handlers' code (Powertools' OpenAPI merge).

python -m flare_local.openapi_spec            # write docs/openapi.json
python -m flare_local.openapi_spec --check    # exit 1 when docs/openapi.json is out of date
"""

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "docs" / "openapi.json"


def committed() -> dict:
    """docs/openapi.json as committed: what the local stack serves and the generated test suites read."""
    return json.loads(SPEC_PATH.read_text())


def build() -> dict:
    os.environ.setdefault("TABLE_NAME", "flare-openapi")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # List handlers read their cursor secret when imported; the spec build only reads their routes.
    os.environ.setdefault("CURSOR_SECRET", "openapi-build")
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    merge = OpenAPIMerge(
        title="Flare",
        version="1.0.0",
        openapi_version="3.1.0",
        description="The incidents API for alerting tools and ChatOps. Errors are RFC 9457 problems "
        "(application/problem+json).",
        security_schemes={"bearer": HTTPBearer(description="flare_<key id>_<secret>")},
        security=[{"bearer": []}],
        on_conflict="error",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a handler that fails to load must fail the build, not vanish
        # Every HTTP function's file assigns its resolver, `app = APIGatewayRestResolver(...)`: discovered.
        merge.discover(ROOT / "functions", pattern="*.py", recursive=True, project_root=ROOT)
        spec = json.loads(merge.get_openapi_json_schema())
    return _with_webhooks(_with_public_routes(_with_problem_responses(spec)))


WEBHOOK_HEADERS = {
    "webhook-id": "The event's id (evt_…): the same on every attempt, the receiver's idempotency key",
    "webhook-timestamp": "When this attempt was signed, in seconds since 1970 (refuse old ones: replays)",
    "webhook-signature": "v1,<base64 HMAC-SHA256>, space-separated, one per live secret (Standard Webhooks)",
}


def _with_webhooks(spec: dict) -> dict:
    """What Flare sends (OpenAPI 3.1 `webhooks`): one entry per event type of the catalogue, the body a Standard
    Webhooks payload `{type, timestamp, data}` whose `data` is the type's (flare.events.catalogue)."""
    from flare.events.catalogue import CATALOGUE, webhook_payload_schema

    schemas = spec["components"]["schemas"]
    spec["webhooks"] = {}
    for event_type, (_model, description) in CATALOGUE.items():
        schema, definitions = webhook_payload_schema(event_type, "#/components/schemas/{model}")
        for name, definition in definitions.items():
            # A model the API answers with already has its schema there (the same class: names are unique).
            schemas.setdefault(name, definition)
        spec["webhooks"][event_type] = {
            "post": {
                "summary": event_type,
                "description": description,
                "operationId": "webhook_" + event_type.replace(".", "_"),
                "tags": ["events"],
                "parameters": [
                    {"name": name, "in": "header", "required": True, "description": text, "schema": {"type": "string"}}
                    for name, text in WEBHOOK_HEADERS.items()
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
                "responses": {
                    "2XX": {"description": "Delivered"},
                    "410": {"description": "Gone: Flare disables the subscription"},
                    "429": {"description": "Retried later (Retry-After is honoured)"},
                    "5XX": {"description": "Retried later (the schedule in docs/events.md)"},
                },
            }
        }
    return spec


def _with_public_routes(spec: dict) -> dict:
    """Routes served without the authorizer need no API key: `security: []`."""
    from flare_local.template import load_template, public_routes

    for _function, path, method in public_routes(load_template(ROOT / "template.yaml")):
        if method == "any":  # the 405 function's ANY on a public path is not an operation of the document
            continue
        operation = spec["paths"][path][method]
        operation["security"] = []
        if path.startswith("/status/"):  # status pages: no key to refuse, and pages (not only problems)
            for status in ("401", "403"):
                operation["responses"].pop(status, None)
            html = not path.endswith(".json")
            operation["responses"]["404"] = {
                "description": "No status page at this slug (or nothing of it at this address)",
                "content": {"text/html": {}} if html else operation["responses"]["404"]["content"],
            }
            if html:  # a malformed parameter (history's month) is a page too
                operation["responses"]["400"] = {"description": "A malformed parameter", "content": {"text/html": {}}}
            operation["responses"]["304"] = {
                "description": "Not Modified: the reader's copy (If-None-Match) is current"
            }
    return spec


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "request_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "422 only: one entry per invalid field",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
# Answers any operation may give, besides its own (docs/api.md explains each).
PROBLEM_STATUSES = {
    "400": "Malformed JSON or cursor",
    "401": "Missing, malformed, unknown or revoked API key",
    "403": "The API key lacks the route's scope",
    "404": "Not found (also another organisation's resource)",
    "422": "Validation failed: `errors` names each field",
    "429": "The API key's rate limit is used up; retry after Retry-After seconds",
    "503": "A dependency is unavailable; retry after Retry-After seconds",
}
BODY_PROBLEMS = {"413": "Body too large", "415": "Body is not JSON"}
# Answers of every operation that changes something: the resource's state (or a name or another resource it
# depends on) forbids the change.
WRITE_METHODS = {"post", "put", "patch", "delete"}
WRITE_PROBLEMS = {"409": "Conflict: the current state forbids this change (`detail` says why)"}
# Answers of every operation that takes If-Match.
IF_MATCH_PROBLEMS = {"412": "If-Match names a version that is no longer current"}


def _with_problem_responses(spec: dict) -> dict:
    """Declare Flare's RFC 9457 problems in place of Powertools' default 422 shape."""
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if "204" in responses:
                responses["204"] = {"description": "No content"}
            headers = {p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"}
            statuses = (
                PROBLEM_STATUSES
                | (BODY_PROBLEMS if "requestBody" in operation else {})
                | (WRITE_PROBLEMS if method in WRITE_METHODS else {})
                | (IF_MATCH_PROBLEMS if "if-match" in headers else {})
            )
            for status, description in statuses.items():
                responses[status] = {"description": description, "content": problem}
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    return spec


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when the committed spec differs")
    args = parser.parse_args()
    spec = render()
    if args.check:
        if not SPEC_PATH.exists() or SPEC_PATH.read_text() != spec:
            print(f"{SPEC_PATH} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    SPEC_PATH.parent.mkdir(exist_ok=True)
    SPEC_PATH.write_text(spec)
    print(f"wrote {SPEC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
