"""PATCH /api/v1/status-pages/{status_page_id}: change a page's slug, settings or components (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import update_route
from flare.status_pages import use_cases as status_pages
from flare.status_pages.models import StatusPageOut, UpdateStatusPageRequest

app = APIGatewayRestResolver(enable_validation=True)
update_route(
    app,
    "update_status_page",
    "/api/v1/status-pages/<status_page_id>",
    scope="admin",
    update=status_pages.update_status_page,
    request=UpdateStatusPageRequest,
    response=StatusPageOut,
    summary="Update a status page",
    tags=["status pages"],
)
handler = lambda_handler(app)
