"""POST /api/v1/status-pages: a status page with its slug (unique across Flare) and the services it shows (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import create_route
from flare.status_pages import use_cases as status_pages
from flare.status_pages.models import CreateStatusPageRequest, StatusPageOut

app = APIGatewayRestResolver(enable_validation=True)
create_route(
    app,
    "create_status_page",
    "/api/v1/status-pages",
    scope="admin",
    create=status_pages.create_status_page,
    request=CreateStatusPageRequest,
    response=StatusPageOut,
    summary="Create a status page",
    tags=["status pages"],
)
handler = lambda_handler(app)
