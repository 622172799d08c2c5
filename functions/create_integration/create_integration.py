"""POST /api/v1/integrations: connect an alerting tool (admin). A signing secret is shown only in this answer."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from flare import http, integrations
from flare.models import CreateIntegrationRequest, NewIntegrationOut

app = http.create_app()


@app.post("/api/v1/integrations", summary="Create an integration", status_code=201, tags=["integrations"])
def create_integration(
    body: Annotated[CreateIntegrationRequest, Body()],
    idempotency_key: Annotated[str | None, http.IDEMPOTENCY_KEY] = None,
) -> Response[NewIntegrationOut]:
    caller = http.caller("admin")

    def create() -> Response:
        integration = integrations.create_integration(caller, body)
        return http.json_response(201, integration, {"Location": f"/api/v1/integrations/{integration.id}"})

    return http.idempotent(idempotency_key, caller, "POST /api/v1/integrations", body, create)


handler = http.lambda_handler(app)
