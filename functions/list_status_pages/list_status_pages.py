"""GET /api/v1/status-pages: the organisation's status pages, newest first."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import list_route
from flare.status_pages import use_cases as status_pages
from flare.status_pages.models import StatusPageList

app = APIGatewayRestResolver(enable_validation=True)
list_route(
    app,
    "list_status_pages",
    "/api/v1/status-pages",
    scope="read:incidents",
    page=status_pages.list_status_pages,
    response=StatusPageList,
    summary="List status pages",
    tags=["status pages"],
)
handler = lambda_handler(app, paginates=True)
