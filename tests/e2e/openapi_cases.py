"""Reading docs/openapi.json for the generated e2e suites: its operations, the smallest valid request body of
each, and an organisation with a real resource for each path parameter."""

import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from flare.fields import SLUG_PATTERN
from flare_local import openapi_spec
from tests.e2e.conftest import ROOT

SPEC = openapi_spec.committed()
METHODS = ("get", "put", "post", "patch", "delete")
# (METHOD, path) of every operation, e.g. ("PATCH", "/api/v1/incidents/{incident_id}").
_ALL = sorted((method.upper(), path) for path, item in SPEC["paths"].items() for method in item if method in METHODS)
# The native API (/api/v1), which the generated suites cover; the public status pages (/status/…) are read by
# anyone, need no ids made for them, and are tested on their own (tests/e2e/test_status_pages.py).
OPERATIONS = [operation for operation in _ALL if operation[1].startswith("/api/v1/")]
STATUS_PAGE_OPERATIONS = [operation for operation in _ALL if operation[1].startswith("/status/")]
PARAMETER = re.compile(r"\{(\w+)\}")
ID = re.compile(r"[a-z]+_[0-9A-HJKMNP-TV-Z]{26}")
PROBLEM_FIELDS = {"type", "title", "status", "detail", "request_id"}
_COUNTER = itertools.count(1)  # strings unique across the session (service names must be)
REFERENCE = re.compile(r"^\^([a-z]+)_")  # the pattern of an id field, e.g. ^svc_[0-9A-HJKMNP-TV-Z]{26}$
COLLECTIONS = {"svc": "/api/v1/services", "met": "/api/v1/metrics", "inc": "/api/v1/incidents"}
WEBHOOKS = "/api/v1/webhooks"
DELIVERIES = "/api/v1/webhooks/{webhook_id}/deliveries"  # made by the stack when an event is delivered, not by a POST

# Receivers (`/api/v1/integrations/<type>/{integration_id}`) take what their sender sends, not a schema of
# ours: each is sent a real payload of its sender (PagerDuty's signed with the integration's secret).
RECEIVER = re.compile(r"^/api/v1/integrations/(\w+)/\{integration_id\}$")
VENDORS = ROOT / "tests" / "fixtures" / "vendors"
RECEIVER_BODIES = {
    "alertmanager": VENDORS / "alertmanager" / "firing-single-alert.json",
    "grafana": VENDORS / "grafana" / "docs-example-firing-2-alerts.json",
    "pagerduty": VENDORS / "pagerduty" / "docs-incident.priority_updated.json",
    "opsgenie": VENDORS / "opsgenie" / "docs-action-Create.json",
}
DATADOG_BODY = {"alert_id": "42", "transition": "Triggered", "title": "Checkout p99 latency", "priority": "P2"}
PAGERDUTY_SECRET = "generated-suites-pagerduty-secret"


def operation_id(operation: tuple[str, str]) -> str:
    return f"{operation[0]} {operation[1]}"


def has_path_id(path: str) -> bool:
    return bool(PARAMETER.search(path))


def body_schema(method: str, path: str) -> dict | None:
    """The operation's JSON request body schema ($refs resolved), or None without a JSON body."""
    body = SPEC["paths"][path][method.lower()].get("requestBody")
    json_body = (body or {}).get("content", {}).get("application/json")
    return None if json_body is None else resolve(json_body["schema"])


def is_public(operation: tuple[str, str]) -> bool:
    """Served without an API key (`security: []`): the function authenticates the sender itself."""
    return SPEC["paths"][operation[1]][operation[0].lower()].get("security") == []


def object_schema(schema: dict) -> dict:
    """The object alternative of a body schema (`anyOf: [{$ref: X}, {type: null}]` → X)."""
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return object_schema(next(resolve(s) for s in schema[combinator] if resolve(s).get("type") != "null"))
    return schema


def header_names(method: str, path: str) -> set[str]:
    parameters = SPEC["paths"][path][method.lower()].get("parameters", [])
    return {p["name"].lower() for p in parameters if p.get("in") == "header"}


