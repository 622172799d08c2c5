"""The HTTP glue every handler shares: the Powertools resolver, RFC 9457 problems, the caller, idempotency.

A handler module is:

    app = http.create_app()

    @app.post("/api/v1/things")
    def create_thing(body: Annotated[CreateThing, Body()]) -> Response[ThingOut]:
        caller = http.caller("write:things")
        return http.json_response(201, things.create(caller, body))

    handler = http.lambda_handler(app)
"""

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from flare import cursor, ratelimit
from flare.auth import Caller
from flare.errors import (
    BadRequest,
    FieldError,
    FlareError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from flare.models import DEFAULT_RATE_LIMIT_PER_MINUTE
from flare.preconditions import IF_MATCH_PATTERN

# Documented limits (README, "Limits").
MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 64  # far beyond any real body; keeps every reader of it clear of Python's recursion limit
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
# DynamoDB answers that mean "not now" rather than "wrong": after botocore's own retries, a 503.
_UNAVAILABLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
    "TransactionCanceledException",
    "TransactionInProgressException",
}

logger = Logger(service="flare")
metrics = Metrics(namespace="Flare", service="flare")

_app: APIGatewayRestResolver | None = None
_lambda_context: Any = None


def _request_id() -> str:
    event = _app.current_event if _app else None
    if event is None:
        return ""
    return event.headers.get("x-request-id") or event.request_context.request_id or ""


def problem(error: FlareError, request_id: str | None = None) -> Response:
    body: dict[str, Any] = {
        "type": error.type,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "request_id": request_id if request_id is not None else _request_id(),
    }
    if isinstance(error, ValidationFailed):
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    return Response(error.status, PROBLEM_JSON, json.dumps(body, ensure_ascii=False), headers=error.headers)


def _field_errors(error: RequestValidationError) -> ValidationFailed:
    fields = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        if location[:1] == ["header"] and len(location) > 1:
            # Powertools lower-cases header names: say them as the documentation does (Idempotency-Key).
            location[1] = "-".join(word.capitalize() for word in location[1].split("-"))
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:]
        message = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        fields.append((".".join(location) or "body", message))
    return ValidationFailed([FieldError(field, message) for field, message in fields])


def create_app(*, strict_query: bool = True) -> APIGatewayRestResolver:
    """The resolver for one function, with Flare's error handling. `strict_query`: a query parameter the route
    does not declare is a 422 (the native API); receivers of other vendors' webhooks take any."""
    global _app
    app = APIGatewayRestResolver(enable_validation=True)
    _app = app
    if strict_query:
        app.use([_only_declared_query_parameters])

    @app.exception_handler(FlareError)
    def _flare_error(error: FlareError) -> Response:
        return problem(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_error: RequestUnsupportedContentType) -> Response:
        return problem(UnsupportedMediaType("send JSON with Content-Type: application/json"))

    @app.exception_handler(RequestValidationError)
    def _validation_error(error: RequestValidationError) -> Response:
        return problem(_field_errors(error))

    @app.exception_handler(ClientError)
    def _dynamodb_error(error: ClientError) -> Response:
        code = error.response.get("Error", {}).get("Code", "")
        if code in _UNAVAILABLE_CODES:
            logger.warning("DynamoDB unavailable", extra={"code": code})
            return problem(Unavailable("the database is busy; retry after a moment"))
        logger.exception("DynamoDB rejected a request")
        return problem(FlareError("internal error"))

    @app.exception_handler(BotoCoreError)
    def _dynamodb_unreachable(error: BotoCoreError) -> Response:
        logger.warning("DynamoDB unreachable", extra={"error": str(error)})
        return problem(Unavailable("the database is unreachable; retry after a moment"))

    @app.exception_handler(Exception)
    def _bug(_error: Exception) -> Response:
        # A 500 is always a bug: log it whole, answer a problem (never a bare API Gateway 502).
        logger.exception("unhandled error")
        return problem(FlareError("internal error; it has been logged with this request_id"))

    @app.not_found
    def _no_route(_error: Exception) -> Response:
        return problem(NotFound("no such route"))

    return app


