"""GET /status/{slug}/history.atom: the page's incidents and maintenances as an Atom feed (no API key)."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.http.entry import lambda_handler
from flare.http.public import ATOM, public_route
from flare.status_pages import feeds

app = APIGatewayRestResolver(enable_validation=True)
public_route(
    app,
    "get_public_history_atom",
    "/status/<slug>/history.atom",
    ATOM,
    lambda view: feeds.atom(view.snapshot, view.page_url),
    summary="A status page history (Atom)",
    tags=["public status pages"],
)
handler = lambda_handler(app, reads_body=False, strict_query=False)  # readers add what links carry (?utm_…)
