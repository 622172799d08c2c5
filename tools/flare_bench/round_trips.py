"""DynamoDB round trips, counted through botocore's event hooks: the one counter the benchmark and the test
suite (tests/integration/test_round_trips.py) share, and the requests both of them count.

`DynamoDBCalls` listens on the store's client (`flare.store.client.client().meta.events`) and records each API call
once (botocore's own retries would be further HTTP sends of the same call): its operation, whether it is the
per-key rate-limit counter (an `UpdateItem` on a `RATE#` key, see flare/ratelimit.py), whether the
authorizer made it, the wall time spent inside botocore (serialise, send, DynamoDB's work, parse) and, for a
Query or Scan, `ScannedCount`.

`SCENARIOS` is every endpoint's request worth counting: each prepares what it needs through the API (not
counted) and then sends one request the way API Gateway would (`tests.conftest.invoke`: the authorizer,
then the function, on its events/ sample event).
"""

import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flare_local.template import REPO_ROOT as ROOT

if str(ROOT) not in sys.path:  # `tests.conftest` (invoke, authorize) lives at the repository root
    sys.path.insert(0, str(ROOT))

AUTHORIZER = "authorize_request"
_AUTHORIZER_FILE = str(ROOT / "functions" / AUTHORIZER / f"{AUTHORIZER}.py")
RATE_LIMIT_KEY_PREFIX = "RATE#"


# ---- the counter --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    operation: str
    rate_limit: bool  # the per-key counter every authenticated request spends
    authorizer: bool  # made by the authorizer function (API Gateway caches its answer)
    seconds: float  # wall time inside botocore, DynamoDB's own work included
    scanned: int | None = None  # ScannedCount of a Query or Scan


