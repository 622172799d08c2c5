"""Shared fixtures: an embedded DynamoDB (moto behind one lock), a fresh table per test, organisations, and
`invoke`, which runs a function's handler on its events/ sample event the way API Gateway would."""

import base64
import copy
import importlib
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flare_local.dynamodb import DUMMY_AWS_ENVIRON, LockedMotoServer, create_secret, create_table_from_template

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
FUNCTIONS = ROOT / "functions"
INTEGRATION = ROOT / "tests" / "integration"


# ---- IAM: every AWS call a function makes in this session, for tests/integration/test_iam.py ------------------


def pytest_configure(config):
    from tests.support.iam import Recorder

    # Before any client exists: clients copy the default session's event hooks when they are created.
    config.iam_recorder = Recorder()
    config.iam_recorder.start()
    config.addinivalue_line("markers", "after_suite: runs after every other test (it reads what they did)")


def pytest_collection_modifyitems(config, items):
    """`after_suite` tests go last; `config.whole_integration_suite` says whether every integration test module
    was collected (a partial run cannot show that every function's calls were checked)."""
    items.sort(key=lambda item: item.get_closest_marker("after_suite") is not None)
    collected = {Path(str(item.path)) for item in items}
    config.whole_integration_suite = set(INTEGRATION.glob("test_*.py")) <= collected and not (
        config.getoption("keyword") or config.getoption("markexpr")
    )


@pytest.fixture(scope="session")
def dynamodb():
    """One locked moto server for the session (tables are per test)."""
    with LockedMotoServer() as server:
        server.cursor_secret_arn = create_secret(server.client("secretsmanager"), "flare-test-cursor")
        yield server


@pytest.fixture
def table(dynamodb, monkeypatch):
    """A fresh table made from template.yaml's definition; the store points at it."""
    from flare import clock
    from flare.store import client as client_store

    for name, value in DUMMY_AWS_ENVIRON.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    name = f"flare-test-{uuid.uuid4().hex[:8]}"
    client = dynamodb.client()
    create_table_from_template(client, name, ROOT / "template.yaml")
    monkeypatch.setenv("TABLE_NAME", name)
    monkeypatch.setenv("LOCAL_AWS_ENDPOINT_URL", dynamodb.endpoint_url)
    # As deployed: list functions read the cursor secret from Secrets Manager (moto's) at cold start.
    monkeypatch.setenv("CURSOR_SECRET_ARN", dynamodb.cursor_secret_arn)
    client_store.reset_client()
    yield Table(name, client)
    clock.set_clock(None)
    client_store.reset_client()
    client.delete_table(TableName=name)


@dataclass
class Table:
    name: str
    client: Any

    def items(self) -> list[dict]:
        """Every item but rate-limit counters, which every request moves (a test may Scan; the product never
        does)."""
        items, start = [], {}
        while True:
            page = self.client.scan(TableName=self.name, ConsistentRead=True, **start)
            items += [item for item in page["Items"] if not item["PK"]["S"].startswith("RATE#")]
            if "LastEvaluatedKey" not in page:
                return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


@pytest.fixture
def org(table):
    from flare.access.organisations import create_organisation

    return create_organisation("acme")


@pytest.fixture
def other_org(table):
    from flare.access.organisations import create_organisation

    return create_organisation("globex")


# ---- invoking functions as API Gateway does ---------------------------------------------------------------


def handler_of(function: str):
    """The `handler` of functions/<function>/<function>.py (module names are unique, as in Lambda); what it does
    is recorded as that function's (tests/integration/test_iam.py)."""
    from flare_local.serving import running

    if function not in sys.modules:
        sys.path.insert(0, str(FUNCTIONS / function))
    with running(function):  # its cold start too (list functions read their cursor secret)
        handler = importlib.import_module(function).handler

    def run(event, context):
        with running(function):
            return handler(event, context)

    return run


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def problem_fields(self) -> list[str]:
        return [error["field"] for error in self.body.get("errors", [])]


class LambdaContext:
    function_name = "flare-test"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:flare-test"
    aws_request_id = "test-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 15_000


def _public_functions() -> frozenset[str]:
    """Functions whose route has no authorizer in template.yaml."""
    from flare_local.template import load_template, public_routes

    return frozenset(function for function, _path, _method in public_routes(load_template(ROOT / "template.yaml")))


PUBLIC_FUNCTIONS = _public_functions()


def authorize(api_key: str | None, method: str = "GET", path: str = "/api/v1/incidents") -> dict | None:
    """The authorizer's context for this key, or None where API Gateway would answer 401."""
    if not api_key:
        return None
    event = json.loads((EVENTS / "authorize_request.json").read_text())
    event["headers"] = {"Authorization": f"Bearer {api_key}"}
    event["multiValueHeaders"] = {"Authorization": [f"Bearer {api_key}"]}
    event["methodArn"] = f"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/live/{method}{path}"
    try:
        policy = handler_of("authorize_request")(event, LambdaContext())
    except Exception as error:
        assert str(error) == "Unauthorized"
        return None
    return policy["context"] | {"principalId": policy["principalId"]}


def invoke(
    function: str,
    api_key: str | None,
    *,
    path_params: dict[str, str] | None = None,
    body: Any = "<sample>",
    raw_body: str | None = None,
    raw_bytes: bytes | None = None,
    query: dict[str, list[str] | str] | None = None,
    headers: dict[str, str] | None = None,
    route: tuple[str, str] | None = None,
) -> Reply:
    """Run `function` on its events/ sample event with this key's authorization (as API Gateway would:
    authorizer first, 401 without it), these path parameters, body and query; `route` (method, resource)
    re-aims the sample at another route of the function."""
    event = copy.deepcopy(json.loads((EVENTS / f"{function}.json").read_text()))
    if route is not None:
        event["httpMethod"], event["resource"] = route
        event["requestContext"] |= {"httpMethod": route[0], "resourcePath": route[1]}
    if function not in PUBLIC_FUNCTIONS:
        context = authorize(api_key, event["httpMethod"], event["resource"])
        if context is None:
            return Reply(401, {}, {"status": 401})
        event["requestContext"]["authorizer"] = context
    if path_params is not None:
        event["pathParameters"] = path_params
    path = event["resource"]
    for name, value in (event["pathParameters"] or {}).items():
        path = path.replace("{" + name + "}", value)
    event["path"] = path
    sent_headers = {k: v for k, v in event["headers"].items() if k not in ("Authorization", "Idempotency-Key")}
    if api_key is not None:
        sent_headers["Authorization"] = f"Bearer {api_key}"
    if raw_bytes is not None:  # as API Gateway hands over a body that is not UTF-8 text
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw_bytes).decode(), True
    elif raw_body is not None:
        event["body"] = raw_body
    elif body != "<sample>":
        event["body"] = None if body is None else json.dumps(body)
        if body is not None:
            sent_headers["Content-Type"] = "application/json"
    sent_headers |= headers or {}
    event["headers"] = sent_headers
    event["multiValueHeaders"] = {name: [value] for name, value in sent_headers.items()}
    if query is not None:
        multi = {name: value if isinstance(value, list) else [value] for name, value in query.items()}
        event["multiValueQueryStringParameters"] = multi or None
        event["queryStringParameters"] = {name: values[-1] for name, values in multi.items()} or None
    result = handler_of(function)(event, LambdaContext())
    reply_headers = {name: values[-1] for name, values in (result.get("multiValueHeaders") or {}).items()}
    reply_headers |= result.get("headers") or {}
    text = result.get("body")
    return Reply(result["statusCode"], reply_headers, json.loads(text) if text else None)
