"""A local API Gateway (REST API, Lambda proxy integration) that runs the template's functions in-process.

It reads template.yaml for the routes, the REQUEST authorizer and the gateway responses, and builds the same
v1 proxy events API Gateway sends. Unlike API Gateway it does not cache authorizer results (nor does
`sam local`): a revoked key stops working at once here, but up to ReauthorizeEvery seconds later on AWS.
"""

import base64
import contextlib
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_ui

from flare_local.environ import patch_environ
from flare_local.serving import BackgroundServer, running
from flare_local.template import (
    DEFAULT_TEMPLATE,
    Intrinsic,
    load_template,
    referenced_resource,
    resources_of_type,
)

logger = logging.getLogger("flare_local.gateway")

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
API_ID = "local"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit

# API Gateway's status for each response type this gateway produces; below 500 DEFAULT_4XX stands in for an
# unconfigured type, else DEFAULT_5XX.
_DEFAULT_STATUS = {
    "UNAUTHORIZED": 401,
    "ACCESS_DENIED": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "REQUEST_TOO_LARGE": 413,
    "AUTHORIZER_FAILURE": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "DEFAULT_5XX": 502,  # what a failed Lambda proxy integration answers
}
_ANY = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})
_DEFAULT_BODY = '{"message":$context.error.messageString}'
_SWAGGER_UI_DIR = Path(swagger_ui.__file__).parent  # Powertools ships the assets: /docs works offline
_SWAGGER_UI_ASSETS = {
    "/docs/swagger-ui-bundle.min.js": "text/javascript",
    "/docs/swagger-ui.min.css": "text/css",
}


@dataclass(frozen=True)
class Function:
    logical_id: str
    module_name: str
    module_path: Path
    attribute: str
    memory_mb: int
    timeout_s: int


@dataclass(frozen=True)
class Authorizer:
    function: Function
    identity_headers: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    resource: str  # the template's path, e.g. /api/v1/incidents/{incident_id}
    method: str  # upper case, or ANY
    function: Function
    authorizer: Authorizer | None


@dataclass(frozen=True)
class Resource:
    """One API path and its methods."""

    path: str
    pattern: re.Pattern[str]
    parameter_names: tuple[str, ...]
    methods: dict[str, Route]


@dataclass(frozen=True)
class GatewayResponse:
    status: int | None
    headers: dict[str, str]
    template: str | None


@dataclass
class Request:
    method: str
    raw_path: str  # as sent, still percent-encoded
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float  # time.monotonic() when the function would time out
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class _GatewayError(Exception):
    """The request ends with a gateway response instead of reaching its function."""

    def __init__(self, response_type: str, message: str) -> None:
        super().__init__(message)
        self.response_type = response_type


