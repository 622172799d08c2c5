"""POST /api/v1/api-keys: a new key for the caller's organisation, shown once (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, organisations
from flare.models import CreateApiKeyRequest, NewApiKeyOut

app = http.create_app()


@app.post("/api/v1/api-keys", summary="Create an API key", status_code=201, tags=["api-keys"])
def create_api_key(
    body: Annotated[CreateApiKeyRequest, Body()], idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None
) -> Response[NewApiKeyOut]:
    caller = http.caller("admin")

    def create() -> Response:
        key = organisations.create_api_key(caller, body)
        return http.json_response(201, key, {"Location": f"/api/v1/api-keys/{key.id}"})

    return http.idempotent(idempotency_key, caller, "POST /api/v1/api-keys", body, create)


handler = http.lambda_handler(app)
