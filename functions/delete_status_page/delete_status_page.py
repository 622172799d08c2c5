"""DELETE /api/v1/status-pages/{status_page_id}: the page goes and its slug is free again (admin)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.routes import delete_route
from flare.status_pages import use_cases as status_pages

app = APIGatewayRestResolver(enable_validation=True)
delete_route(
    app,
    "delete_status_page",
    "/api/v1/status-pages/<status_page_id>",
    scope="admin",
    delete=status_pages.delete_status_page,
    summary="Delete a status page",
    tags=["status pages"],
)
handler = lambda_handler(app)
