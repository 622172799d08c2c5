"""DynamoDB faults injected below the store (botocore's before-send hook): retried with backoff; when they
persist, a 503 problem with Retry-After and nothing half-written."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries.standard import ExponentialBackoff

from flare.incidents import filing
from flare.incidents import use_cases as incidents
from flare.incidents.models import CreateIncidentRequest
from flare.store import client as client_store
from tests.support import caller_of, incident_items
from tests.support.invoking import invoke

THROTTLED = (400, "com.amazonaws.dynamodb.v20120810#ThrottlingException", "Rate of requests exceeds the allowed")
BROKEN = (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_kwargs):
        yield self._body


class Faults:
    """Fails the next `times` calls of `operation` with `fault`, and records every attempt and backoff."""

    def __init__(self):
        self.plan: dict[str, tuple[tuple[int, str, str], int]] = {}
        self.attempts: dict[str, int] = {}
        self.backoffs: list[float] = []

    def inject(self, operation: str, fault: tuple[int, str, str], times: int = 1000) -> None:
        self.plan[operation] = (fault, times)

    def __call__(self, request, **_kwargs):
        operation = request.headers.get("X-Amz-Target", b"")
        operation = (operation.decode() if isinstance(operation, bytes) else operation).rpartition(".")[2]
        self.attempts[operation] = self.attempts.get(operation, 0) + 1
        fault, times = self.plan.get(operation, (None, 0))
        if not fault or times <= 0:
            return None
        self.plan[operation] = (fault, times - 1)
        status, kind, message = fault
        body = json.dumps({"__type": kind, "message": message}).encode()
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body))


@pytest.fixture
def faults(table, monkeypatch):
    injected = Faults()
    real_delay = ExponentialBackoff.delay_amount

    def recorded_delay(self, context):
        injected.backoffs.append(real_delay(self, context))
        return 0  # the test asserts the backoff botocore chose; it need not sleep it

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", recorded_delay)
    client_store.client().meta.events.register_first("before-send.dynamodb", injected)
    return injected


def test_a_passing_throttle_is_retried_with_backoff_and_the_request_succeeds(org, table, faults):
    faults.inject("TransactWriteItems", THROTTLED, times=2)

    created = invoke("create_incident", org.api_key, body={"title": "Queue backlog"})

    assert created.status == 201
    assert faults.attempts["TransactWriteItems"] == 3
    assert len(faults.backoffs) == 2 and all(delay > 0 for delay in faults.backoffs)
    assert len(incident_items(table)) == 1


def test_persistent_throttling_is_a_503_with_retry_after_and_writes_nothing(org, table, faults):
    before = table.items()
    faults.inject("TransactWriteItems", THROTTLED)

    refused = invoke("create_incident", org.api_key, body={"title": "Queue backlog", "external_id": "q-1"})

    assert refused.status == 503
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.body["status"] == 503
    assert faults.attempts["TransactWriteItems"] == 4  # botocore's standard mode: 1 try + 3 retries
    assert table.items() == before


def test_internal_errors_on_reads_are_503s(org, faults):
    created = invoke("create_incident", org.api_key, body={"title": "Slow search"}).body
    faults.inject("Query", BROKEN)

    refused = invoke("get_incident", org.api_key, path_params={"incident_id": created["id"]})

    assert refused.status == 503
    assert "Retry-After" in refused.headers


def test_a_fault_after_a_repeat_was_counted_leaves_one_incident(org, table, faults):
    first = invoke("create_incident", org.api_key, body={"title": "Disk", "source": "am", "external_id": "d1"})
    faults.inject("Query", THROTTLED)  # the read of the incident's timeline for the answer

    refused = invoke("create_incident", org.api_key, body={"title": "Disk", "source": "am", "external_id": "d1"})

    assert refused.status == 503
    incidents = [item for item in table.items() if item["SK"]["S"] == "INCIDENT"]
    assert len(incidents) == 1 and incidents[0]["occurrences"] == {"N": "2"}  # the repeat itself was counted
    faults.plan.clear()
    again = invoke("create_incident", org.api_key, body={"title": "Disk", "source": "am", "external_id": "d1"})
    assert again.status == 200 and again.body["id"] == first.body["id"]
    assert again.body["occurrences"] == 3


def test_a_failed_message_append_changes_nothing(org, table, faults):
    incident = invoke("create_incident", org.api_key, body={"title": "Errors", "publish": True}).body
    before = table.items()
    faults.inject("TransactWriteItems", BROKEN)

    refused = invoke(
        "create_incident_message",
        org.api_key,
        path_params={"incident_id": incident["id"]},
        body={"type": "identified", "description": "Found it"},
    )

    assert refused.status == 503
    assert table.items() == before


def test_an_unreachable_rate_limiter_does_not_stop_requests(org, faults):
    faults.inject("UpdateItem", BROKEN)

    listed = invoke("list_incidents", org.api_key, query={})

    assert listed.status == 200
    assert "RateLimit-Limit" not in listed.headers


def test_a_repeat_answered_later_than_the_deployed_timeout_is_counted_once(org, dynamodb):
    """The local moto serves one request at a time, so a burst queues there for longer than the 5 s that a
    deployed function waits for DynamoDB. A request that timed out still runs in its turn and botocore's retry
    runs again: an absorbed repeat (ADD occurrences) would count twice. Against the local server the store waits."""
    caller = caller_of(org)
    first, _ = filing.create_incident(caller, CreateIncidentRequest(title="Disk", source="am", external_id="d1"))

    with ThreadPoolExecutor(1) as pool:
        with dynamodb.paused():
            repeated = pool.submit(filing.absorb, caller, first.id)  # one UpdateItem
            time.sleep(client_store.AWS_READ_TIMEOUT_SECONDS + 1)
        absorbed = repeated.result()

    assert absorbed.outcome == "absorbed"
    assert absorbed.incident.occurrences == 2
    assert incidents.get_incident(caller, first.id).occurrences == 2
