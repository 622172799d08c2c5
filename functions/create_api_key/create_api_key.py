"""POST /api/v1/api-keys: a new key for the caller's organisation, shown once (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.access import organisations
from flare.access.models import CreateApiKeyRequest, NewApiKeyOut
from flare.http.entry import lambda_handler
from flare.http.routes import create_route

app = APIGatewayRestResolver(enable_validation=True)
create_route(
    app,
    "create_api_key",
    "/api/v1/api-keys",
    scope="admin",
    create=organisations.create_api_key,
    request=CreateApiKeyRequest,
    response=NewApiKeyOut,
    summary="Create an API key",
    tags=["api-keys"],
)
handler = lambda_handler(app)
