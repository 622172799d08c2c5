"""Figure: outbound events. What a request spends on them (nothing: its round trips with and without subscribers),
how long a change takes to reach a webhook on the local stack (commit → delivered, median and p99), and how many
deliveries one deliverer makes per second."""

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

from flare_bench.context import ROOT, Context, quiet
from flare_bench.registry import Section, Verdict, figure
from flare_bench.round_trips import DynamoDBCalls

SUBSCRIBERS = 3
LATENCY_CHANGES = 100
THROUGHPUT_WEBHOOKS, THROUGHPUT_INCIDENTS = 10, 30  # × 2 events each (created, published): 600 deliveries
GOAL_LATENCY_MEDIAN_MS = 1000


class _OutboundCalls:
    """Counts the calls the bus's and the queue's clients make in the `with` block (a request must make none)."""

    def __init__(self) -> None:
        from flare.messaging.clients import events_client, sqs_client

        self._clients = (events_client(), sqs_client())
        self.count = 0

    def _count(self, **_: Any) -> None:
        self.count += 1

    def __enter__(self) -> "_OutboundCalls":
        for client in self._clients:
            client.meta.events.register("provide-client-params", self._count, unique_id="flare-bench-outbound")
        return self

    def __exit__(self, *exc_info: object) -> None:
        for client in self._clients:
            client.meta.events.unregister("provide-client-params", unique_id="flare-bench-outbound")


def _measure_requests(org: Any, service: str) -> dict[str, tuple[int, int]]:
    """Each request's (DynamoDB round trips, calls to the bus or the queue)."""
    from tests.support.invoking import invoke

    incident = invoke("create_incident", org.api_key, body={"title": "Slow", "publish": True}).body
    path = {"incident_id": incident["id"]}
    requests = {
        "create a published incident affecting a service": (
            "create_incident",
            None,
            {"title": "Down", "publish": True, "affected_services": [service]},
        ),
        "post a message": ("create_incident_message", path, {"type": "identified", "description": "Found it."}),
        "resolve": ("resolve_incident", path, {}),
    }
    measured = {}
    for name, (function, path_params, body) in requests.items():
        with DynamoDBCalls() as calls, _OutboundCalls() as outbound:
            reply = invoke(function, org.api_key, path_params=path_params, body=body)
        if reply.status >= 300:
            raise AssertionError(f"{name}: {reply.status} {reply.body}")
        measured[name] = (len(calls.trips().operations), outbound.count)
    return measured


