"""Figure: a public status page view, with 10 vs 10,000 incidents in the organisation's history: DynamoDB items
read per view (their ratio), warm time per view ÷ a bare Powertools resolver, and the page's size."""

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flare_bench.context import Context, quiet, write_items
from flare_bench.figures.warm_cpu import timed
from flare_bench.registry import Section, Verdict, figure
from flare_bench.round_trips import DynamoDBCalls

GOAL_RATIO = 1.05
GOAL_WARM = 2.0
GOAL_BYTES = 50_000
SMALL, LARGE = 10, 10_000
COMPONENTS, ACTIVE = 20, 5  # the page: 20 components and 5 active incidents
VIEWS = ("get_public_status_page", "get_statuspage_summary", "get_public_history_atom")
PER_REPETITION = 20


def _history_items(org_id: str, service_id: str, count: int, now: datetime) -> list[dict[str, Any]]:
    """`count` published, resolved incidents of the last 60 days on the service, in the store's item format."""
    from flare.ids import new_id
    from flare.incidents.models import Incident
    from flare.store import codec as codec_store
    from flare.store import incidents as incidents_store

    items = []
    for index in range(count):
        at = now - timedelta(days=60) + timedelta(seconds=index * (60 * 86400 // max(count, 1)))
        incident = Incident(
            id=new_id("inc", at),
            org_id=org_id,
            title=f"Past incident {index}",
            description="",
            severity="minor",
            status="resolved",
            published=True,
            affected_services=[service_id],
            tags=[],
            metadata={},
            created_at=at,
            updated_at=at + timedelta(minutes=30),
            started_at=at,
            published_at=at,
            resolved_at=at + timedelta(minutes=30),
        )
        items.append(codec_store.to_item(incidents_store.incident_item(incident)))
    return items


def _page_with_history(context: Context, history: int) -> tuple[Any, dict[str, Any]]:
    """A page of COMPONENTS services, ACTIVE active incidents (three updates each) and `history` past ones, its
    snapshot built by the projector; (the organisation, what the build read)."""
    from flare.status_pages import projection
    from tests.support.invoking import invoke

    context.new_table()
    org = context.new_org(f"pages-{history}")
    services = [
        invoke("create_service", org.api_key, body={"name": f"Component {n}"}).body["id"] for n in range(COMPONENTS)
    ]
    body = {"slug": "bench", "name": "Bench status", "components": [{"service_ids": services}]}
    page = invoke("create_status_page", org.api_key, body=body).body
    for n in range(ACTIVE):
        created = invoke(
            "create_incident",
            org.api_key,
            body={
                "title": f"Active incident {n}: elevated errors",
                "publish": True,
                "affected_services": [services[n]],
            },
        ).body
        for kind in ("identified", "monitoring"):
            text = f"Update on incident {n}: we found the cause and are watching the fix roll out."
            invoke(
                "create_incident_message",
                org.api_key,
                path_params={"incident_id": created["id"]},
                body={"type": kind, "description": text},
            )
    write_items(_history_items(org.organisation_id, services[-1], history, datetime.now(UTC)))
    with DynamoDBCalls() as calls:
        projection.project([projection.Change(org.organisation_id, "status_page", page["id"], datetime.now(UTC))])
    trips = calls.trips()
    return org, {"calls": len(trips.operations), "scanned": trips.scanned}


def _view_event(function: str) -> dict[str, Any]:
    import json

    from tests.support.invoking import EVENTS

    event = json.loads((EVENTS / f"{function}.json").read_text())
    event["pathParameters"]["slug"] = "bench"
    event["path"] = event["path"].replace("/status/search", "/status/bench")
    event["requestContext"]["path"] = "/live" + event["path"]
    return event


def _floor() -> tuple[Any, dict[str, Any]]:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    app = APIGatewayRestResolver(enable_validation=True)

    @app.get("/status/<slug>")
    def get_page(slug: str) -> dict:
        return {"slug": slug}

    return app.resolve, _view_event("get_public_status_page")


def _items_read(function: str) -> tuple[int, int]:
    """(DynamoDB calls, items read) of one view."""
    from tests.support.invoking import LambdaContext, handler_of

    with DynamoDBCalls() as calls:
        answer = handler_of(function)(_view_event(function), LambdaContext())
    if answer["statusCode"] != 200:
        raise AssertionError(f"{function}: {answer['statusCode']} {answer.get('body')}")
    operations = calls.trips().operations
    return len(operations), operations.count("GetItem") + calls.trips().scanned


@figure(
    "status_page_views",
    f"Status page views: items read with {SMALL:,} vs {LARGE:,} incidents, warm time ÷ a bare resolver, HTML bytes",
    goal=f"items read ratio ≤ {GOAL_RATIO:g}; warm ≤ {GOAL_WARM:g}; HTML ≤ {GOAL_BYTES // 1000} KB",
    order=55,
)
def status_page_views(context: Context) -> Section:
    from tests.support.invoking import LambdaContext, handler_of

    rows, verdicts, builds, bytes_ = [], [], {}, {}
    reads: dict[int, dict[str, tuple[int, int]]] = {}
    lambda_context = LambdaContext()
    floor, floor_event = _floor()
    warm: dict[str, tuple[float, float]] = {}
    with quiet():
        for history in (SMALL, LARGE):
            context.say(f"status page views: a page over {history:,} past incidents")
            started = time.perf_counter()
            _org, builds[history] = _page_with_history(context, history)
            builds[history]["seconds"] = time.perf_counter() - started
            reads[history] = {function: _items_read(function) for function in VIEWS}
            page = handler_of("get_public_status_page")(_view_event("get_public_status_page"), lambda_context)
            bytes_[history] = len(page["body"].encode())
            if history == LARGE:
                for function in VIEWS:
                    context.say(f"status page views: warm time of {function}")
                    own, _dynamodb, bare = timed(
                        function,
                        200,
                        handler_of(function),
                        _view_event(function),
                        floor,
                        floor_event,
                        lambda_context,
                        PER_REPETITION * context.repetitions,
                    )
                    warm[function] = (statistics.median(own) * 1000, statistics.median(bare) * 1000)

    for function in VIEWS:
        (small_calls, small_items), (large_calls, large_items) = reads[SMALL][function], reads[LARGE][function]
        ratio = large_items / small_items
        flare_ms, floor_ms = warm[function]
        rows.append(
            f"| `{function}` | {small_calls} | {small_items} | {large_calls} | {large_items} | **{ratio:.2f}** | "
            f"{flare_ms:.2f} | {floor_ms:.2f} | **{flare_ms / floor_ms:.2f}** |"
        )
        verdicts.append(
            Verdict(
                f"`{function}` items read, {LARGE:,} ÷ {SMALL:,} incidents",
                f"{ratio:.2f}",
                f"≤ {GOAL_RATIO:g}",
                ratio <= GOAL_RATIO,
            )
        )
        verdicts.append(
            Verdict(
                f"`{function}` warm time ÷ floor",
                f"{flare_ms / floor_ms:.2f}",
                f"≤ {GOAL_WARM:g}",
                flare_ms / floor_ms <= GOAL_WARM,
                why=() if flare_ms / floor_ms <= GOAL_WARM else (WHY_WARM,),
            )
        )
    verdicts.append(
        Verdict(
            f"HTML of a page with {COMPONENTS} components and {ACTIVE} active incidents",
            f"{bytes_[LARGE]:,} bytes",
            f"≤ {GOAL_BYTES:,}",
            bytes_[LARGE] <= GOAL_BYTES,
        )
    )

    small, large = f"{SMALL:,}", f"{LARGE:,}"
    header = f"| route | calls ({small}) | items ({small}) | calls ({large}) | items ({large}) | ratio | warm ms "
    header += f"({large}) | floor ms | warm ÷ floor |"
    body = f"""\
Each organisation has a status page over {COMPONENTS} services with {ACTIVE} active incidents (three updates each)
and {SMALL:,} or {LARGE:,} resolved incidents of the last 60 days on one of its services (written straight to the
table in the store's item format), the page's snapshot built by the projector (`status_pages.projection`, as the
table's stream runs it). A view is one public route's handler run on its `events/` sample; items read are what
its DynamoDB calls returned or scanned (the round-trip hook).

{header}
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Warm time: the view's handler outside botocore, median of {PER_REPETITION * context.repetitions} views of the
unchanged page after 20 warm-up ones (a herd: after the first, each is answered from the function's render
cache), ÷ a bare `APIGatewayRestResolver(enable_validation=True)` answering `GET /status/<slug>` with a one-key
dict, interleaved view by view (`warm_cpu.timed`).
HTML: {bytes_[SMALL]:,} bytes with {SMALL:,} incidents in history, {bytes_[LARGE]:,} with {LARGE:,} (the page
lists the five most recent resolved ones).

The projector's build, for comparison (it runs on the stream, never in a view): {builds[SMALL]["calls"]} calls
reading {builds[SMALL]["scanned"]} items with {SMALL:,} incidents, {builds[LARGE]["calls"]} calls reading
{builds[LARGE]["scanned"]} items with {LARGE:,} (the 100 most recent are kept; a first build reads each one's
timeline, later builds reuse what did not change).
"""
    return Section(body, verdicts)


WHY_WARM = (
    "Repeated views of an unchanged page, as a herd makes them, are answered from the function's render cache "
    "(http/public.py: by build and route, until the page changes or the day does); what is left is the entry "
    "point's work on every request (a JSON log line, EMF metrics, the answer with its caching and security "
    "headers) and finding the decoded snapshot of the item's blob, none of which the floor does. The first view "
    "after a change also decompresses, validates and renders the snapshot. ≤ 2 would take serving pages without "
    "the per-request log line and metrics (API Gateway's access log has the same facts)."
)
