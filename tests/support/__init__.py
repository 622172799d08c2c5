"""Helpers the test suites share (fixtures are in tests/conftest.py): a ticking clock, a caller, races, and the
few calls most integration tests make first."""

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from flare import clock
from flare.access import auth
from flare.access.auth import Caller, effective_scopes
from tests.support.invoking import invoke

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
WRITERS = 50  # concurrent writers of a race


def tick_clock(start: datetime = T0, step: timedelta = timedelta(seconds=1)) -> list[datetime]:
    """Every read of the clock is one step later (creation order is id order); returns the times handed out so
    far (a live list)."""
    ticks = itertools.count()
    handed: list[datetime] = []

    def now() -> datetime:
        handed.append(start + next(ticks) * step)
        return handed[-1]

    clock.set_clock(now)
    return handed


def caller_of(org) -> Caller:
    """The organisation's admin key as the domain layer sees a caller (tests that skip HTTP)."""
    key_id, _ = auth.split_key(org.api_key)
    return Caller(org_id=org.organisation_id, key_id=key_id, scopes=effective_scopes(["admin", "write:incidents"]))


def race(action, count: int = WRITERS) -> list:
    """`action(index)` from `count` threads at once; their results in order."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(action, index) for index in range(count)]
        return [future.result() for future in futures]


def new_incident(org, **fields) -> dict:
    """A new incident of the organisation (POST /incidents; "Checkout is down" unless `title` is given)."""
    reply = invoke("create_incident", org.api_key, body={"title": "Checkout is down", **fields})
    assert reply.status == 201, reply.body
    return reply.body


def incident_of(org, incident_id: str) -> dict:
    """GET /incidents/{id} (an id or a reference such as INC-3), which must succeed."""
    reply = invoke("get_incident", org.api_key, path_params={"incident_id": incident_id})
    assert reply.status == 200, reply.body
    return reply.body


def new_service(org, name: str = "Checkout") -> str:
    """A new service of the organisation (POST /services), its id."""
    reply = invoke("create_service", org.api_key, body={"name": name})
    assert reply.status == 201, reply.body
    return reply.body["id"]


def service_of(org, service_id: str) -> dict:
    """GET /services/{id} (with its computed status), which must succeed."""
    reply = invoke("get_service", org.api_key, path_params={"service_id": service_id})
    assert reply.status == 200, reply.body
    return reply.body


def key_id(api_key: str) -> str:
    """The id part of a full API key (what created_by and actor name)."""
    return auth.split_key(api_key)[0]


def scoped_key(org, *scopes: str) -> str:
    """A new API key of the organisation with just these scopes."""
    reply = invoke("create_api_key", org.api_key, body={"name": "scoped", "scopes": list(scopes)})
    assert reply.status == 201, reply.body
    return reply.body["key"]


def incident_items(table) -> list[dict]:
    """The incident items of the table, as stored."""
    return [item for item in table.items() if item["SK"]["S"] == "INCIDENT"]
