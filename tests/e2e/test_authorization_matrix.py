"""Every operation of docs/openapi.json × every way a caller can be refused, on the running local stack.

Generated from the spec: an operation added later is covered without editing this file, provided that

- its scope fits a rule of SCOPE_RULES (else `test_every_operation_declares_its_scope` fails and names it:
  add the rule, which is the route's documented scope), and
- each path parameter is `<kind>_id` with a collection `…/<kinds>` that creates one with POST (the id of a
  created resource is read from its `id`), which is how Flare names its routes.

Request bodies are the smallest the schema allows (required properties only), so a refused request is
refused for who sent it, not for what it said: the control test shows each one succeeds with a key that
may do it.

| caller | expected |
| --- | --- |
| no Authorization header | 401 |
| malformed key | 401 |
| well-formed key that does not exist | 401 |
| revoked key | 401 (at once: the local stack has no authorizer cache) |
| key of this organisation lacking the operation's scope | 403 |
| another organisation's key, on this organisation's ids | 404 |
| this organisation's key, on another organisation's ids | 404 |
| another organisation's key, on an operation without a path id | its own answer, never this org's data |

Every 401/403/404 is an RFC 9457 problem (application/problem+json with type, title, status, detail and
request_id).
"""

import uuid

import httpx
import pytest

from flare.access import auth
from tests.e2e.conftest import ALL_SCOPES, create_key
from tests.e2e.openapi_cases import (
    OPERATIONS as ALL_OPERATIONS,
)
from tests.e2e.openapi_cases import (
    STATUS_PAGE_OPERATIONS,
    Organisation,
    assert_problem,
    has_path_id,
    is_public,
    operation_id,
    organisation,
    request_body,
    send,
)

RECEIVER_KINDS = ("alertmanager", "grafana", "datadog", "pagerduty", "opsgenie")
# Public operations of the native API take no API key: Slack's slash commands (their senders sign requests, tested
# on their own). The status pages' readers need none either (STATUS_PAGE_OPERATIONS).
OPERATIONS = [operation for operation in ALL_OPERATIONS if not is_public(operation)]
PUBLIC_OPERATIONS = [operation for operation in ALL_OPERATIONS if is_public(operation)]

# The scope each operation needs, by (methods, path prefix): the first rule that matches wins. These are the
# documented scopes (README, "API summary"); a route that fits no rule fails the test until a rule says its
# scope, so nobody adds an endpoint without deciding who may call it.
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SCOPE_RULES: list[tuple[set[str], str, str]] = [
    ({"GET", *WRITES}, "/api/v1/api-keys", "admin"),
    *(({"POST"}, f"/api/v1/integrations/{kind}", "write:incidents") for kind in RECEIVER_KINDS),
    ({"GET", *WRITES}, "/api/v1/integrations", "admin"),
    ({"GET"}, "/api/v1/metrics", "read:incidents"),
    (WRITES, "/api/v1/metrics", "admin"),
    ({"GET"}, "/api/v1/incidents", "read:incidents"),
    ({"GET"}, "/api/v1/services", "read:incidents"),
    ({"GET"}, "/api/v1/maintenances", "read:incidents"),
    (WRITES, "/api/v1/incidents", "write:incidents"),
    (WRITES, "/api/v1/services", "admin"),
    (WRITES, "/api/v1/maintenances", "write:maintenances"),
    ({"GET"}, "/api/v1/status-pages", "read:incidents"),
    (WRITES, "/api/v1/status-pages", "admin"),
    ({"GET", *WRITES}, "/api/v1/webhooks", "admin"),
]

MARKER = f"authz-marker-{uuid.uuid4().hex[:12]}"


def scope_of(method: str, path: str) -> str | None:
    for methods, prefix, scope in SCOPE_RULES:
        if method in methods and (path == prefix or path.startswith(prefix + "/")):
            return scope
    return None


# ---- the organisations and their keys --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(fuzz_stack, fuzz_key) -> Organisation:
    return organisation(fuzz_stack, fuzz_key, MARKER)


@pytest.fixture(scope="module")
def other(fuzz_stack, other_organisation) -> Organisation:
    return organisation(fuzz_stack, other_organisation.api_key, "other organisation")


@pytest.fixture(scope="module")
def revoked_key(fuzz_stack, served_spec, fuzz_key) -> str:
    created = create_key(fuzz_stack, served_spec, ALL_SCOPES, f"{MARKER} revoked")
    with fuzz_stack.client(fuzz_key) as api:
        assert api.delete(f"/api-keys/{created['id']}").status_code == 204
    return created["key"]


@pytest.fixture(scope="module")
def key_lacking(fuzz_stack, served_spec, fuzz_key, fuzz_table):
    """scope → a demo-organisation key with every scope but that one (and none that implies it)."""
    keys: dict[str, str] = {}

    def lacking(scope: str) -> str:
        if scope not in keys:
            others = [s for s in auth.SCOPES if scope not in auth.effective_scopes([s])]
            if others:
                keys[scope] = create_key(fuzz_stack, served_spec, others, f"{MARKER} without {scope}")["key"]
            else:
                # Every scope the API grants implies this one (read:incidents): only a key stored with no
                # scope at all lacks it, which shows that each function still checks it.
                keys[scope] = stored_key_without_scopes(fuzz_key, fuzz_table)
        return keys[scope]

    return lacking