class DynamoDBCalls:
    """Records the DynamoDB calls the store's client makes while in the `with` block."""

    def __init__(self, client: Any = None) -> None:
        if client is None:
            from flare.store import client as client_store

            client = client_store.client()
        self._events = client.meta.events
        self._id = f"flare-bench-{uuid.uuid4().hex}"
        self._started: tuple[str, bool, bool, float] | None = None
        self.calls: list[Call] = []

    # botocore emits provide-client-params first in every API call and after-call (or after-call-error)
    # last, once per call whatever its retries.
    def _start(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        started = time.perf_counter()  # first: the bookkeeping below is not the function's time
        pk = ((params.get("Key") or {}).get("PK") or {}).get("S", "")
        rate_limit = model.name == "UpdateItem" and pk.startswith(RATE_LIMIT_KEY_PREFIX)
        self._started = (model.name, rate_limit, _called_by_authorizer(), started)

    def _end(self, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        if self._started is None:
            return
        operation, rate_limit, authorizer, started = self._started
        self._started = None
        scanned = (parsed or {}).get("ScannedCount")
        self.calls.append(Call(operation, rate_limit, authorizer, time.perf_counter() - started, scanned))

    def __enter__(self) -> "DynamoDBCalls":
        self._events.register("provide-client-params.dynamodb", self._start, unique_id=self._id + "-start")
        self._events.register("after-call.dynamodb", self._end, unique_id=self._id + "-end")
        self._events.register("after-call-error.dynamodb", self._end, unique_id=self._id + "-error")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._events.unregister("provide-client-params.dynamodb", unique_id=self._id + "-start")
        self._events.unregister("after-call.dynamodb", unique_id=self._id + "-end")
        self._events.unregister("after-call-error.dynamodb", unique_id=self._id + "-error")

    def trips(self) -> "Trips":
        return Trips(
            operations=[call.operation for call in self.calls if not call.rate_limit and not call.authorizer],
            rate_limit=[call.operation for call in self.calls if call.rate_limit and not call.authorizer],
            authorizer=[call.operation for call in self.calls if call.authorizer],
            scanned=sum(call.scanned or 0 for call in self.calls if not call.rate_limit and not call.authorizer),
        )


def _called_by_authorizer() -> bool:
    """Whether the authorizer's code is on the stack (the hook runs inside botocore, a few frames down)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename == _AUTHORIZER_FILE:
            return True
        frame = frame.f_back
    return False


@dataclass(frozen=True)
class Trips:
    """One request's DynamoDB calls, in order, by who spent them."""

    operations: list[str]  # the function's own (what the goals count)
    rate_limit: list[str]  # the rate-limit counter's UpdateItem
    authorizer: list[str]  # the authorizer's (once per AuthorizerCacheSeconds per key on AWS)
    scanned: int = 0  # items the function's Queries and Scans read (ScannedCount)

    @property
    def total(self) -> int:
        """Round trips of the request as a client sees it on a cached authorizer: the function's and the
        rate-limit counter's."""
        return len(self.operations) + len(self.rate_limit)


# ---- the requests ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What a scenario sends to its function (as `tests.conftest.invoke` takes it)."""

    path_params: dict[str, str] | None = None
    body: Any = "<sample>"
    query: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str  # an identifier: test ids, report rows
    endpoint: str  # "POST /incidents"
    function: str  # functions/<function>
    what: str  # the request, in words
    status: int  # the answer it must get
    prepare: Callable[[Any], Request]  # writes what the request needs in an organisation, through the API
    goal: int | None = None  # round trips the function may spend, the rate-limit counter excluded

    def send(self, api_key: str, request: Request):
        """Send `request` as API Gateway would: the authorizer first, then the function."""
        from tests.support.invoking import Reply, authorize, invoke

        if self.function == AUTHORIZER:
            context = authorize(api_key)
            return Reply(200 if context else 401, {}, context)
        return invoke(
            self.function,
            api_key,
            path_params=request.path_params,
            body=request.body,
            query=request.query,
            headers=request.headers,
        )


def count(scenario: Scenario, org: Any) -> Trips:
    """Prepare the scenario in `org` (an `organisations.CreatedOrganisation`), then count the DynamoDB calls of
    its one request."""
    request = scenario.prepare(org)
    with DynamoDBCalls() as calls:
        reply = scenario.send(org.api_key, request)
    if reply.status != scenario.status:
        raise AssertionError(f"{scenario.name}: expected {scenario.status}, got {reply.status}: {reply.body}")
    return calls.trips()


# ---- preparing: through the API, as a client would -------------------------------------------------------------


CREATE_BODY = {
    "title": "Checkout API returning 502s",
    "severity": "major",
    "publish": True,
    "initial_message": {"type": "investigating", "description": "Looking into elevated 502s."},
}


def _ok(reply, status: int = 201) -> dict:
    if reply.status != status:
        raise AssertionError(f"preparing: expected {status}, got {reply.status}: {reply.body}")
    return reply.body


def _send(org: Any, function: str, status: int = 201, **request: Any) -> dict:
    from tests.support.invoking import invoke

    return _ok(invoke(function, org.api_key, **request), status)


def new_service(org: Any) -> str:
    return _send(org, "create_service", body={"name": f"Service {uuid.uuid4().hex[:8]}"})["id"]


def new_incident(org: Any, **fields: Any) -> str:
    return _send(org, "create_incident", body=CREATE_BODY | fields)["id"]


def _services(org: Any, with_services: bool) -> dict[str, list[str]]:
    return {"affected_services": [new_service(org)]} if with_services else {}


def _incident_path(org: Any, with_services: bool = False, **fields: Any) -> Request:
    return Request(path_params={"incident_id": new_incident(org, **_services(org, with_services), **fields)})


def _resolved_incident(org: Any) -> Request:
    request = _incident_path(org)
    _send(org, "resolve_incident", 200, path_params=request.path_params, body={"description": "Fixed."})
    return request


def _unique(prefix: str) -> str:
    """Scenarios may share an organisation: each gets its own dedupe key and Idempotency-Key."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _create(with_services: bool) -> Callable[[Any], Request]:
    return lambda org: Request(body=CREATE_BODY | _services(org, with_services))


def _dedupe_hit(with_services: bool) -> Callable[[Any], Request]:
    def prepare(org: Any) -> Request:
        dedupe = {"source": "alertmanager", "external_id": _unique("checkout-5xx")}
        body = CREATE_BODY | dedupe | _services(org, with_services)
        _send(org, "create_incident", body=body)
        return Request(body=body)

    return prepare


def _idempotent_replay(org: Any) -> Request:
    request = Request(body=CREATE_BODY, headers={"Idempotency-Key": _unique("replay")})
    _send(org, "create_incident", body=request.body, headers=request.headers)
    return request


def _list(with_services: bool) -> Callable[[Any], Request]:
    def prepare(org: Any) -> Request:
        for _ in range(3):
            new_incident(org, **_services(org, with_services))
        return Request(query={})

    return prepare


def _with_body(prepare: Callable[..., Request], body: Any, **fields: Any) -> Callable[[Any], Request]:
    return lambda org: Request(path_params=prepare(org, **fields).path_params, body=body)


def _service_path(org: Any) -> Request:
    return Request(path_params={"service_id": new_service(org)})


def _one_service_listed(org: Any) -> Request:
    new_service(org)
    return Request(query={})


def _key_path(org: Any) -> Request:
    key = _send(org, "create_api_key", body={"name": "ci", "scopes": ["read:incidents"]})
    return Request(path_params={"key_id": key["id"]})


MAINTENANCE_BODY = {
    "title": "Database upgrade",
    "scheduled_start_at": "2030-01-01T00:00:00Z",
    "scheduled_end_at": "2030-01-01T01:00:00Z",
}


def _maintenance(with_services: bool = False) -> Callable[[Any], Request]:
    return lambda org: Request(body=MAINTENANCE_BODY | _services(org, with_services))


def _maintenance_path(org: Any, with_services: bool = False, started: bool = False) -> Request:
    body = MAINTENANCE_BODY | _services(org, with_services)
    path = {"maintenance_id": _send(org, "create_maintenance", body=body)["id"]}
    if started:
        _send(org, "start_maintenance", 200, path_params=path, body={"message": "Starting."})
    return Request(path_params=path)


def _on_maintenance(body: Any, **fields: Any) -> Callable[[Any], Request]:
    return lambda org: Request(path_params=_maintenance_path(org, **fields).path_params, body=body)


def _maintenances_listed(org: Any) -> Request:
    for _ in range(3):
        _maintenance_path(org)
    return Request(query={})


MESSAGE = {"type": "monitoring", "description": "Rollback complete, watching error rates."}
RESOLVING_MESSAGE = {"type": "resolved", "description": "Error rates back to normal."}
REOPENING_MESSAGE = {"type": "investigating", "description": "The errors are back."}
RESOLVE = {"description": "Error rates back to normal."}
PATCH = {"title": "Checkout API returning 502s and 504s"}


def _alertmanager_delivery(status: str, *, delivered_before: int) -> Callable[[Any], Request]:
    """An Alertmanager notification for a group of its own on a service of its own, after `delivered_before`
    firing deliveries of the same group."""

    def prepare(org: Any) -> Request:
        service = _send(org, "create_service", body={"name": _unique("checkout")})
        integration = _send(org, "create_integration", body={"type": "alertmanager", "name": _unique("prod")})
        labels = {"alertname": "HighErrorRate", "service": service["name"], "severity": "critical"}
        body = {
            "version": "4",
            "receiver": "prod",
            "status": "firing",
            "groupKey": _unique("{}:{alertname=HighErrorRate}"),
            "commonLabels": labels,
            "commonAnnotations": {"summary": "HighErrorRate on checkout"},
            "alerts": [{"status": "firing", "labels": labels, "startsAt": "2026-11-22T10:00:00Z"}],
        }
        path = {"integration_id": integration["id"]}
        for _ in range(delivered_before):
            _send(org, "receive_alertmanager", 200 if _ else 201, path_params=path, body=body)
        return Request(path_params=path, body=body | {"status": status})

    return prepare


def _metric_path(org: Any, *, called_before: bool) -> Request:
    metric = _send(org, "create_metric", body={"name": _unique("p99 latency"), "service_id": new_service(org)})
    path = {"metric_id": metric["id"]}
    if called_before:
        _send(org, "create_incident_from_metric", path_params=path, body=None)
    return Request(path_params=path, body=None)


SCENARIOS: list[Scenario] = [
    # incidents
    Scenario(
        "create",
        "POST /incidents",
        "create_incident",
        "a published incident with its first message",
        201,
        _create(False),
        goal=1,
    ),
    Scenario(
        "create_affecting_a_service",
        "POST /incidents",
        "create_incident",
        "an incident affecting a service",
        201,
        _create(True),
        goal=1,
    ),
    Scenario(
        "create_dedupe_hit",
        "POST /incidents",
        "create_incident",
        "a dedupe hit: the source/external_id of an unresolved incident (200)",
        200,
        _dedupe_hit(False),
        goal=2,
    ),
    Scenario(
        "create_dedupe_hit_affecting_a_service",
        "POST /incidents",
        "create_incident",
        "a dedupe hit on an incident affecting a service",
        200,
        _dedupe_hit(True),
        goal=2,
    ),
    Scenario(
        "create_with_idempotency_key",
        "POST /incidents",
        "create_incident",
        "with a new Idempotency-Key",
        201,
        lambda org: Request(body=CREATE_BODY, headers={"Idempotency-Key": _unique("first")}),
    ),
    Scenario(
        "create_idempotent_replay",
        "POST /incidents",
        "create_incident",
        "the same Idempotency-Key again (replayed)",
        201,
        _idempotent_replay,
    ),
    Scenario(
        "get",
        "GET /incidents/{id}",
        "get_incident",
        "an incident and its messages",
        200,
        lambda org: _incident_path(org),
        goal=1,
    ),
    Scenario(
        "get_affecting_a_service",
        "GET /incidents/{id}",
        "get_incident",
        "an incident affecting a service",
        200,
        lambda org: _incident_path(org, True),
        goal=1,
    ),
    Scenario("list", "GET /incidents", "list_incidents", "a page of 3 incidents", 200, _list(False), goal=1),
    Scenario(
        "list_affecting_services",
        "GET /incidents",
        "list_incidents",
        "a page of 3 incidents, each affecting a service",
        200,
        _list(True),
        goal=1,
    ),
    Scenario(
        "message",
        "POST /incidents/{id}/messages",
        "create_incident_message",
        "a status update on an unresolved incident",
        201,
        _with_body(_incident_path, MESSAGE),
        goal=1,
    ),
    Scenario(
        "message_that_resolves",
        "POST /incidents/{id}/messages",
        "create_incident_message",
        "a `resolved` message",
        201,
        _with_body(_incident_path, RESOLVING_MESSAGE),
        goal=1,
    ),
    Scenario(
        "message_that_resolves_affecting_a_service",
        "POST /incidents/{id}/messages",
        "create_incident_message",
        "a `resolved` message, the incident affecting a service",
        201,
        _with_body(_incident_path, RESOLVING_MESSAGE, with_services=True),
        goal=1,
    ),
    Scenario(
        "message_that_reopens",
        "POST /incidents/{id}/messages",
        "create_incident_message",
        "a status message on a resolved incident (reopens it)",
        201,
        _with_body(_resolved_incident, REOPENING_MESSAGE),
        goal=1,
    ),
    Scenario(
        "resolve",
        "POST /incidents/{id}/resolve",
        "resolve_incident",
        "an unresolved incident",
        200,
        _with_body(_incident_path, RESOLVE),
        goal=1,
    ),
    Scenario(
        "resolve_affecting_a_service",
        "POST /incidents/{id}/resolve",
        "resolve_incident",
        "an incident affecting a service",
        200,
        _with_body(_incident_path, RESOLVE, with_services=True),
        goal=1,
    ),
    Scenario(
        "patch",
        "PATCH /incidents/{id}",
        "update_incident",
        "a new title",
        200,
        _with_body(_incident_path, PATCH),
        goal=1,
    ),
    Scenario(
        "patch_affecting_a_service",
        "PATCH /incidents/{id}",
        "update_incident",
        "a new title, the incident affecting a service",
        200,
        _with_body(_incident_path, PATCH, with_services=True),
        goal=1,
    ),
    Scenario(
        "publish",
        "POST /incidents/{id}/publish",
        "publish_incident",
        "a draft",
        200,
        _with_body(_incident_path, None, publish=False),
    ),
    Scenario(
        "publish_affecting_a_service",
        "POST /incidents/{id}/publish",
        "publish_incident",
        "a draft affecting a service",
        200,
        _with_body(_incident_path, None, publish=False, with_services=True),
    ),
    Scenario(
        "delete",
        "DELETE /incidents/{id}",
        "delete_incident",
        "an incident with one message",
        204,
        lambda org: _incident_path(org),
    ),
    Scenario(
        "list_messages",
        "GET /incidents/{id}/messages",
        "list_incident_messages",
        "an incident's messages",
        200,
        lambda org: Request(_incident_path(org).path_params, query={}),
    ),
    # services
    Scenario(
        "create_service",
        "POST /services",
        "create_service",
        "a service",
        201,
        lambda org: Request(body={"name": _unique("Checkout API")}),
    ),
    Scenario("get_service", "GET /services/{id}", "get_service", "a service", 200, _service_path),
    Scenario(
        "list_services",
        "GET /services",
        "list_services",
        "a page of 1 service",
        200,
        _one_service_listed,
    ),
    Scenario(
        "patch_service",
        "PATCH /services/{id}",
        "update_service",
        "a new description",
        200,
        lambda org: Request(_service_path(org).path_params, body={"description": "Public checkout"}),
    ),
    Scenario("delete_service", "DELETE /services/{id}", "delete_service", "an unaffected service", 204, _service_path),
    # API keys
    Scenario(
        "create_api_key",
        "POST /api-keys",
        "create_api_key",
        "a key",
        201,
        lambda org: Request(body={"name": "ci", "scopes": ["read:incidents"]}),
    ),
    Scenario("list_api_keys", "GET /api-keys", "list_api_keys", "a page of 1 key", 200, lambda org: Request(query={})),
    Scenario("revoke_api_key", "DELETE /api-keys/{id}", "revoke_api_key", "a key", 204, _key_path),
    # maintenances
    Scenario(
        "create_maintenance",
        "POST /maintenances",
        "create_maintenance",
        "a scheduled maintenance",
        201,
        _maintenance(),
    ),
    Scenario(
        "create_maintenance_affecting_a_service",
        "POST /maintenances",
        "create_maintenance",
        "a maintenance affecting a service",
        201,
        _maintenance(with_services=True),
    ),
    Scenario(
        "get_maintenance",
        "GET /maintenances/{id}",
        "get_maintenance",
        "a maintenance and its timeline",
        200,
        _on_maintenance("<sample>"),
    ),
    Scenario(
        "get_maintenance_affecting_a_service",
        "GET /maintenances/{id}",
        "get_maintenance",
        "a maintenance affecting a service",
        200,
        _on_maintenance("<sample>", with_services=True),
    ),
    Scenario(
        "list_maintenances",
        "GET /maintenances",
        "list_maintenances",
        "a page of 3 maintenances",
        200,
        _maintenances_listed,
    ),
    Scenario(
        "patch_maintenance",
        "PATCH /maintenances/{id}",
        "update_maintenance",
        "a later end",
        200,
        _on_maintenance({"scheduled_end_at": "2030-01-01T01:30:00Z"}),
    ),
    Scenario(
        "start_maintenance",
        "POST /maintenances/{id}/start",
        "start_maintenance",
        "a scheduled maintenance",
        200,
        _on_maintenance({"message": "Starting early."}),
    ),
    Scenario(
        "start_maintenance_affecting_a_service",
        "POST /maintenances/{id}/start",
        "start_maintenance",
        "a maintenance affecting a service",
        200,
        _on_maintenance({"message": "Starting early."}, with_services=True),
    ),
    Scenario(
        "complete_maintenance",
        "POST /maintenances/{id}/complete",
        "complete_maintenance",
        "an in-progress maintenance",
        200,
        _on_maintenance({"message": "Done."}, started=True),
    ),
    Scenario(
        "cancel_maintenance",
        "POST /maintenances/{id}/cancel",
        "cancel_maintenance",
        "a scheduled maintenance",
        200,
        _on_maintenance({"message": "Postponed."}),
    ),
    # the authorizer (API Gateway caches its answer per key for AuthorizerCacheSeconds)
    Scenario("authorize", "authorizer", AUTHORIZER, "an API key, on a cache miss", 200, lambda org: Request()),
    # alerts
    Scenario(
        "alert_new",
        "POST /integrations/alertmanager/{id}",
        "receive_alertmanager",
        "a firing notification of a new group, naming a service (opens a draft)",
        201,
        _alertmanager_delivery("firing", delivered_before=0),
        goal=2,
    ),
    Scenario(
        "alert_repeat",
        "POST /integrations/alertmanager/{id}",
        "receive_alertmanager",
        "the same notification again (absorbed: occurrences + 1)",
        200,
        _alertmanager_delivery("firing", delivered_before=1),
        goal=2,
    ),
    Scenario(
        "alert_resolved",
        "POST /integrations/alertmanager/{id}",
        "receive_alertmanager",
        "the group resolved (resolves its incident)",
        200,
        _alertmanager_delivery("resolved", delivered_before=1),
    ),
    Scenario(
        "from_metric_new",
        "POST /incidents/from-metric/{id}",
        "create_incident_from_metric",
        "a metric's first call (a draft on its service)",
        201,
        lambda org: _metric_path(org, called_before=False),
    ),
    Scenario(
        "from_metric_repeat",
        "POST /incidents/from-metric/{id}",
        "create_incident_from_metric",
        "a second call within 30 minutes (the same incident, counted)",
        200,
        lambda org: _metric_path(org, called_before=True),
    ),
]
