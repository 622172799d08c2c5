"""Figure: items read by `GET /incidents?limit=50` with 50,000 incidents stored ÷ with 1,000 stored."""

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flare_bench.context import BATCH, Context, quiet, write_items
from flare_bench.registry import Section, Verdict, figure
from flare_bench.round_trips import Request, Scenario, count

GOAL = 1.05
SMALL = 1_000
PAGE = 50

SEED_BUDGET_SECONDS = 240  # "within a few minutes"; a count that would not fit is scaled down and said so
T0 = datetime(2026, 1, 1, tzinfo=UTC)
GOAL_QUERY = "newest first"
FILTERED_REPETITIONS = 3


def _incident_items(org_id: str, count: int) -> list[dict[str, Any]]:
    """`count` published incidents in the store's own item format (`store.incidents.incident_item`), one second
    apart."""
    from flare.ids import new_id
    from flare.incidents.models import Incident
    from flare.store import codec as codec_store
    from flare.store import incidents as incidents_store

    items = []
    for index in range(count):
        at = T0 + timedelta(seconds=index)
        incident = Incident(
            id=new_id("inc", at),
            org_id=org_id,
            title=f"Seeded incident {index}",
            description="",
            severity="minor",
            status="investigating",
            published=True,
            affected_services=[],
            tags=[],
            metadata={},
            created_at=at,
            updated_at=at,
            started_at=at,
            published_at=at,
        )
        items.append(codec_store.to_item(incidents_store.incident_item(incident)))
    return items


def seed(org_id: str, count: int, *, deadline: float | None = None) -> int:
    """Write `count` incidents straight to the table with BatchWriteItem (not through the API: fast). Stops at
    `deadline` (perf_counter) and returns how many it wrote."""
    return write_items(_incident_items(org_id, count), deadline=deadline)


def _listing(query: dict[str, str]) -> Scenario:
    return Scenario("list", "GET /incidents", "list_incidents", "a page", 200, lambda _org: Request(query=query))


def _read(org: Any, listing: Scenario) -> tuple[int, int]:
    """(items the function's Queries read, its round trips) for one request."""
    trips = count(listing, org)
    return trips.scanned, len(trips.operations)


@figure(
    "list_scaling",
    f"Items read by GET /incidents?limit={PAGE}: many incidents stored ÷ {SMALL:,} stored",
    goal=f"≤ {GOAL}",
    order=30,
)
def list_scaling(context: Context) -> Section:
    context.new_table()
    small, large = context.new_org("small"), context.new_org("large")
    wanted = context.large_incident_count

    context.say(f"list scaling: seeding {SMALL:,} incidents")
    started = time.perf_counter()
    seed(small.organisation_id, SMALL)
    small_seconds = time.perf_counter() - started
    context.say(f"list scaling: seeding {wanted:,} incidents ({small_seconds:.1f} s for {SMALL:,})")
    started = time.perf_counter()
    stored = seed(large.organisation_id, wanted, deadline=started + SEED_BUDGET_SECONDS)
    seed_seconds = time.perf_counter() - started
    scaled = "" if stored == wanted else f" **Scaled down**: {wanted:,} did not fit in {SEED_BUDGET_SECONDS} s."

    queries = {
        GOAL_QUERY: {"limit": str(PAGE)},
        "with a filter nothing matches": {"limit": str(PAGE), "status": "resolved"},
    }
    measured: dict[str, dict[str, list[tuple[int, int]]]] = {name: {"small": [], "large": []} for name in queries}
    with quiet():
        for repetition in range(context.repetitions):
            context.say(f"list scaling: repetition {repetition + 1}/{context.repetitions}")
            for name, query in queries.items():
                if name != GOAL_QUERY and repetition >= FILTERED_REPETITIONS:
                    continue  # no goal, deterministic, and slow on moto (ten Queries on the whole table)
                measured[name]["small"].append(_read(small, _listing(query)))
                measured[name]["large"].append(_read(large, _listing(query)))

    rows, verdicts = [], []
    for name in queries:
        read_small = statistics.median(read for read, _trips in measured[name]["small"])
        read_large = statistics.median(read for read, _trips in measured[name]["large"])
        trips_small = statistics.median(trips for _read, trips in measured[name]["small"])
        trips_large = statistics.median(trips for _read, trips in measured[name]["large"])
        ratio = read_large / read_small
        is_goal = name == GOAL_QUERY
        met = ratio <= GOAL if is_goal else None
        rows.append(
            f"| `?{'&'.join(f'{k}={v}' for k, v in queries[name].items())}` ({name}) | {read_small:g} "
            f"({trips_small:g} Query) | {read_large:g} ({trips_large:g} Query) | **{ratio:.2f}** | "
            f"{f'≤ {GOAL}' if is_goal else ''} | {'' if met is None else 'yes' if met else '**no**'} |"
        )
        if is_goal:
            why = () if met else ("The page reads more as the table grows: check `query_collection`'s Limit.",)
            verdicts.append(
                Verdict(f"items read, {stored:,} stored ÷ {SMALL:,} stored", f"{ratio:.2f}", f"≤ {GOAL}", met, why)
            )

    body = f"""\
Two organisations in one table: {SMALL:,} incidents in one, {stored:,} in the other.{scaled} They are
written straight to the table in the store's own item format (`incidents_store.incident_item`, BatchWriteItem of
{BATCH}), not through the API: seeding took {small_seconds:.1f} s for {SMALL:,} and {seed_seconds:.1f} s for
{stored:,} on moto. Then `GET /incidents` runs through its handler; items read = the `ScannedCount` of the
function's Queries (counted by the same hook as the round trips), median of {context.repetitions} repetitions
({FILTERED_REPETITIONS} for the filtered request, which has no goal).

| request | {SMALL:,} stored | {stored:,} stored | ratio | goal | met |
| --- | ---: | ---: | ---: | --- | --- |
{chr(10).join(rows)}

A page is one Query on GSI1 with `Limit` = page size + 1 (the extra item tells whether a next page exists), so
it reads the same {PAGE + 1} items whatever the table holds. A filter is applied after reading: a selective
one reads on, up to 1,000 items per request (`query_collection`'s `max_items_read`), and then answers a
short page with a `next_cursor`; that cap, not the table, bounds its cost too. (moto itself walks the whole
table for a GSI Query, so wall time on moto grows with the table; DynamoDB reads only the key range.)
"""
    return Section(body, verdicts)
