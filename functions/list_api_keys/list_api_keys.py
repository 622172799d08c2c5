"""GET /api/v1/api-keys: the organisation's keys, never their secrets (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.access import organisations
from flare.access.models import ApiKeyList
from flare.http.entry import lambda_handler
from flare.http.routes import list_route

app = APIGatewayRestResolver(enable_validation=True)
list_route(
    app,
    "list_api_keys",
    "/api/v1/api-keys",
    scope="admin",
    page=organisations.list_api_keys,
    response=ApiKeyList,
    summary="List API keys",
    tags=["api-keys"],
)
handler = lambda_handler(app, paginates=True)
