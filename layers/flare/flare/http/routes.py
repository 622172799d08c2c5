"""Factories of the routes that would otherwise be near-copies of each other: get, list, delete, create, update.

Each builds the route function with the signature Powertools reads (its parameters make the OpenAPI document
and the validation), named after the function folder, so that operation ids stay what they are; each Lambda
keeps its own function folder and file, which names what it serves in one line.
"""

import inspect
import re
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel

from flare.access.auth import Caller
from flare.fields import DEFAULT_PAGE
from flare.http.idempotency import idempotent
from flare.http.params import CURSOR, IDEMPOTENCY_KEY, IF_MATCH, LIMIT, authorized
from flare.http.responses import json_response
from flare.preconditions import etag

_PATH_PARAMETER = re.compile(r"<(\w+)>")
_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _parameter(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, _KEYWORD, annotation=annotation, default=default)


def _route_function(
    name: str, scope: str, parameters: list[inspect.Parameter], returns: Any, run: Callable[..., Response]
) -> Callable[..., Response]:
    """The route function `name(caller, *parameters) -> returns` that calls `run` (the caller: a dependency)."""
    parameters = [_parameter("caller", Annotated[Caller, authorized(scope)]), *parameters]

    def route(**arguments: Any) -> Response:
        return run(**arguments)

    route.__name__ = route.__qualname__ = name
    route.__signature__ = inspect.Signature(parameters, return_annotation=returns)
    route.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters} | {"return": returns}
    return route


def _id_parameter(path: str) -> str:
    (name,) = _PATH_PARAMETER.findall(path)
    return name


def _with_etag(model: BaseModel) -> dict[str, str]:
    return {"ETag": etag(model.version)} if hasattr(model, "version") else {}


def get_route(
    app: APIGatewayRestResolver,
    name: str,
    path: str,
    *,
    scope: str,
    read: Callable[[Caller, str], BaseModel],
    response: type[BaseModel],
    **documentation: Any,
) -> None:
    """GET <path>: `read(caller, id)`, 200 with its ETag when it has a version."""
    key = _id_parameter(path)

    def run(caller: Caller, **arguments: str) -> Response:
        found = read(caller, arguments[key])
        return json_response(200, found, _with_etag(found))

    parameters = [_parameter(key, str)]
    app.get(path, **documentation)(_route_function(name, scope, parameters, Response[response], run))


def delete_route(
    app: APIGatewayRestResolver, name: str, path: str, *, scope: str, delete: Callable[[Caller, str], Any], **docs: Any
) -> None:
    """DELETE <path>: `delete(caller, id)`, 204."""
    key = _id_parameter(path)

    def run(caller: Caller, **arguments: str) -> Response:
        delete(caller, arguments[key])
        return json_response(204, None)

    parameters = [_parameter(key, str)]
    app.delete(path, status_code=204, **docs)(_route_function(name, scope, parameters, Response[None], run))


def list_route(
    app: APIGatewayRestResolver,
    name: str,
    path: str,
    *,
    scope: str,
    page: Callable[..., BaseModel],
    response: type[BaseModel],
    **documentation: Any,
) -> None:
    """GET <path>: newest first, `page(caller, limit=, after=)`, with `limit` and `cursor`."""

    def run(caller: Caller, limit: int, cursor: str | None) -> Response:
        return json_response(200, page(caller, limit=limit, after=cursor))

    parameters = [
        _parameter("limit", Annotated[int, LIMIT], DEFAULT_PAGE),
        _parameter("cursor", Annotated[str | None, CURSOR], None),
    ]
    app.get(path, **documentation)(_route_function(name, scope, parameters, Response[response], run))


def create_route(
    app: APIGatewayRestResolver,
    name: str,
    path: str,
    *,
    scope: str,
    request: type[BaseModel],
    create: Callable[[Caller, BaseModel], BaseModel],
    response: type[BaseModel],
    **documentation: Any,
) -> None:
    """POST <path>: `create(caller, body)`, 201 with its Location (and ETag), once per Idempotency-Key."""

    def run(caller: Caller, body: BaseModel, idempotency_key: str | None) -> Response:
        def created() -> Response:
            made = create(caller, body)
            return json_response(201, made, {"Location": f"{path}/{made.id}"} | _with_etag(made))

        return idempotent(app, idempotency_key, caller, f"POST {path}", body, created)

    parameters = [
        _parameter("body", Annotated[request, Body()]),
        _parameter("idempotency_key", Annotated[str | None, IDEMPOTENCY_KEY], None),
    ]
    app.post(path, status_code=201, **documentation)(_route_function(name, scope, parameters, Response[response], run))


def update_route(
    app: APIGatewayRestResolver,
    name: str,
    path: str,
    *,
    scope: str,
    request: type[BaseModel],
    update: Callable[[Caller, str, BaseModel, str | None], BaseModel],
    response: type[BaseModel],
    **documentation: Any,
) -> None:
    """PATCH <path>: `update(caller, id, body, if_match)`, 200 with the new ETag (If-Match: 412 when stale)."""
    key = _id_parameter(path)

    def run(caller: Caller, body: BaseModel, if_match: str | None, **arguments: str) -> Response:
        changed = update(caller, arguments[key], body, if_match=if_match)
        return json_response(200, changed, _with_etag(changed))

    parameters = [
        _parameter(key, str),
        _parameter("body", Annotated[request, Body()]),
        _parameter("if_match", Annotated[str | None, IF_MATCH], None),
    ]
    app.patch(path, **documentation)(_route_function(name, scope, parameters, Response[response], run))


def action_route(
    app: APIGatewayRestResolver,
    name: str,
    path: str,
    *,
    scope: str,
    act: Callable[..., BaseModel],
    response: type[BaseModel],
    request: type[BaseModel] | None = None,
    canonical_id: Callable[[Caller, str], str] | None = None,
    **documentation: Any,
) -> None:
    """POST <path> (an action on one resource): `act(caller, id, body)` (or `act(caller, id)` when the action takes
    no body; an omitted body is `request()`), 200 with the ETag, once per Idempotency-Key. `canonical_id` names
    the resource by its id whichever way the path named it (INC-7, inc-7), so that a key is bound to the
    resource."""
    key = _id_parameter(path)

    def run(caller: Caller, idempotency_key: str | None, body: BaseModel | None = None, **arguments: str) -> Response:
        resource_id = canonical_id(caller, arguments[key]) if canonical_id else arguments[key]
        given = (body or request()) if request else None

        def acted() -> Response:
            done = act(caller, resource_id, given) if request else act(caller, resource_id)
            return json_response(200, done, _with_etag(done))

        route = "POST " + path.replace(f"<{key}>", resource_id)
        return idempotent(app, idempotency_key, caller, route, given, acted)

    parameters = [_parameter(key, str)]
    if request:
        parameters.append(_parameter("body", Annotated[request | None, Body()], None))
    parameters += [_parameter("idempotency_key", Annotated[str | None, IDEMPOTENCY_KEY], None)]
    app.post(path, **documentation)(_route_function(name, scope, parameters, Response[response], run))
