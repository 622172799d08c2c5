"""The contract suite runs every test twice: on the DynamoDB store (the locked moto server, a fresh table built
from template.yaml) and on the in-memory store that the use-case tier uses (tests/support/memory_store.py).
Both are reached the way the use cases reach them: through the features' ports."""

from datetime import datetime, timedelta

import pytest

from flare import clock, ports
from flare.access.auth import Caller, effective_scopes
from flare.catalog.models import Service
from flare.catalog.port import services
from flare.ids import new_id
from flare.incidents import filing
from flare.incidents.dedupe import DedupePolicy
from flare.incidents.models import Incident
from tests.support import T0
from tests.support.memory_store import MemoryStore


@pytest.fixture(params=["dynamodb", "memory"])
def backend(request) -> str:
    if request.param == "dynamodb":
        request.getfixturevalue("table")  # the ports' own implementations, on a fresh table
        yield request.param
    else:
        with ports.replaced_by(MemoryStore()):
            yield request.param
    clock.set_clock(None)


def new_org() -> Caller:
    return Caller(org_id=new_id("org"), key_id=new_id("key"), scopes=effective_scopes(["admin"]))


@pytest.fixture
def caller(backend) -> Caller:
    return new_org()


def make_service(caller: Caller, name: str = "Checkout", at: datetime = T0) -> Service:
    service = Service(
        id=new_id("svc", at), org_id=caller.org_id, name=name, description="", created_at=at, updated_at=at
    )
    services().create_service(service)
    return service


def make_incident(
    caller: Caller,
    at: datetime = T0,
    *,
    external_id: str | None = None,
    source: str = "am",
    window: timedelta | None = None,
    cooldown: timedelta = timedelta(0),
    **fields,
) -> Incident:
    """An incident as filing builds it (not yet written)."""
    fields.setdefault("title", "Checkout errors")
    fields.setdefault("severity", "major")
    policy = DedupePolicy(window=window, cooldown=cooldown)
    return filing.new_incident(
        caller, at, source=source if external_id else None, external_id=external_id, policy=policy, **fields
    )
