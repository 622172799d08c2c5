"""DELETE /api/v1/api-keys/{key_id}: revoke a key (effective within the authorizer cache TTL; admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.access import organisations
from flare.http.entry import lambda_handler
from flare.http.routes import delete_route

app = APIGatewayRestResolver(enable_validation=True)
delete_route(
    app,
    "revoke_api_key",
    "/api/v1/api-keys/<key_id>",
    scope="admin",
    delete=organisations.revoke_api_key,
    summary="Revoke an API key",
    tags=["api-keys"],
)
handler = lambda_handler(app)
