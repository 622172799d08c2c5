"""GET /status/{slug}/incidents/{record}: one incident (INC-reference or id) or maintenance of a page (HTML)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.public import HTML, public_route

app = APIGatewayRestResolver(enable_validation=True)
public_route(
    app,
    "get_public_incident",
    "/status/<slug>/incidents/<record>",
    HTML,
    lambda view, record: view.pages().record_page(record),
    summary="An incident or maintenance of a status page",
    tags=["public status pages"],
)
handler = lambda_handler(app, reads_body=False, strict_query=False)  # readers add what links carry (?utm_…)
