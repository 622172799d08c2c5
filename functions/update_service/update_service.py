"""PATCH /api/v1/services/{service_id}: rename or describe a service (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, services
from flare.models import ServiceOut, UpdateServiceRequest
from flare.preconditions import etag

app = http.create_app()


@app.patch("/api/v1/services/<service_id>", summary="Update a service", tags=["services"])
def update_service(
    service_id: str,
    body: Annotated[UpdateServiceRequest, Body()],
    if_match: Annotated[str | None, http.IF_MATCH] = None,
) -> Response[ServiceOut]:
    service = services.update_service(http.caller("admin"), service_id, body, if_match)
    return http.json_response(200, service, {"ETag": etag(service.version)})


handler = http.lambda_handler(app)
