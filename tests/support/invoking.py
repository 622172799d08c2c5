"""Running a function's handler on its events/ sample event the way API Gateway would: the authorizer first (401
without it), then the function, each call recorded as that function's (tests/integration/test_iam.py)."""

import base64
import copy
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
FUNCTIONS = ROOT / "functions"


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
    """Functions whose route has no authorizer in template.yaml (the 405 function's `ANY` on public paths aside:
    its other paths need a key)."""
    from flare_local.template import load_template, public_routes

    routes = public_routes(load_template(ROOT / "template.yaml"))
    return frozenset(function for function, _path, method in routes if method != "any")


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
    context = event["requestContext"]
    if context.get("path", "").endswith(event["path"]):  # the stage (or base path) before the route's own path
        context["path"] = context["path"][: len(context["path"]) - len(event["path"])] + path
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
    is_json = "json" in reply_headers.get("Content-Type", "application/json")
    return Reply(result["statusCode"], reply_headers, (json.loads(text) if is_json else text) if text else None)
