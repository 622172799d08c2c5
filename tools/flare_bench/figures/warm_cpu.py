"""Figure: warm in-process time per request, DynamoDB excluded, ÷ a bare Powertools resolver with validation
doing no I/O."""

import copy
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from flare_bench.context import Context, quiet
from flare_bench.registry import Section, Verdict, figure
from flare_bench.round_trips import SCENARIOS, DynamoDBCalls, Scenario
from flare_bench.sampling import STAGES, Sampler

GOAL = 2.0
WHY = (
    "The floor routes one GET and answers a one-key dict. A Flare request also counts itself against its key's "
    "rate limit, checks the body, logs one JSON line with a correlation id (Powertools Logger), flushes EMF "
    "metrics, validates its parameters and body model, turns DynamoDB items into models and models into the "
    "answer model, and has Powertools validate that answer against the route's declared type and encode it as "
    'JSON (a whole incident, not `{{"id": …}}`). No one stage is the excess (the stage table). Powertools\' own '
    "part alone (routing, parsing and validating the request, validating and encoding the answer) is already "
    "{powertools} the floor here, because these routes' parameters, bodies and answers are richer than the "
    "floor's. ≤ 2 would take dropping most of the rest: e.g. no per-request INFO line ({logging} of the time; "
    "API Gateway's access log can carry the same facts), building the answer straight from the items instead of "
    "item → `Incident` → `IncidentOut`, and returning pre-encoded JSON so that Powertools neither re-validates "
    "nor re-encodes the answer (losing the check that answers match the OpenAPI document). A floor with the same "
    "route signature and answer would be the fairer yardstick."
)
MEASURED = ("create", "get", "list", "message")  # names in round_trips.SCENARIOS
WARM_UP = 20
PER_REPETITION = 20  # requests per repetition: the figure is the median over every request


