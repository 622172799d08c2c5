"""Figure: DynamoDB round trips per request, for every endpoint (and the authorizer)."""

import statistics
from collections import Counter

from flare_bench.context import Context, quiet
from flare_bench.figures.init_time import template_functions
from flare_bench.registry import Section, Verdict, figure
from flare_bench.round_trips import AUTHORIZER, SCENARIOS, Scenario, Trips, count

SERVICES = (
    "**The services' statuses in the answer** (the BatchGetItem). The answer carries each affected service's "
    "name and live status, which live on the service items (their `impacts`), not on the incident: "
    "`incidents._view` → `_summaries` → `services_store.get_services` reads them with one BatchGetItem for the whole "
    "answer (per 100 services). A Query reads one partition and a transaction returns no item on success, so "
    "neither the read nor the write can bring them along. 1 round trip would take answering "
    "without them (clients GET /services/{id}), or keeping them on the incident item, which every change of any "
    "incident sharing a service would then have to rewrite."
)
READ_MODIFY_WRITE = (
    "**Read-modify-write** (Query, then TransactWriteItems). The change needs what the client does not send: the "
    "incident's version for the write's condition, its affected services (their impacts are set or removed in "
    "the same transaction) and its dedupe claim (released on resolve); and the answer is the whole incident "
    "with its newest messages. 1 round trip would take a blind conditional transaction like "
    "`incidents_store.append_message`, possible only for a change that touches neither services nor the dedupe claim "
    "(e.g. a PATCH of title, description, tags or metadata without `If-Match`), and an answer without the "
    "messages (an UpdateItem can return the incident item, not its messages)."
)
WASTED_VIEW = (
    "**A wasted BatchGetItem** (easy to save). `incidents.add_message` goes through `incidents._change`, which "
    "builds the whole incident view (`_view` → `services_store.get_services`) although this endpoint answers with the "
    "message only. Not building the view there (product code: a flag on `_change`, or a variant that returns "
    "the written incident) saves a round trip whenever the incident affects services."
)
COUNTED_REPEAT = (
    "**A counted repeat answers with the whole incident** (TransactWriteItems, UpdateItem, Query). The failed "
    "claim names the incident; counting the repeat (`occurrences`, `last_seen_at`) is one conditional "
    "UpdateItem, which returns the incident item but not its messages, so the answer's timeline costs a Query. "
    "Receivers answer with the outcome alone and count a repeat in 2 (BatchGetItem of the integration with the "
    "key's claim, then the UpdateItem)."
)
REOPEN = (
    "**Reopening tries the blind append first** (TransactWriteItems, then Query and TransactWriteItems). A status "
    "message is first one conditional transaction (`incidents_store.append_message`, the incident must be unresolved); "
    "on a resolved incident the condition fails and the read-modify-write path reopens it. Reopening is rare; "
    "reading first would cost the common case its single round trip."
)

WHY: dict[str, tuple[str, ...]] = {
    "create_affecting_a_service": (SERVICES,),
    "create_dedupe_hit": (COUNTED_REPEAT,),
    "create_dedupe_hit_affecting_a_service": (COUNTED_REPEAT, SERVICES),
    "get_affecting_a_service": (SERVICES,),
    "list_affecting_services": (SERVICES,),
    "message_that_resolves": (READ_MODIFY_WRITE,),
    "message_that_resolves_affecting_a_service": (READ_MODIFY_WRITE, WASTED_VIEW),
    "message_that_reopens": (REOPEN,),
    "resolve": (READ_MODIFY_WRITE,),
    "resolve_affecting_a_service": (READ_MODIFY_WRITE, SERVICES),
    "patch": (READ_MODIFY_WRITE,),
    "patch_affecting_a_service": (READ_MODIFY_WRITE, SERVICES),
}


def _operations(trips: Trips, scenario: Scenario) -> list[str]:
    return trips.authorizer if scenario.function == AUTHORIZER else trips.operations


def _shown(operations: list[str]) -> str:
    return " → ".join(operations) if operations else "—"


