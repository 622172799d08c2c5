"""POST /api/v1/services: register a service incidents can affect (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, services
from flare.models import CreateServiceRequest, ServiceOut
from flare.preconditions import etag

app = http.create_app()


@app.post("/api/v1/services", summary="Create a service", status_code=201, tags=["services"])
def create_service(
    body: Annotated[CreateServiceRequest, Body()], idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None
) -> Response[ServiceOut]:
    caller = http.caller("admin")

    def create() -> Response:
        service = services.create_service(caller, body)
        headers = {"Location": f"/api/v1/services/{service.id}", "ETag": etag(service.version)}
        return http.json_response(201, service, headers)

    return http.idempotent(idempotency_key, caller, "POST /api/v1/services", body, create)


handler = http.lambda_handler(app)