def _request_path(context: Context) -> list[tuple[str, int, int, int, int]]:
    """(request, round trips without subscribers, with SUBSCRIBERS, outbound calls without, with)."""
    from tests.support.invoking import invoke

    measured: dict[int, dict[str, tuple[int, int]]] = {}
    for subscribers in (0, SUBSCRIBERS):
        context.new_table()
        org = context.new_org(f"outbound-{subscribers}")
        for n in range(subscribers):
            invoke("create_webhook", org.api_key, body={"url": f"https://hooks.example.com/{n}"})
        service = invoke("create_service", org.api_key, body={"name": "Checkout"}).body["id"]
        measured[subscribers] = _measure_requests(org, service)
    rows = []
    for name in measured[0]:
        (without, out_without), (with_, out_with) = measured[0][name], measured[SUBSCRIBERS][name]
        rows.append((name, without, with_, out_without, out_with))
    return rows


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _local_stack(context: Context) -> tuple[subprocess.Popen, str, str]:
    """`python -m flare_local` on free ports (as `make dev`): the process, its API and its demo key."""
    import httpx

    from flare.access.auth import new_key

    port, key = _free_port(), new_key()[2]
    state = ROOT / ".flare_local" / "bench-stack.json"
    env = os.environ | {
        "PORT": str(port),
        "FLARE_DYNAMODB_PORT": str(_free_port()),
        "FLARE_DEV_API_KEY": key,
        "FLARE_LOCAL_STATE": str(state),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flare_local"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    api = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/services", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code == 200:
                return process, api, key
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the local stack did not start")


def _latency(context: Context) -> list[float]:
    """Milliseconds from a change's answer (its commit came just before) to its webhook's arrival, for
    LATENCY_CHANGES changes made one after another on the local stack."""
    import httpx

    from tests.support.webhook_receiver import webhook_receiver

    process, api, key = _local_stack(context)
    latencies = []
    try:
        with (
            webhook_receiver() as receiver,
            httpx.Client(base_url=api, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client,
        ):
            client.post("/webhooks", json={"url": receiver.url, "event_types": ["incident.created"]}).raise_for_status()
            for n in range(LATENCY_CHANGES):
                client.post("/incidents", json={"title": f"Latency {n}"}).raise_for_status()
                committed = time.monotonic()
                received = receiver.wait_for(n + 1, timeout=30)
                if len(received) <= n:
                    raise RuntimeError(f"change {n} was not delivered within 30 s")
                latencies.append((received[n].at - committed) * 1000)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return latencies


def _throughput(context: Context) -> tuple[int, float]:
    """(deliveries, seconds) for one deliverer, invoked batch after batch on a full queue, all to a receiver that
    answers 204 at once."""
    from flare_local.queues import QueuePump, queue_subscriptions
    from flare_local.template import DEFAULT_TEMPLATE, load_template
    from tests.support.invoking import handler_of, invoke
    from tests.support.outbound import DelivererContext
    from tests.support.streams import deliver_changes
    from tests.support.webhook_receiver import webhook_receiver

    class _Table:  # what tests.support.streams needs of a table
        def __init__(self, name: str, server: Any) -> None:
            self.name, self.client = name, server.client()
            self.streams_client = lambda: server.client("dynamodbstreams")

    name = context.new_table()
    server = context.dynamodb()
    org = context.new_org("throughput")
    with webhook_receiver() as receiver:
        for n in range(THROUGHPUT_WEBHOOKS):
            for kind in ("created", "published"):
                body = {"url": f"{receiver.url}/{n}/{kind}", "event_types": [f"incident.{kind}"]}
                invoke("create_webhook", org.api_key, body=body)
        for n in range(THROUGHPUT_INCIDENTS):
            invoke("create_incident", org.api_key, body={"title": f"Throughput {n}", "publish": True})
        deliver_changes(_Table(name, server))  # the publisher queues them all
        template = load_template(DEFAULT_TEMPLATE)
        (subscription,) = queue_subscriptions(template)
        handler = handler_of("deliver_outbound")
        pump = QueuePump(
            server.client("sqs"),
            context.messaging.queue_urls,
            template,
            lambda _logical_id, event: handler(event, DelivererContext()),
        )
        started = time.perf_counter()
        while pump.poll(subscription):  # one invocation at a time: one consumer
            pass
        seconds = time.perf_counter() - started
        return len(receiver.received), seconds


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


@figure(
    "outbound",
    "Outbound events: a request's cost, commit → delivered webhook, deliveries per second",
    goal=f"request round trips unchanged, no outbound call in a request; median ≤ {GOAL_LATENCY_MEDIAN_MS} ms locally",
    order=60,
)
def outbound(context: Context) -> Section:
    with quiet():
        context.say("outbound: a request's round trips with and without webhook subscribers")
        request_rows = _request_path(context)
        context.say(f"outbound: {LATENCY_CHANGES} changes through the local stack to a webhook")
        latencies = _latency(context)
        context.say("outbound: one deliverer draining a full queue")
        delivered, seconds = _throughput(context)

    verdicts = []
    rows = []
    for name, without, with_, out_without, out_with in request_rows:
        rows.append(f"| {name} | {without} | {with_} | {out_without} | {out_with} |")
        verdicts.append(
            Verdict(
                f"{name}: DynamoDB round trips with {SUBSCRIBERS} subscribers, and calls to the bus or queue",
                f"{with_} (without: {without}); {out_with}",
                "unchanged; 0",
                with_ == without and out_with == 0 and out_without == 0,
            )
        )
    median, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    verdicts.append(
        Verdict(
            "commit → delivered webhook on the local stack, median",
            f"{median:.0f} ms (p99 {p99:.0f} ms)",
            f"≤ {GOAL_LATENCY_MEDIAN_MS} ms",
            median <= GOAL_LATENCY_MEDIAN_MS,
        )
    )
    rate = delivered / seconds
    verdicts.append(Verdict("deliveries per second, one deliverer (batches of 10)", f"{rate:.0f}"))
    body = f"""\
**A request's cost.** Each request is a handler run on its `events/` sample against a fresh table, with no webhook
subscription and then with {SUBSCRIBERS}; the round-trip hook counts its DynamoDB calls (not the authorizer's, not the
rate limit's), and a hook on the bus's and the queue's clients counts theirs.

| request | DynamoDB round trips, no subscriber | with {SUBSCRIBERS} | bus/queue calls, none | with {SUBSCRIBERS} |
| --- | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Events are made from the table's stream after the commit (`PublishEventsFunction`), so a request costs the same
whoever listens.

**Commit → delivered.** `python -m flare_local` (as `make dev`), one subscription, {LATENCY_CHANGES}
incidents created one after another over HTTP; each latency is from the API's answer (the commit precedes it)
to the receiver's arrival of its `incident.created`: median **{median:.0f} ms**, p99 **{p99:.0f} ms**, min
{min(latencies):.0f} ms, max {max(latencies):.0f} ms. Locally the stream is polled every 100 ms and the queue
every 50 ms, and the publisher and the deliverer share one process with the API. On AWS the two event source
mappings poll instead (the stream's with no batching window); that latency was not measured here (no AWS account).

**Throughput.** {THROUGHPUT_WEBHOOKS * 2} subscriptions × {THROUGHPUT_INCIDENTS} published incidents queued
{delivered} deliveries (one group per subscription and incident); the deliverer function was invoked batch after
batch (10 messages, each batch's groups in parallel threads), one invocation at a time, against a receiver that
answers at once: {delivered} deliveries in {seconds:.1f} s, **{rate:.0f} per second** for one consumer, each
attempt one DynamoDB read and one write on the embedded DynamoDB (which serves one request at a time). On AWS up
to 20 deliverers run at once (`ScalingConfig.MaximumConcurrency`).
"""
    return Section(body, verdicts)