def _only_declared_query_parameters(app: APIGatewayRestResolver, next_middleware: Callable) -> Response:
    """Refuse what the route would silently ignore: a query parameter it does not declare (a typo, another
    vendor's filter such as `status_category[one_of]`). (Several values of a single-valued one are refused by
    Powertools' validation, which runs first.)"""
    route = app.context.get("_route")
    sent = app.current_event.multi_value_query_string_parameters or {}
    if route is not None and sent:
        declared = {parameter.alias: parameter for parameter in route.dependant.query_params}
        takes = f"it takes {', '.join(sorted(declared))}" if declared else "it takes none"
        errors = [
            FieldError(name, f"is not a query parameter of this route ({takes})")
            for name in sent
            if name not in declared
        ]
        if errors:
            raise ValidationFailed(errors)
    return next_middleware(app)


def caller(scope: str) -> Caller:
    """The calling organisation and key, as the authorizer resolved them; 403 without `scope`."""
    context = (_app.current_event.request_context.authorizer.raw_event if _app else None) or {}
    if not context.get("org_id") or not context.get("key_id"):
        raise Unauthorized("no authorized caller")
    who = Caller(
        org_id=context["org_id"],
        key_id=context["key_id"],
        scopes=frozenset(context.get("scopes", "").split()),
        key_name=context.get("key_name"),
    )
    who.require(scope)
    return who


def json_response(status: int, model: BaseModel | None, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; Powertools validates the model against the route's declared response type."""
    return Response(status, JSON if model is not None else None, model, headers=headers)


def raw_body() -> bytes:
    """The request body exactly as sent (signatures are computed over these bytes)."""
    event = _app.current_event if _app else None
    if event is None or event.body is None:
        return b""
    return base64.b64decode(event.body) if event.is_base64_encoded else event.body.encode("utf-8", "surrogatepass")


def request_headers() -> dict[str, str]:
    """The request headers, names in lower case."""
    event = _app.current_event if _app else None
    return {name.lower(): value for name, value in (event.headers if event else {}).items()}


# Parameters shared by many routes, e.g. `limit: Annotated[int, http.LIMIT] = 50`.
IDEMPOTENCY_KEY = Header(
    alias="Idempotency-Key",
    min_length=1,
    max_length=255,
    pattern=r"^[\x20-\x7e]+$",
    description="1-255 printable ASCII characters. Replays the first response to this key for 24 hours, to the API "
    "key that sent it (same key with another body, or from another API key: 422)",
)
IF_MATCH = Header(
    alias="If-Match",
    # Documented, not enforced here: preconditions.check_if_match answers a malformed one with a 400.
    json_schema_extra={"pattern": IF_MATCH_PATTERN},
    description='ETag of the version you edit: "3", W/"3", a comma-separated list of them, or * (stale: 412; '
    "not an entity tag: 400)",
)
LIMIT = Query(ge=1, le=100, description="Page size (1-100)")
CURSOR = Query(description="next_cursor of the previous page")


# ---- raw request checks (before routing: Powertools would otherwise accept forms and mis-parse) ---------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


FORM = "application/x-www-form-urlencoded"


def _check_body(event: dict[str, Any], form: bool = False) -> FlareError | None:
    """The body's size and type: JSON, or (`form`) a form as Slack sends it."""
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body)
        except ValueError:
            return BadRequest("the body is not valid base64")
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        return PayloadTooLarge(f"the body must be at most {MAX_BODY_BYTES} bytes")
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    media_type, _, parameters = (headers.get("content-type") or JSON).partition(";")
    content_type = media_type.strip().lower()
    charset = _charset(parameters)
    if charset not in (None, "utf-8", "utf8"):
        return UnsupportedMediaType(f"send the body in UTF-8, not {charset}")
    try:
        # Strictly: json.loads would also take UTF-16 and UTF-32 bytes, which the resolver then fails to read.
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadRequest("the body is not valid UTF-8")
    if form:
        return None if content_type == FORM else UnsupportedMediaType(f"send a form ({FORM}), not {content_type}")
    if content_type != JSON and not (content_type.startswith("application/") and content_type.endswith("+json")):
        return UnsupportedMediaType(f"send JSON with Content-Type: application/json, not {content_type}")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        return BadRequest(f"the body is not valid JSON: {str(error)[:200]}")
    if too_deep := _deeper_than(document, MAX_JSON_DEPTH):
        return ValidationFailed.of(
            too_deep, f"is nested more than {MAX_JSON_DEPTH} levels deep (the limit of any body)"
        )
    return None


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _deeper_than(document: Any, limit: int) -> str | None:
    """The top-level member (or "body") under which `document` nests deeper than `limit` levels, else None.
    Iterative: the bodies it looks at are the ones too deep for recursion."""
    pending = [(document, 0, None)]
    while pending:
        node, depth, top = pending.pop()
        if isinstance(node, dict | list):
            if depth + 1 > limit:
                return top or "body"
            children = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in children:
                pending.append((child, depth + 1, top if top is not None else str(key)))
    return None


