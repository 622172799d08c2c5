"""DELETE /api/v1/integrations/{integration_id} (admin): its webhook stops answering; its incidents stay."""

from aws_lambda_powertools.event_handler import Response

from flare import http, integrations

app = http.create_app()


@app.delete(
    "/api/v1/integrations/<integration_id>", summary="Delete an integration", status_code=204, tags=["integrations"]
)
def delete_integration(integration_id: str) -> Response[None]:
    integrations.delete_integration(http.caller("admin"), integration_id)
    return http.json_response(204, None)


handler = http.lambda_handler(app)
