"""GET /api/v1/integrations/{integration_id}: its configuration and webhook path, never its secret (admin)."""

from aws_lambda_powertools.event_handler import Response

from flare import http, integrations
from flare.models import IntegrationOut

app = http.create_app()


@app.get("/api/v1/integrations/<integration_id>", summary="Get an integration", tags=["integrations"])
def get_integration(integration_id: str) -> Response[IntegrationOut]:
    return http.json_response(200, integrations.get_integration(http.caller("admin"), integration_id))


handler = http.lambda_handler(app)
