"""Responses: JSON bodies and RFC 9457 problems (application/problem+json)."""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from flare.errors import FlareError, ValidationFailed

PROBLEM_JSON = "application/problem+json"
JSON = "application/json"


def json_response(status: int, model: BaseModel | None, headers: dict[str, str] | None = None) -> Response:
    """A JSON response; Powertools validates the model against the route's declared response type."""
    return Response(status, JSON if model is not None else None, model, headers=headers)


def problem(error: FlareError, request_id: str) -> Response:
    body: dict[str, Any] = {
        "type": error.type,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "request_id": request_id,
    }
    if isinstance(error, ValidationFailed):
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    return Response(error.status, PROBLEM_JSON, json.dumps(body, ensure_ascii=False), headers=error.headers)


def raw_problem(error: FlareError, request_id: str) -> dict[str, Any]:
    """A problem answered before routing, in API Gateway's proxy response shape."""
    response = problem(error, request_id)
    headers = {"Content-Type": [PROBLEM_JSON]} | {name: [value] for name, value in error.headers.items()}
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": headers,
        "body": response.body,
        "isBase64Encoded": False,
    }
