"""Reading docs/openapi.json for the generated e2e suites: its operations, the smallest valid request body of
each, and an organisation with a real resource for each path parameter."""

import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import ROOT

SPEC = json.loads((ROOT / "docs" / "openapi.json").read_text())
METHODS = ("get", "put", "post", "patch", "delete")
# (METHOD, path) of every operation, e.g. ("PATCH", "/api/v1/incidents/{incident_id}").
OPERATIONS = sorted(
    (method.upper(), path) for path, item in SPEC["paths"].items() for method in item if method in METHODS
)
PARAMETER = re.compile(r"\{(\w+)\}")
ID = re.compile(r"[a-z]+_[0-9A-HJKMNP-TV-Z]{26}")
PROBLEM_FIELDS = {"type", "title", "status", "detail", "request_id"}
_COUNTER = itertools.count(1)  # strings unique across the session (service names must be)


def operation_id(operation: tuple[str, str]) -> str:
    return f"{operation[0]} {operation[1]}"


def has_path_id(path: str) -> bool:
    return bool(PARAMETER.search(path))


def body_schema(method: str, path: str) -> dict | None:
    """The operation's JSON request body schema ($refs resolved), or None without a body."""
    body = SPEC["paths"][path][method.lower()].get("requestBody")
    return None if body is None else resolve(body["content"]["application/json"]["schema"])


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

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self._base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)

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
    body = SPEC["paths"][path][method.lower()].get("requestBody")
    if body is None:
        return None
    return examples.value(body["content"]["application/json"]["schema"])


def collection_of(path: str, parameter: str) -> str:
    """`/api/v1/incidents/{incident_id}/messages`, `incident_id` → `/api/v1/incidents`."""
    return path.split("/{" + parameter + "}")[0]


class Organisation:
    """One organisation: a key, and one resource of each kind the spec's path parameters name (made on first
    use, by POST on its collection with the smallest valid body)."""

    def __init__(self, stack, key: str, marker: str):
        self.stack, self.key = stack, key
        self.examples = Examples(marker)
        self.ids: dict[str, str] = {}

    def path(self, path: str) -> str:
        """The operation's path with this organisation's ids, relative to /api/v1."""

        def fill(match: re.Match) -> str:
            parameter = match.group(1)
            if parameter not in self.ids:
                self.ids[parameter] = self._create(collection_of(path, parameter))
            return self.ids[parameter]

        return PARAMETER.sub(fill, path).removeprefix("/api/v1")

    def _create(self, collection: str) -> str:
        assert "post" in SPEC["paths"].get(collection, {}), f"no POST {collection} to make ids for {collection}/{{…}}"
        with self.stack.client(self.key) as api:
            created = api.post(collection.removeprefix("/api/v1"), json=request_body("POST", collection, self.examples))
        assert created.status_code == 201, f"POST {collection}: {created.status_code} {created.text}"
        made = created.json()["id"]
        assert ID.fullmatch(made), f"POST {collection} made {made!r}, not a prefixed ULID"
        return made


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
