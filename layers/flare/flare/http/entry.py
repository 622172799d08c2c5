"""The entry point of every HTTP function: a handler module builds its resolver and hands it here.

    app = APIGatewayRestResolver(enable_validation=True)

    @app.post("/api/v1/things")
    def create_thing(
        body: Annotated[CreateThing, Body()], caller: Annotated[Caller, authorized("write:things")]
    ) -> Response[ThingOut]:
        return json_response(201, things.create(caller, body))

    handler = lambda_handler(app)

(`app = APIGatewayRestResolver(...)` in the handler's own file is what Powertools' OpenAPI merge discovers.)

What runs on the raw event, before routing, stays here rather than in a middleware: the rate limit counts every
request of a key, routed or not, and the body checks must run before Powertools' validation (itself the first
middleware), which would otherwise mis-parse forms, other charsets and bodies nested beyond recursion.
"""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from flare import cursor, settings
from flare.access import ratelimit
from flare.errors import (
    FieldError,
    FlareError,
    NotFound,
    RateLimited,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from flare.fields import DEFAULT_RATE_LIMIT_PER_MINUTE
from flare.http.body import check_body, said_as_json
from flare.http.responses import problem, raw_problem
from flare.observability import logger, metrics

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


def lambda_handler(
    app: APIGatewayRestResolver,
    *,
    form: bool = False,
    paginates: bool = False,
    reads_body: bool = True,
    strict_query: bool = True,
) -> Callable[[dict, Any], dict]:
    """The Lambda entry point: request id and logging, body checks, rate limit, routing, metrics. `form`: the route
    takes a form-encoded body (Slack's slash commands), not JSON. `paginates`: it signs list cursors, so it reads
    the cursor secret now, at cold start (a function without it fails to start). `reads_body`: False where the body
    is never read (its checks would only hide the answer that matters, such as a 405). `strict_query`: a query
    parameter the route does not declare is a 422 (the native API); receivers of other vendors' webhooks take any."""
    settings.settings().table()  # at cold start: a misconfigured function fails to start, naming the variable
    if paginates:
        cursor.load_secret()
    _handle_errors(app)
    if strict_query:
        app.use([_only_declared_query_parameters])

    @metrics.log_metrics
    def handler(event: dict, context: Any) -> dict:
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        request_id = headers.get("x-request-id") or (event.get("requestContext") or {}).get("requestId", "")
        logger.set_correlation_id(request_id)
        logger.append_keys(route=f"{event.get('httpMethod')} {event.get('resource')}")
        try:
            allowance = _spend_rate_limit(event)
            rejected = check_body(event, form) if reads_body else None
        except RateLimited as limited:
            allowance, rejected = None, limited
        routed = event if form else said_as_json(event)
        result = raw_problem(rejected, request_id) if rejected else app.resolve(routed, context)
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


def request_id(app: APIGatewayRestResolver) -> str:
    event = app.current_event
    return (event.headers.get("x-request-id") or event.request_context.request_id or "") if event else ""


def _handle_errors(app: APIGatewayRestResolver) -> None:
    """Every error as a problem; a handler the function registered itself (a not_found of its own) is kept."""
    registered = app.exception_handler_manager.get_registered_handlers()

    def handles(kind: type[Exception]):
        def register(answer: Callable[[Exception], Response]) -> None:
            if kind not in registered:
                app.exception_handler(kind)(answer)

        return register

    @handles(FlareError)
    def _flare_error(error: FlareError) -> Response:
        return problem(error, request_id(app))

    @handles(RequestUnsupportedContentType)
    def _not_json(_error: RequestUnsupportedContentType) -> Response:
        return problem(UnsupportedMediaType("send JSON with Content-Type: application/json"), request_id(app))

    @handles(RequestValidationError)
    def _validation_error(error: RequestValidationError) -> Response:
        return problem(_field_errors(error), request_id(app))

    @handles(ClientError)
    def _dynamodb_error(error: ClientError) -> Response:
        code = error.response.get("Error", {}).get("Code", "")
        if code in _UNAVAILABLE_CODES:
            logger.warning("DynamoDB unavailable", extra={"code": code})
            return problem(Unavailable("the database is busy; retry after a moment"), request_id(app))
        logger.exception("DynamoDB rejected a request")
        return problem(FlareError("internal error"), request_id(app))

    @handles(BotoCoreError)
    def _dynamodb_unreachable(error: BotoCoreError) -> Response:
        logger.warning("DynamoDB unreachable", extra={"error": str(error)})
        return problem(Unavailable("the database is unreachable; retry after a moment"), request_id(app))

    @handles(Exception)
    def _bug(_error: Exception) -> Response:
        # A 500 is always a bug: log it whole, answer a problem (never a bare API Gateway 502).
        logger.exception("unhandled error")
        return problem(FlareError("internal error; it has been logged with this request_id"), request_id(app))

    @handles(NotFoundError)
    def _no_route(_error: Exception) -> Response:
        return problem(NotFound("no such route"), request_id(app))
