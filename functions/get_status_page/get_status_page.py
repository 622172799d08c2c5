"""GET /api/v1/status-pages/{status_page_id}: a status page's settings and components."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import get_route
from flare.status_pages import use_cases as status_pages
from flare.status_pages.models import StatusPageOut

app = APIGatewayRestResolver(enable_validation=True)
get_route(
    app,
    "get_status_page",
    "/api/v1/status-pages/<status_page_id>",
    scope="read:incidents",
    read=status_pages.get_status_page,
    response=StatusPageOut,
    summary="Get a status page",
    tags=["status pages"],
)
handler = lambda_handler(app)
