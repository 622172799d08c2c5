"""GET /status/{slug}: the status page, as people read it (HTML; no API key)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.public import HTML, public_route

app = APIGatewayRestResolver(enable_validation=True)
public_route(
    app,
    "get_public_status_page",
    "/status/<slug>",
    HTML,
    lambda view: view.pages().status_page(),
    summary="A status page",
    tags=["public status pages"],
)
handler = lambda_handler(app, reads_body=False, strict_query=False)  # readers add what links carry (?utm_…)
