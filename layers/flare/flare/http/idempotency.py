"""Idempotency-Key: Powertools Idempotency on the table (store.idempotency), scoped by organisation and route."""

import hashlib
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from pydantic import BaseModel

from flare.access.auth import Caller
from flare.errors import Unavailable, ValidationFailed

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_IN_PROGRESS_WAIT_SECONDS = 10


def idempotent(
    app: APIGatewayRestResolver,
    key: str | None,
    who: Caller,
    route: str,
    body: BaseModel | None,
    action: Callable[[], Response],
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

    from flare.store.idempotency import idempotency_persistence

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
    lambda_context = getattr(app, "lambda_context", None)
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        # An in-progress record then expires when this invocation would time out, so a crash mid-request
        # does not block the key until the 24 h expiry.
        config.register_lambda_context(lambda_context)
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
                persistence_store=idempotency_persistence(),
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