def lambda_handler(
    app: APIGatewayRestResolver, *, form: bool = False, paginates: bool = False, reads_body: bool = True
) -> Callable[[dict, Any], dict]:
    """The Lambda entry point: request id and logging, body checks, routing, metrics. `form`: the route takes
    a form-encoded body (Slack's slash commands), not JSON. `paginates`: it signs list cursors, so it reads the
    cursor secret now, at cold start (a function without it fails to start). `reads_body`: False where the body
    is never read (its checks would only hide the answer that matters, such as a 405)."""
    if paginates:
        cursor.load_secret()

    @metrics.log_metrics
    def handler(event: dict, context: Any) -> dict:
        global _lambda_context
        _lambda_context = context
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        request_id = headers.get("x-request-id") or (event.get("requestContext") or {}).get("requestId", "")
        logger.set_correlation_id(request_id)
        logger.append_keys(route=f"{event.get('httpMethod')} {event.get('resource')}")
        try:
            allowance = _spend_rate_limit(event)
            rejected = _check_body(event, form) if reads_body else None
        except RateLimited as limited:
            allowance, rejected = None, limited
        routed = event if form else _said_as_json(event)
        result = _raw_problem(rejected, request_id) if rejected else app.resolve(routed, context)
        headers = result.setdefault("multiValueHeaders", {})
        headers["X-Request-Id"] = [request_id]
        for name, value in (allowance.headers() if allowance else {}).items():
            headers[name] = [value]
        status = int(result.get("statusCode", 500))
        metrics.add_metric(name=f"Responses{status // 100}xx", unit=MetricUnit.Count, value=1)
        logger.info("request", extra={"status": status})
        return result

    return handler


def _spend_rate_limit(event: dict[str, Any]) -> "ratelimit.Allowance | None":
    """Count the request against its API key's limit (RateLimited past it). If the counter cannot be
    reached the request goes on uncounted: an outage of the limiter must not stop incidents being filed."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    if not authorizer.get("key_id"):
        return None
    limit = int(authorizer.get("rate_limit_per_minute") or DEFAULT_RATE_LIMIT_PER_MINUTE)
    try:
        return ratelimit.spend(authorizer["key_id"], limit)
    except (ClientError, BotoCoreError):
        logger.warning("rate limiter unavailable; request not counted", exc_info=True)
        return None


def _said_as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The event with a Content-Type that _check_body accepted as JSON said as plain `application/json`:
    Powertools only parses lower-case `application/json…` and would answer 415 to `Application/JSON` or
    `application/merge-patch+json`, which are JSON too."""
    if not event.get("body"):
        return event

    def said(name: str, value: Any, json_value: Any) -> Any:
        return json_value if name.lower() == "content-type" else value

    headers = {name: said(name, value, JSON) for name, value in (event.get("headers") or {}).items()}
    multi = {name: said(name, value, [JSON]) for name, value in (event.get("multiValueHeaders") or {}).items()}
    return event | {"headers": headers, "multiValueHeaders": multi}