def captured_event(scenario: Scenario, org: Any) -> dict[str, Any]:
    """The API Gateway event `tests.conftest.invoke` builds for the scenario's request (its events/ sample, with
    the real authorizer's context), caught instead of run, so it can be replayed without the authorizer."""
    from tests.support.invoking import handler_of

    request = scenario.prepare(org)
    real = handler_of(scenario.function)
    module = sys.modules[scenario.function]
    caught: dict[str, Any] = {}

    def catch(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        caught["event"] = event
        return {"statusCode": scenario.status, "body": None}

    module.handler = catch
    try:
        scenario.send(org.api_key, request)
    finally:
        module.handler = real
    return caught["event"]


def floor_handler() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A bare Powertools resolver with validation and one route that does no I/O."""
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    app = APIGatewayRestResolver(enable_validation=True)

    @app.get("/api/v1/incidents/<incident_id>")
    def get_incident(incident_id: str) -> dict:
        return {"id": incident_id}

    return app.resolve


def breakdown(handler: Callable, event: dict[str, Any], context: Any, requests: int) -> Sampler:
    """Samples of where the handler's time outside DynamoDB goes, over `requests` requests."""
    with Sampler() as sampler:
        for _ in range(requests):
            replay = copy.deepcopy(event)
            with sampler.active():
                handler(replay, context)
    return sampler


def _shares(counter, top: int = 8) -> str:
    return ", ".join(f"{label} {share:.0%}" for label, share in Sampler.shares(counter, top))


@figure(
    "warm_cpu",
    "Warm time per request, DynamoDB excluded ÷ a bare Powertools resolver",
    goal=f"≤ {GOAL:g}",
    order=40,
)
def warm_cpu(context: Context) -> Section:
    from tests.support.invoking import LambdaContext, handler_of

    context.new_table()
    lambda_context = LambdaContext()
    floor = floor_handler()
    scenarios = {scenario.name: scenario for scenario in SCENARIOS}
    requests = PER_REPETITION * context.repetitions
    rows, verdicts, samples, powertools, logging = [], [], {}, [], []
    with quiet():
        floor_event = captured_event(scenarios["get"], _org_with_room(context))
        for name in MEASURED:
            scenario = scenarios[name]
            context.new_table()  # each its own: moto's transactions slow down as a table grows
            event = captured_event(scenario, _org_with_room(context))
            handler = handler_of(scenario.function)
            context.say(f"warm cpu: {name} ({WARM_UP} warm-up + {requests} requests, and as many of the floor)")
            own, dynamodb, bare = timed(
                name, scenario.status, handler, event, floor, floor_event, lambda_context, requests
            )
            context.say(f"warm cpu: sampling where {name}'s time goes")
            samples[name] = breakdown(handler, event, lambda_context, requests)
            flare_ms, floor_ms = statistics.median(own) * 1000, statistics.median(bare) * 1000
            powertools_ms = flare_ms * sum(_share(samples[name].stages, STAGES[key]) for key in ("request", "response"))
            ratio = flare_ms / floor_ms
            rows.append(
                f"| {scenario.endpoint} | {scenario.what} | {flare_ms:.2f} | {powertools_ms:.2f} "
                f"({powertools_ms / floor_ms:.1f}×) | {statistics.median(dynamodb) * 1000:.2f} | {floor_ms:.2f} | "
                f"**{ratio:.2f}** | ≤ {GOAL:g} | {'yes' if ratio <= GOAL else '**no**'} |"
            )
            verdicts.append(
                Verdict(f"{scenario.endpoint}: {scenario.what}", f"{ratio:.2f}", f"≤ {GOAL:g}", ratio <= GOAL)
            )
            powertools.append(powertools_ms / floor_ms)
            logging.append(_share(samples[name].stages, STAGES["logging"]))

    why = WHY.format(
        powertools=f"{min(powertools):.1f}–{max(powertools):.1f}×", logging=f"{min(logging):.0%}–{max(logging):.0%}"
    )
    verdicts = [verdict if verdict.met else dataclasses.replace(verdict, why=(why,)) for verdict in verdicts]

    stages = sorted({stage for sampler in samples.values() for stage in sampler.stages})
    stage_rows = []
    for stage in sorted(stages, key=lambda stage: -sum(_share(samples[name].stages, stage) for name in MEASURED)):
        shares = " | ".join(f"{_share(samples[name].stages, stage):.0%}" for name in MEASURED)
        stage_rows.append(f"| {stage} | {shares} |")
    module_rows = "\n".join(f"- **{name}**: {_shares(samples[name].modules)}" for name in MEASURED)

    body = f"""\
Each function's handler runs in this process, warm ({WARM_UP} requests first), on the API Gateway event
`tests.conftest.invoke` builds for the request (its `events/` sample with the real authorizer's context),
replayed {requests} times ({context.repetitions} repetitions of {PER_REPETITION}). Its time per request is
`time.perf_counter()` around the handler minus the time spent inside botocore calls (the round-trip hook's
`provide-client-params` → `after-call` windows: serialising, sending, moto's work, parsing), so what is left
is Flare's own time: routing, validation, the domain code, building items, logging and metrics (written to
/dev/null). The floor is a bare `APIGatewayRestResolver(enable_validation=True)` with one route,
`GET /api/v1/incidents/<incident_id>` answering `{{"id": …}}`, run on the get event, interleaved request by
request with the function. Figure = median function time ÷ median floor time. (moto runs in a process of its
own, so its work never competes with the measured code.) "Of which Powertools" = Flare's time × the share of
the samples below (stage table) in Powertools' routing, request validation, answer validation and encoding.

| endpoint | request | Flare, ms | of which Powertools, ms (÷ floor) | botocore, ms | floor, ms | ratio | goal | met |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |
{chr(10).join(rows)}

Where Flare's time goes, DynamoDB excluded: samples every 0.2 ms of another {requests} requests of each
(`flare_bench/sampling.py`: a real-time interval timer in the measuring thread), by stage of the request:

| stage | {" | ".join(MEASURED)} |
| --- | {" | ".join("---:" for _ in MEASURED)} |
{chr(10).join(stage_rows)}

By module (the innermost Flare or Powertools frame › the library below it):

{module_rows}
"""
    return Section(body, verdicts)


def timed(
    name: str,
    status: int,
    handler: Callable,
    event: dict[str, Any],
    floor: Callable,
    floor_event: dict[str, Any],
    lambda_context: Any,
    requests: int,
) -> tuple[list[float], list[float], list[float]]:
    """Per request: (the handler's time outside botocore, its time inside, the floor's time), interleaved."""
    own, dynamodb, bare = [], [], []
    with DynamoDBCalls() as calls:
        for index in range(WARM_UP + requests):
            replay, floor_replay = copy.deepcopy(event), copy.deepcopy(floor_event)
            first = len(calls.calls)
            started = time.perf_counter()
            result = handler(replay, lambda_context)
            elapsed = time.perf_counter() - started
            in_dynamodb = sum(call.seconds for call in calls.calls[first:])
            started = time.perf_counter()
            floor_result = floor(floor_replay, lambda_context)
            floor_elapsed = time.perf_counter() - started
            if result["statusCode"] != status or floor_result["statusCode"] != 200:
                raise AssertionError(f"{name}: {result['statusCode']} {result.get('body')}")
            if index >= WARM_UP:
                own.append(elapsed - in_dynamodb)
                dynamodb.append(in_dynamodb)
                bare.append(floor_elapsed)
    return own, dynamodb, bare


def _share(counter, label: str) -> float:
    return counter[label] / (sum(counter.values()) or 1)


def _org_with_room(context: Context) -> Any:
    """A new organisation whose key allows more requests per minute than the figure sends."""
    from tests.support.invoking import invoke

    org = context.new_org("warm")
    body = {"name": "bench", "scopes": ["admin", "write:incidents"], "rate_limit_per_minute": 100_000}
    reply = invoke("create_api_key", org.api_key, body=body)
    if reply.status != 201:
        raise AssertionError(f"creating a key: {reply.status} {reply.body}")
    return dataclasses.replace(org, api_key=reply.body["key"])
