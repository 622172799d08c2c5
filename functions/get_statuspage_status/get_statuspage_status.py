"""GET /status/{slug}/api/v2/status.json: Statuspage's public document (no key)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.public import statuspage_route

app = APIGatewayRestResolver(enable_validation=True)
statuspage_route(app, "get_statuspage_status", "status.json")
handler = lambda_handler(app, reads_body=False, strict_query=False)  # readers add what links carry (?utm_…)