class Examples:
    """Values for a JSON schema: required properties only, strings unique and marked, times increasing (so
    that a start comes before an end: properties are filled in their `required` order, the model's)."""

    def __init__(self, marker: str, references: Callable[[str], str] | None = None) -> None:
        self.marker = marker
        self._base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        # id prefix (`svc`) → the id of a real resource of that kind, for required references like service_id
        self.references = references

    def value(self, schema: dict) -> Any:
        schema = resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                options = [resolve(option) for option in schema[combinator]]
                return self.value(next(option for option in options if option.get("type") != "null"))
        if "allOf" in schema:
            return self.value({k: v for part in schema["allOf"] for k, v in resolve(part).items()})
        kind = schema.get("type", "object")
        if kind == "object":
            properties = schema.get("properties", {})
            return {name: self.value(properties.get(name, {})) for name in schema.get("required", [])}
        if kind == "array":
            return [self.value(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
        if kind == "string":
            return self._string(schema)
        if kind in ("integer", "number"):
            return schema.get("minimum", 1)
        if kind == "boolean":
            return False
        raise AssertionError(f"no example for schema {schema}")

    def _string(self, schema: dict) -> str:
        n = next(_COUNTER)
        if schema.get("format") == "date-time":
            return (self._base + timedelta(hours=n)).isoformat().replace("+00:00", "Z")
        if schema.get("pattern") == SLUG_PATTERN:  # unique across the deployment, as a status page's slug must be
            return f"page-{n}-{uuid.uuid4().hex[:8]}"
        if schema.get("format") == "uri":  # a webhook's endpoint: loopback (the local stack allows it), refused at once
            return f"https://127.0.0.1:9/hooks/{n}"
        reference = REFERENCE.match(schema.get("pattern", ""))
        if reference and self.references:
            return self.references(reference.group(1))
        assert "pattern" not in schema, f"a required string with a pattern needs an example: {schema}"
        text = f"{self.marker} {n}"
        return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        target: Any = SPEC
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def request_body(method: str, path: str, examples: Examples) -> Any:
    if receiver := RECEIVER.match(path):
        kind = receiver.group(1)
        return DATADOG_BODY if kind == "datadog" else json.loads(RECEIVER_BODIES[kind].read_text())
    schema = body_schema(method, path)
    body = None if schema is None else examples.value(schema)
    if (method, path) == ("POST", WEBHOOKS):
        # Made disabled: the suites make hundreds of webhooks in one organisation, and each enabled one would be
        # sent every event of it (to an endpoint that refuses, retried for a day).
        body["enabled"] = False
    return body


def collection_of(path: str, parameter: str) -> str:
    """Where the resource that `parameter` names is made: `/api/v1/incidents/{incident_id}/messages`,
    `incident_id` → `/api/v1/incidents`; a path that names it elsewhere (`/api/v1/incidents/from-metric/
    {metric_id}`) → its own collection (`/api/v1/metrics`); a receiver's → `/api/v1/integrations/<type>`."""
    prefix = path.split("/{" + parameter + "}")[0]
    if "post" in SPEC["paths"].get(prefix, {}) or RECEIVER.match(prefix + "/{integration_id}") or prefix == DELIVERIES:
        return prefix
    return f"/api/v1/{parameter.removesuffix('_id')}s"


def send(api: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    """The request, its body as JSON (signed where the path is PagerDuty's receiver)."""
    if body is None:
        return api.request(method, path)
    content = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if path.startswith("/integrations/pagerduty/"):
        signature = hmac.new(PAGERDUTY_SECRET.encode(), content, hashlib.sha256).hexdigest()
        headers["X-PagerDuty-Signature"] = f"v1={signature}"
    return api.request(method, path, content=content, headers=headers)


class Organisation:
    """One organisation: a key, and one resource of each kind the spec's path parameters name (made on first
    use, by POST on its collection with the smallest valid body)."""

    def __init__(self, stack, key: str, marker: str):
        self.stack, self.key = stack, key
        self.examples = Examples(marker, references=lambda prefix: self.id_in(COLLECTIONS[prefix]))
        self.ids: dict[str, str] = {}  # collection → the id of a resource in it

    def path(self, path: str) -> str:
        """The operation's path with this organisation's ids, relative to /api/v1."""
        filled = PARAMETER.sub(lambda match: self.id_in(collection_of(path, match.group(1))), path)
        return filled.removeprefix("/api/v1")

    def id_in(self, collection: str) -> str:
        if collection not in self.ids:
            self.ids[collection] = self._create(collection)
        return self.ids[collection]

    def _create(self, collection: str) -> str:
        if collection == DELIVERIES:
            return self._delivery()
        if receiver := RECEIVER.match(collection + "/{integration_id}"):  # an integration of the receiver's type
            kind = receiver.group(1)
            body = {"type": kind, "name": self.examples.marker} | (
                {"signing_secret": PAGERDUTY_SECRET} if kind == "pagerduty" else {}
            )
            collection = "/api/v1/integrations"
        else:
            assert "post" in SPEC["paths"].get(collection, {}), f"no POST {collection} to make ids in it"
            body = request_body("POST", collection, self.examples)
        with self.stack.client(self.key) as api:
            created = api.post(collection.removeprefix("/api/v1"), json=body)
        assert created.status_code == 201, f"POST {collection}: {created.status_code} {created.text}"
        made = created.json()["id"]
        assert ID.fullmatch(made), f"POST {collection} made {made!r}, not a prefixed ULID"
        return made

    def _delivery(self) -> str:
        """A delivery of this organisation's webhook: nothing makes one but an event, which the stack's pipeline
        (stream → publisher → queue → deliverer) delivers within a moment of the change."""
        webhook = self.id_in(WEBHOOKS)
        with self.stack.client(self.key) as api:
            listening = {"enabled": True, "event_types": ["incident.created"]}
            assert api.patch(f"/webhooks/{webhook}", json=listening).status_code == 200
            assert api.post("/incidents", json={"title": f"{self.examples.marker} for a delivery"}).status_code == 201
            deadline = time.monotonic() + 30
            while not (listed := api.get(f"/webhooks/{webhook}/deliveries").json()["deliveries"]):
                assert time.monotonic() < deadline, f"webhook {webhook} got no delivery within 30 s"
                time.sleep(0.1)
            assert api.patch(f"/webhooks/{webhook}", json={"enabled": False}).status_code == 200
        return listed[0]["id"]


def organisation(stack, key: str, marker: str) -> Organisation:
    """An organisation with a resource of every kind already made (so lists have something to leak)."""
    made = Organisation(stack, key, marker)
    for _, path in OPERATIONS:
        made.path(path)
    return made


def assert_problem(response: httpx.Response, status: int | None = None) -> None:
    """An RFC 9457 problem with this status (None: any 4xx)."""
    if status is None:
        assert 400 <= response.status_code < 500, f"{response.status_code} {response.text}"
    else:
        assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers["Content-Type"].split(";")[0] == "application/problem+json", response.headers
    problem = response.json()
    assert problem.keys() >= PROBLEM_FIELDS, problem
    assert problem["status"] == response.status_code, problem
    assert all(isinstance(problem[field], str) and problem[field] for field in PROBLEM_FIELDS - {"status"}), problem