class LocalGateway:
    """Serves the template's API on http://host:port, plus /openapi.json and /docs (Swagger UI) with no auth.

    `handle()` is the same without HTTP."""

    def __init__(
        self,
        template_path: str | Path = DEFAULT_TEMPLATE,
        *,
        environment: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.template_path = Path(template_path)
        template = load_template(self.template_path)
        self.environment = local_environment(template, environment or {})
        api_id, api = _the_api(template)
        self.stage = api.get("StageName") if isinstance(api.get("StageName"), str) else "live"
        self.resources = _resources(template, self.template_path.parent, api_id, api)
        self.schedules = _schedules(template, self.template_path.parent)
        self.gateway_responses = _gateway_responses(api)
        self.openapi_path = self.template_path.parent / "docs" / "openapi.json"
        self._host, self._port = host, port
        self._serving: BackgroundServer | None = None
        self._restore_environ: Callable[[], None] | None = None
        self._handlers: dict[str, Callable[..., Any]] = {}
        # One invocation at a time: Powertools' event handler keeps the current event in a class attribute,
        # so two handlers running at once in one process could answer each other's requests.
        self._invocation_lock = threading.Lock()
        self._import_lock = threading.Lock()
        self._stop_schedules = threading.Event()
        self.base_url: str | None = None

    # -- serving -------------------------------------------------------------------------------------------

    def start(self) -> str:
        # Before any function is imported: handlers may read their configuration at import time.
        self._restore_environ = patch_environ(self.environment)
        server = ThreadingHTTPServer((self._host, self._port), _HttpHandler)
        server.daemon_threads = True
        server.gateway = self  # type: ignore[attr-defined]
        self._serving = BackgroundServer(server, "flare-local-api")
        self.base_url = self._serving.url
        for name, value in self.environment.items():
            if value == API_URL:  # the API's URL is this gateway's, known now that it listens
                os.environ[name] = self.environment[name] = self.base_url
        self._stop_schedules.clear()
        for schedule in self.schedules.values():
            threading.Thread(target=self._keep_schedule, args=(schedule,), name=schedule.name, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        self._stop_schedules.set()
        if self._serving is not None:
            self._serving.stop()
            self._serving = None
        if self._restore_environ is not None:
            self._restore_environ()
            self._restore_environ = None

    def __enter__(self) -> "LocalGateway":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- one request -----------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            response = self._local_page(request) or self._handle_api(request, request_id)
        except _GatewayError as error:
            response = self.gateway_response(error.response_type, request_id, str(error))
        response.headers.append(("x-amzn-RequestId", request_id))
        return response

    def gateway_response(self, response_type: str, request_id: str, message: str) -> Response:
        """API Gateway's own answer of this type, as the template's GatewayResponses shape it."""
        default_status = _DEFAULT_STATUS.get(response_type, 500)
        fallback = "DEFAULT_4XX" if default_status < 500 else "DEFAULT_5XX"
        spec = self.gateway_responses.get(response_type)
        if spec is None:
            # The DEFAULT_4XX/5XX status code, when set, replaces the status of every type it stands in for.
            spec = self.gateway_responses.get(fallback, GatewayResponse(None, {}, None))
        variables = {
            "context.requestId": request_id,
            "context.error.message": message,
            "context.error.messageString": json.dumps(message),
            "context.error.responseType": response_type,
        }
        body = re.sub(
            r"\$(context(?:\.\w+)+)",
            lambda match: variables.get(match[1], match[0]),
            spec.template or _DEFAULT_BODY,
        )
        headers = {"Content-Type": "application/json"} | spec.headers
        return Response(spec.status or default_status, list(headers.items()), body.encode())

    def _handle_api(self, request: Request, request_id: str) -> Response:
        route, path_parameters = self._match(request.method, request.raw_path)
        event = self._proxy_event(request, route, path_parameters, request_id)
        if route.authorizer is not None:
            event["requestContext"]["authorizer"] = self._authorize(route.authorizer, request, event)
        try:
            result = self._invoke(route.function, event)
            return _http_response(result)
        except Exception:
            logger.exception("%s failed (request %s)", route.function.logical_id, request_id)
            raise _GatewayError("DEFAULT_5XX", "Internal server error") from None

    def _match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
        # API Gateway picks the resource first (literal segments beat parameters), then the method on it.
        for resource in self.resources:
            if match := resource.pattern.fullmatch(raw_path):
                # ANY stands for the HTTP methods API Gateway knows, not for TRACE, CONNECT or made-up ones.
                route = resource.methods.get(method) or (resource.methods.get("ANY") if method in _ANY else None)
                if route is None:
                    break
                return route, dict(zip(resource.parameter_names, map(unquote, match.groups()), strict=True))
        raise _GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")

    def _proxy_event(
        self, request: Request, route: Route, path_parameters: dict[str, str], request_id: str
    ) -> dict[str, Any]:
        # API Gateway tells the function the scheme the client used (it always answers https); this one is http.
        sent = [(name, value) for name, value in request.headers if name.lower() != "x-forwarded-proto"]
        headers, multi_headers = _single_and_multi([*sent, ("X-Forwarded-Proto", "http")])
        query, multi_query = _single_and_multi(parse_qsl(request.query, keep_blank_values=True))
        body, is_base64 = _event_body(request.body)
        now = datetime.now(UTC)
        lower_headers = {name.lower(): value for name, value in headers.items()}
        return {
            "resource": route.resource,
            "path": request.raw_path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": API_ID,
                "resourcePath": route.resource,
                "httpMethod": request.method,
                "extendedRequestId": request_id,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                # What a custom domain (base path empty) gives: the stack serves the API at its root, not under
                # /<stage> as execute-api does; links the functions build from it lead back here.
                "path": request.raw_path,
                "accountId": ACCOUNT_ID,
                "protocol": "HTTP/1.1",
                "stage": self.stage,
                "domainPrefix": API_ID,
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "requestId": request_id,
                "identity": {"sourceIp": request.source_ip, "userAgent": lower_headers.get("user-agent")},
                "domainName": lower_headers.get("host", API_ID),
                "apiId": API_ID,
            },
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def _authorize(self, authorizer: Authorizer, request: Request, event: dict[str, Any]) -> dict[str, Any]:
        """Runs the REQUEST authorizer; returns requestContext.authorizer or raises _GatewayError."""
        sent = {name.lower(): value for name, value in request.headers}
        if not all(sent.get(name.lower(), "").strip() for name in authorizer.identity_headers):
            raise _GatewayError("UNAUTHORIZED", "Unauthorized")
        method_arn = (
            f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{self.stage}/{request.method}/"
            f"{request.raw_path.removeprefix('/')}"
        )
        authorizer_event = {"type": "REQUEST", "methodArn": method_arn} | {
            key: event[key]
            for key in (
                "resource",
                "path",
                "httpMethod",
                "headers",
                "multiValueHeaders",
                "queryStringParameters",
                "multiValueQueryStringParameters",
                "pathParameters",
                "stageVariables",
                "requestContext",
            )
        }
        started = time.monotonic()
        try:
            result = self._invoke(authorizer.function, authorizer_event)
        except Exception as error:
            if str(error) == "Unauthorized":
                raise _GatewayError("UNAUTHORIZED", "Unauthorized") from None
            logger.exception("%s failed", authorizer.function.logical_id)
            raise _GatewayError("AUTHORIZER_FAILURE", "Internal server error") from None
        latency_ms = int((time.monotonic() - started) * 1000)

        try:
            principal_id, allowed = result["principalId"], _policy_allows(result["policyDocument"], method_arn)
            context = {key: _context_value(value) for key, value in (result.get("context") or {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            logger.error("%s returned a malformed answer: %r (%s)", authorizer.function.logical_id, result, error)
            raise _GatewayError("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error") from None
        if not allowed:
            raise _GatewayError("ACCESS_DENIED", "User is not authorized to access this resource")
        return context | {"principalId": principal_id, "integrationLatency": latency_ms}

    # -- functions -------------------------------------------------------------------------------------------

    def _invoke(self, function: Function, event: dict[str, Any], *, exclusive: bool = True) -> Any:
        with self._invocation_lock if exclusive else contextlib.nullcontext():
            context = LambdaContext(
                function_name=function.logical_id,
                memory_limit_in_mb=function.memory_mb,
                invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.logical_id}",
                aws_request_id=str(uuid.uuid4()),
                deadline=time.monotonic() + function.timeout_s,
                log_group_name=f"/aws/lambda/{function.logical_id}",
            )
            with running(function.module_path.parent.name):  # whose AWS calls these are (tests/support/iam.py)
                result = self._handler(function)(event, context)
        if context.get_remaining_time_in_millis() == 0:
            logger.warning("%s took longer than its %d s timeout", function.logical_id, function.timeout_s)
        # Lambda hands back JSON: a result that would not survive that must fail here too.
        return json.loads(json.dumps(result, default=_decimal_to_number))

    def invoke_function(self, logical_id: str, event: dict[str, Any], *, exclusive: bool = True) -> Any:
        """Invoke one of the template's functions with `event` (as an event source mapping does). `exclusive`: one
        invocation at a time with the API's; a function that serves no HTTP route (the outbound deliverer, whose
        deliveries may wait on a slow receiver) may run beside them, as it runs beside them on AWS."""
        template = load_template(self.template_path)
        global_props = (template.get("Globals") or {}).get("Function") or {}
        resource = resources_of_type(template, "AWS::Serverless::Function")[logical_id]
        props = {**global_props, **(resource.get("Properties") or {})}
        return self._invoke(_function(logical_id, props, self.template_path.parent), event, exclusive=exclusive)

    def _handler(self, function: Function) -> Callable[..., Any]:
        """Imports the function's module on first use, once (functions that run beside the API import here too)."""
        with self._import_lock:
            if function.logical_id not in self._handlers:
                self._handlers[function.logical_id] = getattr(_import(function), function.attribute)
            return self._handlers[function.logical_id]

    # -- EventBridge schedules ----------------------------------------------------------------------------------

    def run_schedule(self, name: str) -> Any:
        """Invoke a scheduled function now, with the event EventBridge would send (name: the function's logical
        id or the event's name)."""
        schedule = self.schedules.get(name) or next(
            (s for s in self.schedules.values() if s.function.logical_id == name), None
        )
        if schedule is None:
            raise KeyError(name)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": now,
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{schedule.name}"],
            "detail": {},
        }
        return self._invoke(schedule.function, event)

    def _keep_schedule(self, schedule: "Schedule") -> None:
        """Run the function on its rule's rate, as EventBridge would, until the gateway stops."""
        while not self._stop_schedules.wait(schedule.rate_seconds):
            try:
                result = self.run_schedule(schedule.name)
                logger.info("%s ran on schedule: %s", schedule.function.logical_id, result)
            except Exception:
                logger.exception("%s failed on schedule", schedule.function.logical_id)

    # -- pages that are not part of the API ------------------------------------------------------------------

    def _local_page(self, request: Request) -> Response | None:
        if request.raw_path.startswith("/_local/"):
            return self._local_control(request)
        if request.method not in ("GET", "HEAD"):
            return None
        if request.raw_path == "/openapi.json":
            return self._openapi({name.lower(): value for name, value in request.headers}.get("host"))
        if request.raw_path in ("/docs", "/docs/"):
            return Response(200, [("Content-Type", "text/html; charset=utf-8")], _swagger_page().encode())
        if content_type := _SWAGGER_UI_ASSETS.get(request.raw_path):
            asset = _SWAGGER_UI_DIR / Path(request.raw_path).name
            return Response(200, [("Content-Type", content_type)], asset.read_bytes())
        return None

    def _local_control(self, request: Request) -> Response:
        """The local stack's own controls (no auth: it listens on loopback only):
        POST /_local/schedules/<name>/run runs a scheduled function now; PUT /_local/clock {"now": RFC 3339}
        fixes the domain's clock (tests), DELETE /_local/clock gives the wall clock back."""
        from flare import clock

        def reply(status: int, body: Any) -> Response:
            return Response(status, [("Content-Type", "application/json")], json.dumps(body).encode())

        parts = request.raw_path.strip("/").split("/")
        if request.method == "POST" and len(parts) == 4 and parts[1] == "schedules" and parts[3] == "run":
            try:
                return reply(200, self.run_schedule(parts[2]))
            except KeyError:
                return reply(404, {"detail": f"no scheduled function {parts[2]}", "schedules": list(self.schedules)})
            except Exception as error:  # noqa: BLE001 - the function failed: answer what Lambda's Invoke reports
                logger.exception("%s failed", parts[2])
                return reply(500, {"errorType": type(error).__name__, "errorMessage": str(error)})
        if parts == ["_local", "clock"] and request.method == "PUT":
            try:
                now = datetime.fromisoformat(json.loads(request.body)["now"])
                if now.tzinfo is None:
                    raise ValueError("naive")
            except (ValueError, KeyError, TypeError):
                return reply(400, {"detail": 'send {"now": "<RFC 3339 with a timezone>"}'})
            clock.set_clock(lambda: now)
            return reply(200, {"now": clock.iso(clock.now())})
        if parts == ["_local", "clock"] and request.method == "DELETE":
            clock.set_clock(None)
            return reply(200, {"now": clock.iso(clock.now())})
        return reply(404, {"detail": "no such local control"})

    def _openapi(self, host: str | None) -> Response:
        if not self.openapi_path.exists():
            problem = {
                "type": "/problems/not-found",
                "title": "Not Found",
                "status": 404,
                "detail": f"{self.openapi_path.name} has not been generated yet",
            }
            return Response(404, [("Content-Type", "application/problem+json")], json.dumps(problem).encode())
        document = json.loads(self.openapi_path.read_text(encoding="utf-8"))
        if host:
            # First in the list so that Swagger UI's "Try it out" calls this server, not AWS.
            document["servers"] = [{"url": f"http://{host}", "description": "flare_local"}] + document.get(
                "servers", []
            )
        return Response(200, [("Content-Type", "application/json")], json.dumps(document).encode())


class _HttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def _serve(self) -> None:
        gateway: LocalGateway = self.server.gateway  # type: ignore[attr-defined]
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        if length > MAX_BODY_BYTES:
            request_id = str(uuid.uuid4())
            response = gateway.gateway_response("REQUEST_TOO_LARGE", request_id, "Request Too Long")
            response.headers.append(("x-amzn-RequestId", request_id))
            self.close_connection = True  # the unread body is still on the socket
        else:
            target = urlsplit(self.path)
            request = Request(
                method=self.command,
                raw_path=target.path,
                query=target.query,
                headers=list(self.headers.items()),
                body=self.rfile.read(length),
                source_ip=self.client_address[0],
            )
            response = gateway.handle(request)

        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve
    # Methods no route can declare still get API Gateway's answer (a problem), not http.server's 501 page.
    do_TRACE = do_CONNECT = do_QUERY = _serve

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.client_address[0], format % args)


# -- reading the template ------------------------------------------------------------------------------------


# A function's own variable whose value is the API's public URL (as the ApiUrl output spells it): locally, the
# gateway's own URL, which it knows once it listens.
API_URL_PATTERN = re.compile(r"^https://\$\{(\w+)\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}/\w+$")
API_URL = "<the local gateway's URL>"


def _global_variables(template: dict[str, Any]) -> dict[str, Any]:
    return (((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}).get("Variables") or {}


def function_variables(template: dict[str, Any]) -> dict[str, Any]:
    """The variables functions set for themselves (Properties.Environment). Functions share one process here, so a
    variable is the same for every function that sets it, and no function changes one of Globals."""
    global_variables = _global_variables(template)
    found: dict[str, Any] = {}
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        own = (((resource.get("Properties") or {}).get("Environment") or {}).get("Variables")) or {}
        for name, value in own.items():
            if name in global_variables or (name in found and found[name] != value):
                raise ValueError(f"{logical_id}: functions share one process here, so {name} must be one value")
            found[name] = value
    return found


def local_environment(template: dict[str, Any], local_values: Mapping[str, str]) -> dict[str, str]:
    """Globals.Function.Environment.Variables and the functions' own, with local values for the ones the template
    computes (the API's URL: API_URL, which the gateway fills in when it starts)."""
    variables = _global_variables(template) | function_variables(template)
    parameters = template.get("Parameters") or {}
    environment = {}
    for name, value in variables.items():
        if name in local_values:
            environment[name] = local_values[name]
        elif isinstance(value, Intrinsic) and value.name == "Sub" and API_URL_PATTERN.match(str(value.value)):
            environment[name] = API_URL
        elif isinstance(value, Intrinsic) and value.name == "Ref" and "Default" in parameters.get(value.value, {}):
            environment[name] = str(parameters[value.value]["Default"])  # a stack deployed with the defaults
        elif isinstance(value, str | int | float | bool):
            environment[name] = str(value).lower() if isinstance(value, bool) else str(value)
        else:
            raise ValueError(f"template.yaml computes {name}; the local stack needs a local value for it")
    return environment


def _the_api(template: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    apis = resources_of_type(template, "AWS::Serverless::Api")
    if not apis:
        return None, {}
    if len(apis) > 1:
        raise ValueError(f"the local gateway serves one AWS::Serverless::Api, found {sorted(apis)}")
    ((api_id, api),) = apis.items()
    return api_id, api.get("Properties") or {}


def _resources(template: dict[str, Any], root: Path, api_id: str | None, api: dict[str, Any]) -> list[Resource]:
    """The paths of the template's one API (or of the implicit API when it has none), most specific first:
    literal segments before parameters before greedy ones."""
    global_props = (template.get("Globals") or {}).get("Function") or {}
    functions = {
        logical_id: _function(logical_id, {**global_props, **(resource.get("Properties") or {})}, root)
        for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items()
    }
    auth = api.get("Auth") or {}
    authorizers = {name: _authorizer(name, spec, functions) for name, spec in (auth.get("Authorizers") or {}).items()}

    by_path: dict[str, dict[str, Route]] = {}
    for logical_id, function in functions.items():
        own_props = template["Resources"][logical_id].get("Properties") or {}
        for event in (own_props.get("Events") or {}).values():
            props = event.get("Properties") or {}
            if event.get("Type") != "Api" or referenced_resource(props.get("RestApiId")) != api_id:
                continue
            authorizer_name = (props.get("Auth") or {}).get("Authorizer", auth.get("DefaultAuthorizer"))
            if authorizer_name not in (None, "NONE", *authorizers):
                raise ValueError(f"{logical_id}: no authorizer named {authorizer_name}")
            authorizer = authorizers.get(authorizer_name)
            method = props["Method"].upper()
            by_path.setdefault(props["Path"], {})[method] = Route(props["Path"], method, function, authorizer)

    def specificity(path: str) -> tuple[int, ...]:
        return tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in path.split("/"))

    resources = []
    for path in sorted(by_path, key=specificity):
        names, parts = [], []
        for segment in path.split("/"):
            if segment.startswith("{") and segment.endswith("}"):
                names.append(segment[1:-1].removesuffix("+"))
                parts.append("(.+)" if segment.endswith("+}") else "([^/]+)")
            else:
                parts.append(re.escape(segment))
        resources.append(Resource(path, re.compile("/".join(parts)), tuple(names), by_path[path]))
    return resources


@dataclass(frozen=True)
class Schedule:
    name: str
    function: Function
    rate_seconds: int


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _schedules(template: dict[str, Any], root: Path) -> dict[str, Schedule]:
    """The template's Schedule events (EventBridge rules), by event name. Only rate() expressions."""
    global_props = (template.get("Globals") or {}).get("Function") or {}
    schedules = {}
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        props = resource.get("Properties") or {}
        for event_name, event in (props.get("Events") or {}).items():
            if event.get("Type") != "Schedule":
                continue
            expression = (event.get("Properties") or {}).get("Schedule", "")
            match = _RATE.match(expression)
            if not match:
                raise ValueError(f"{logical_id}.{event_name}: the local stack runs rate() schedules, not {expression}")
            seconds = int(match[1]) * _UNIT_SECONDS[match[2].rstrip("s")]
            name = f"{logical_id}{event_name}"
            schedules[name] = Schedule(name, _function(logical_id, {**global_props, **props}, root), seconds)
    return schedules


def _function(logical_id: str, props: dict[str, Any], root: Path) -> Function:
    module, _, attribute = props["Handler"].rpartition(".")
    return Function(
        logical_id=logical_id,
        module_name=module,
        module_path=root / props["CodeUri"] / (module.replace(".", "/") + ".py"),
        attribute=attribute,
        memory_mb=int(props.get("MemorySize", 128)),
        timeout_s=int(props.get("Timeout", 3)),
    )


def _authorizer(name: str, spec: dict[str, Any], functions: dict[str, Function]) -> Authorizer:
    if spec.get("FunctionPayloadType", "TOKEN") != "REQUEST":
        raise ValueError(f"authorizer {name}: the local gateway supports REQUEST authorizers only")
    function_id = referenced_resource(spec.get("FunctionArn"))
    if function_id not in functions:
        raise ValueError(f"authorizer {name}: FunctionArn must be !GetAtt <a function in the template>.Arn")
    headers = ((spec.get("Identity") or {}).get("Headers")) or []
    return Authorizer(functions[function_id], tuple(headers))


def _gateway_responses(api: dict[str, Any]) -> dict[str, GatewayResponse]:
    responses = {}
    for response_type, spec in (api.get("GatewayResponses") or {}).items():
        headers = {}
        for name, value in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items():
            if not (isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'"):
                raise ValueError(f"gateway response {response_type}: only 'quoted' header values are supported")
            headers[name] = value[1:-1]
        status = spec.get("StatusCode")
        template = (spec.get("ResponseTemplates") or {}).get("application/json")
        responses[response_type] = GatewayResponse(int(status) if status else None, headers, template)
    return responses


# -- helpers -----------------------------------------------------------------------------------------------


def _import(function: Function) -> ModuleType:
    module_spec = importlib.util.spec_from_file_location(function.module_name, function.module_path)
    if module_spec is None or not function.module_path.exists():
        raise FileNotFoundError(f"{function.logical_id}: no module at {function.module_path}")
    module = importlib.util.module_from_spec(module_spec)
    # Registered like a normal import: pydantic and dataclasses look their module up in sys.modules.
    sys.modules[function.module_name] = module
    module_spec.loader.exec_module(module)
    return module


def _single_and_multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """API Gateway's two views of repeated names: the last value, and all of them."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _event_body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _http_response(result: Any) -> Response:
    """A Lambda proxy result as HTTP; anything malformed fails as it does on API Gateway."""
    if not isinstance(result, dict) or "statusCode" not in result:
        raise ValueError(f"malformed Lambda proxy response: {result!r:.200}")
    headers = [
        (name, str(value)) for name, values in (result.get("multiValueHeaders") or {}).items() for value in values
    ]
    # Both styles merge; a pair given in both appears once.
    seen = {(name.lower(), value) for name, value in headers}
    headers += [
        (name, str(value))
        for name, value in (result.get("headers") or {}).items()
        if (name.lower(), str(value)) not in seen
    ]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise ValueError(f"malformed Lambda proxy response: body is a {type(body).__name__}")
    content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return Response(int(result["statusCode"]), headers, content)


def _policy_allows(policy: dict[str, Any], method_arn: str) -> bool:
    """IAM evaluation for execute-api:Invoke on one method ARN: an explicit Deny wins, else any Allow."""
    statements = policy["Statement"]
    allowed = False
    for statement in [statements] if isinstance(statements, dict) else statements:
        actions = [action.lower() for action in _as_list(statement.get("Action"))]
        if not (_matches_any(actions, "execute-api:invoke") and _matches_any(statement.get("Resource"), method_arn)):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _matches_any(patterns: Any, value: str) -> bool:
    return any(
        re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), value)
        for pattern in _as_list(patterns)
    )


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value or [])


def _context_value(value: Any) -> str | None:
    """REST APIs hand the authorizer's context values to the integration as strings; nesting is an error."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    raise ValueError(f"context values must be strings, numbers or booleans, not {type(value).__name__}")


def _decimal_to_number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _swagger_page() -> str:
    script, stylesheet = "/docs/swagger-ui-bundle.min.js", "/docs/swagger-ui.min.css"
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Flare API (local)</title><link rel="stylesheet" href="{stylesheet}"></head>
<body>
<div id="swagger-ui"></div>
<script src="{script}"></script>
<script>SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true}});</script>
</body>
</html>
"""
