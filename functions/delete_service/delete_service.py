"""DELETE /api/v1/services/{service_id} (admin; 409 while active incidents affect it)."""

from aws_lambda_powertools.event_handler import Response

from flare import http, services

app = http.create_app()


@app.delete("/api/v1/services/<service_id>", summary="Delete a service", status_code=204, tags=["services"])
def delete_service(service_id: str) -> Response[None]:
    services.delete_service(http.caller("admin"), service_id)
    return http.json_response(204, None)


handler = http.lambda_handler(app)
