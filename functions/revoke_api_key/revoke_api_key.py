"""DELETE /api/v1/api-keys/{key_id}: revoke a key (effective within the authorizer cache TTL; admin)."""

from aws_lambda_powertools.event_handler import Response

from flare import http, organisations

app = http.create_app()


@app.delete("/api/v1/api-keys/<key_id>", summary="Revoke an API key", status_code=204, tags=["api-keys"])
def revoke_api_key(key_id: str) -> Response[None]:
    organisations.revoke_api_key(http.caller("admin"), key_id)
    return http.json_response(204, None)


handler = http.lambda_handler(app)
