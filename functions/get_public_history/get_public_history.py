"""GET /status/{slug}/history[?month=YYYY-MM]: a status page's past incidents and maintenances, a month at a time
(HTML; no API key)."""

import re
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from flare.http.entry import lambda_handler
from flare.http.public import HTML, answer, error

app = APIGatewayRestResolver(enable_validation=True)
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


@app.get(
    "/status/<slug>/history",
    summary="A status page's history",
    tags=["public status pages"],
    responses={200: {"description": "The page", "content": {"text/html": {}}}},
)
def get_public_history(
    slug: str,
    month: Annotated[str | None, Query(description="YYYY-MM in the page's time zone; default: the latest")] = None,
) -> Response[str]:
    if month is not None and not _MONTH.match(month):
        return error(app, HTML, 400, "month must read YYYY-MM, e.g. 2026-11.")
    return answer(app, slug, HTML, lambda view: view.pages().history_page(month))


handler = lambda_handler(app, reads_body=False, strict_query=False)  # readers add what links carry (?utm_…)