def _raw_problem(error: FlareError, request_id: str) -> dict[str, Any]:
    """A problem answered before routing, in API Gateway's proxy response shape."""
    response = problem(error, request_id)
    headers = {"Content-Type": [PROBLEM_JSON]} | {name: [value] for name, value in error.headers.items()}
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": headers,
        "body": response.body,
        "isBase64Encoded": False,
    }


# ---- idempotency ----------------------------------------------------------------------------------------

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_IN_PROGRESS_WAIT_SECONDS = 10


def idempotent(
    key: str | None, who: Caller, route: str, body: BaseModel | None, action: Callable[[], Response]
) -> Response:
    """Run `action` once per (organisation, route, Idempotency-Key): a repeat within 24 h replays the first
    response with `Idempotent-Replayed: true`; the same key with another body, or from another API key, is a 422
    (a replay may carry a secret shown once: only its first caller sees it again). Concurrent repeats wait for
    the first to finish and then replay it. Without a key, just runs `action`. `route` names the resource by
    its id, never by an alias of it (a reference, another spelling), so one request has one record."""
    if key is None:
        return action()

    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.base import IdempotencyHandler
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    from flare import store

    def replay(response: dict, _record: Any) -> dict:
        response["headers"]["Idempotent-Replayed"] = "true"
        return response

    def run() -> dict:
        response = action()
        if response.status_code >= 500:
            # Not stored: a retry should run again.
            raise _Unstored(response)
        body = response.body.model_dump(mode="json") if isinstance(response.body, BaseModel) else response.body
        return {"status": response.status_code, "body": body, "headers": dict(response.headers)}

    config = IdempotencyConfig(
        event_key_jmespath="[org, route, key]",
        payload_validation_jmespath="[caller, body]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
        response_hook=replay,
    )
    if _lambda_context is not None and hasattr(_lambda_context, "get_remaining_time_in_millis"):
        # An in-progress record then expires when this invocation would time out, so a crash mid-request
        # does not block the key until the 24 h expiry.
        config.register_lambda_context(_lambda_context)
    payload = {
        "org": who.org_id,
        "route": route,
        "key": key,
        "caller": who.key_id,
        "body": body.model_dump(mode="json") if body else None,
    }
    deadline = time.monotonic() + _IN_PROGRESS_WAIT_SECONDS
    while True:
        try:
            stored = IdempotencyHandler(
                function=run,
                function_payload=payload,
                config=config,
                persistence_store=store.idempotency_persistence(),
                key_prefix=_record_prefix(route),
                function_args=(),
                function_kwargs={},
            ).handle()
            return Response(stored["status"], None, stored["body"], headers=stored["headers"])
        except _Unstored as unstored:
            return unstored.response
        except IdempotencyValidationError:
            raise ValidationFailed.of(
                "Idempotency-Key", "was already used with a different request body, or by another API key"
            ) from None
        except IdempotencyAlreadyInProgressError:
            if time.monotonic() > deadline:
                raise Unavailable("the first request with this Idempotency-Key is still running") from None
            time.sleep(0.05)
        except IdempotencyPersistenceLayerError:
            raise Unavailable("idempotency records are unavailable; retry after a moment") from None


_MAX_ROUTE_PREFIX_BYTES = 256


def _record_prefix(route: str) -> str:
    """The route as the idempotency record's sort key begins (`<prefix>#<digest>`). A route holds the path id as
    sent, and DynamoDB refuses sort keys over 1024 bytes: a longer route is hashed, so that the operation still
    answers (a 404) instead of the record's write failing (a 503 that no retry would cure)."""
    if len(route.encode()) <= _MAX_ROUTE_PREFIX_BYTES:
        return route
    return f"{route.split(' ')[0]} sha256:{hashlib.sha256(route.encode()).hexdigest()}"


class _Unstored(Exception):
    def __init__(self, response: Response):
        super().__init__("not stored")
        self.response = response
