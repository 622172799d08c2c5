"""GET /status/{slug}/history.rss: the page's incidents and maintenances as an RSS 2.0 feed (no API key)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.public import feed_route

app = APIGatewayRestResolver(enable_validation=True)
feed_route(app, "get_public_history_rss", "rss")
handler = lambda_handler(app, reads_body=False, strict_query=False)  # readers add what links carry (?utm_…)
