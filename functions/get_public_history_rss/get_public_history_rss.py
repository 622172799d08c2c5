"""GET /status/{slug}/history.rss: the page's incidents and maintenances as an RSS 2.0 feed (no API key)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.public import RSS, public_route
from flare.status_pages import feeds

app = APIGatewayRestResolver(enable_validation=True)
public_route(
    app,
    "get_public_history_rss",
    "/status/<slug>/history.rss",
    RSS,
    lambda view: feeds.rss(view.snapshot, view.page_url),
    summary="A status page history (RSS)",
    tags=["public status pages"],
)
handler = lambda_handler(app, reads_body=False, strict_query=False)  # readers add what links carry (?utm_…)