def stored_key_without_scopes(fuzz_key: str, fuzz_table) -> str:
    """A copy of the fuzz key's item with a new id and secret and no scopes, written straight to the table."""
    template = fuzz_table.client.get_item(
        TableName=fuzz_table.name, Key={"PK": {"S": f"KEY#{auth.split_key(fuzz_key)[0]}"}, "SK": {"S": "KEY"}}
    )["Item"]
    key_id, secret, full_key = auth.new_key()
    item = template | {
        "PK": {"S": f"KEY#{key_id}"},
        "GSI1SK": {"S": key_id},
        "id": {"S": key_id},
        "name": {"S": f"{MARKER} no scopes"},
        "scopes": {"L": []},
        "secret_hash": {"S": auth.hash_secret(secret)},
    }
    fuzz_table.client.put_item(TableName=fuzz_table.name, Item=item)
    return full_key


# ---- the matrix ---------------------------------------------------------------------------------------

CALLERS = {
    "no key": 401,
    "malformed key": 401,
    "unknown key": 401,
    "revoked key": 401,
    "key lacking the scope": 403,
    "another organisation's key": 404,
    "another organisation's ids": 404,
}
CASES = [
    (operation, caller)
    for operation in OPERATIONS
    for caller in CALLERS
    # Without a path id there is no other organisation's id to name.
    if caller != "another organisation's ids" or has_path_id(operation[1])
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=operation_id)
def test_every_operation_declares_its_scope(operation):
    assert scope_of(*operation), f"{operation_id(operation)} fits no SCOPE_RULES rule: add one with its scope"


@pytest.mark.parametrize(("operation", "caller"), CASES, ids=[f"{operation_id(o)} - {c}" for o, c in CASES])
def test_refused(operation, caller, fuzz_stack, demo, other, revoked_key, key_lacking):
    method, path = operation
    scope = scope_of(method, path)
    assert scope, f"{operation_id(operation)} fits no SCOPE_RULES rule: add one with its scope"
    key, owner, sender = {
        "no key": ("", demo, demo),
        "malformed key": ("flare_not-a-key", demo, demo),
        "unknown key": (auth.new_key()[2], demo, demo),
        "revoked key": (revoked_key, demo, demo),
        "key lacking the scope": (key_lacking(scope), demo, demo),
        "another organisation's key": (other.key, demo, other),
        "another organisation's ids": (demo.key, other, demo),
    }[caller]
    body = request_body(method, path, sender.examples)
    with fuzz_stack.client(key) as api:
        response = send(api, method, owner.path(path), body)

    if caller == "another organisation's key" and not has_path_id(path):
        # A list or a create: the other organisation's own answer, with nothing of this organisation in it.
        assert 200 <= response.status_code < 300, response.text
        assert MARKER not in response.text
        assert not any(own_id in response.text for own_id in demo.ids.values()), response.text
    else:
        assert_problem(response, CALLERS[caller])


@pytest.fixture(scope="module")
def key_with_just(fuzz_stack, served_spec):
    """scope → a demo-organisation key with that scope alone."""
    keys: dict[str, str] = {}

    def just(scope: str) -> str:
        if scope not in keys:
            keys[scope] = create_key(fuzz_stack, served_spec, [scope], f"{MARKER} only {scope}")["key"]
        return keys[scope]

    return just


@pytest.mark.parametrize("operation", OPERATIONS, ids=operation_id)
def test_control_a_key_with_just_the_scope_gets_through(operation, fuzz_stack, fuzz_key, key_with_just):
    """The refusals above are for the caller, not the request: with a key holding only the operation's scope
    and fresh resources (the request may change or delete them), the same request gets through."""
    method, path = operation
    scope = scope_of(method, path)
    assert scope, f"{operation_id(operation)} fits no SCOPE_RULES rule: add one with its scope"
    owner = Organisation(fuzz_stack, fuzz_key, MARKER)
    body = request_body(method, path, owner.examples)
    with fuzz_stack.client(key_with_just(scope)) as api:
        response = send(api, method, owner.path(path), body)
    # 409: the resource's state refuses the action (completing a maintenance that has not started), which is
    # decided after the caller was let in.
    assert 200 <= response.status_code < 300 or response.status_code == 409, response.text


@pytest.mark.parametrize("operation", STATUS_PAGE_OPERATIONS, ids=operation_id)
def test_status_page_routes_need_no_key_and_a_key_opens_nothing_more(operation, fuzz_stack, fuzz_key):
    """Readers of status pages carry no key; a key (any organisation's) changes nothing: a slug no page has is a
    404 either way, in the route's own media."""
    method, path = operation
    url = fuzz_stack.base_url + path.replace("{slug}", f"no-page-{MARKER}").replace("{record}", "INC-1")
    for headers in ({}, {"Authorization": f"Bearer {fuzz_key}"}):
        response = httpx.request(method, url, headers=headers)
        assert response.status_code == 404, response.text
        if path.endswith(".json"):
            assert_problem(response, 404)
        else:
            assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("operation", PUBLIC_OPERATIONS, ids=operation_id)
def test_public_operations_refuse_unsigned_requests_even_with_a_key(operation, fuzz_stack, fuzz_key):
    method, path = operation
    with fuzz_stack.client(fuzz_key) as api:
        response = api.request(
            method,
            path.removeprefix("/api/v1"),
            content=b"team_id=T0NOTEAM&user_id=U1&text=status",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert_problem(response, 401)