@figure(
    "round_trips",
    "DynamoDB round trips per request",
    goal="1 for create, get, list, message, resolve, patch (rate-limit counter excluded); ≤ 2 on a dedupe hit",
    order=20,
)
def round_trips_per_request(context: Context) -> Section:
    runs: dict[str, list[Trips]] = {scenario.name: [] for scenario in SCENARIOS}
    with quiet():
        for repetition in range(context.repetitions):
            context.say(f"round trips: repetition {repetition + 1}/{context.repetitions}")
            context.new_table()
            for scenario in SCENARIOS:  # each in a fresh organisation: nothing left from another
                runs[scenario.name].append(count(scenario, context.new_org(scenario.name)))

    rows, verdicts = [], []
    for scenario in SCENARIOS:
        trips = runs[scenario.name]
        variants = Counter(tuple(_operations(trip, scenario)) for trip in trips)
        operations = list(variants.most_common(1)[0][0])
        shown = _shown(operations)
        if len(variants) > 1:
            shown += " (varied: " + "; ".join(f"{_shown(list(v))} ×{n}" for v, n in variants.items()) + ")"
        round_trips = statistics.median(len(_operations(trip, scenario)) for trip in trips)
        rate_limit = statistics.median(len(trip.rate_limit) for trip in trips)
        total = statistics.median(trip.total for trip in trips) if scenario.function != AUTHORIZER else round_trips
        met = None if scenario.goal is None else round_trips <= scenario.goal
        goal = "" if scenario.goal is None else (f"≤ {scenario.goal}" if scenario.goal > 1 else "1")
        rows.append(
            f"| {scenario.endpoint} | {scenario.what} | **{round_trips:g}** | {shown} | "
            f"{f'+ {rate_limit:g} UpdateItem' if rate_limit else '—'} | {total:g} | {goal} | "
            f"{'' if met is None else 'yes' if met else '**no**'} |"
        )
        if met is not None:
            why = () if met else WHY.get(scenario.name, ())
            verdicts.append(Verdict(f"{scenario.endpoint}: {scenario.what}", f"{round_trips:g}", goal, met, why))

    counted = {scenario.function for scenario in SCENARIOS}
    functions = template_functions()
    uncounted = [f"`{f.name}`" for f in functions if f.serves_requests and f.name not in counted]
    scheduled = [f"`{f.name}`" for f in functions if not f.serves_requests]
    missing = ""
    if uncounted:
        missing += f"\n\nEndpoints of template.yaml without a scenario yet (add one): {', '.join(uncounted)}."
    if scheduled:
        missing += f"\n\nNot requests, so not counted here: {', '.join(scheduled)} (run on a schedule)."
    body = f"""\
Every DynamoDB API call the store's client makes during one request, counted with botocore's event hooks
(`flare_bench/round_trips.py`: `provide-client-params` / `after-call` on `flare.store.client.client().meta.events`;
botocore's own retries would not add to the count) on the embedded DynamoDB (moto). Each request runs as API
Gateway runs it, authorizer first, on its `events/` sample event (`tests.conftest.invoke`); what it needs is
prepared through the API beforehand, not counted. {context.repetitions} repetitions, each request in a fresh
organisation; the figure is the median (counts are deterministic: a request whose calls varied says so).

- **round trips**: the function's own calls, which the goals count. Not counted there:
- **rate limit**: the per-key counter every authenticated request spends first (`flare/ratelimit.py`: one
  conditional `UpdateItem` on `RATE#<key>`), excluded from the goals;
- **authorizer**: its one `GetItem` of the API key, which API Gateway caches per key for
  `AuthorizerCacheSeconds` (60 s by default): most requests do not spend it (its own row, last).
- **total** = round trips + rate limit: what a request costs with a cached authorizer.

`tests/integration/test_round_trips.py` asserts these counts from the same scenarios, so a regression fails CI.

| endpoint | request | round trips | operations | rate limit | total | goal | met |
| --- | --- | ---: | --- | --- | ---: | --- | --- |
{chr(10).join(rows)}{missing}
"""
    return Section(body, verdicts)
