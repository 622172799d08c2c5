"""The use-case tier: the domain layer's use cases run on the in-memory store (tests/support/memory_store.py)
through the features' ports. No moto, no HTTP, no boto3: each test takes milliseconds.

Every test here also points the DynamoDB store at an address where nothing listens, so that a use case which
reached storage around its port would fail loudly instead of quietly passing on some table."""

from datetime import datetime, timedelta

import pytest

from flare import clock as flare_clock
from flare import ports
from flare.access.auth import Caller, effective_scopes
from flare.catalog.models import CreateServiceRequest
from flare.catalog.services import create_service, get_service
from flare.ids import new_id
from flare.store import client as dynamodb_client
from flare_local.dynamodb import DUMMY_AWS_ENVIRON
from tests.support import T0
from tests.support.memory_store import MemoryStore

UNREACHABLE_DYNAMODB = "http://127.0.0.1:9"  # the discard port: nothing answers there
NO_TABLE = "flare-use-cases-have-no-table"


@pytest.fixture(autouse=True)
def no_dynamodb(monkeypatch):
    """The DynamoDB store aimed at nothing (with dummy credentials, so a stray call fails on connecting)."""
    for name, value in DUMMY_AWS_ENVIRON.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOCAL_AWS_ENDPOINT_URL", UNREACHABLE_DYNAMODB)
    monkeypatch.setenv("TABLE_NAME", NO_TABLE)
    dynamodb_client.reset_client()
    yield
    dynamodb_client.reset_client()


@pytest.fixture
def store():
    """The in-memory store in place of every port for the test; the wall clock again afterwards."""
    with ports.replaced_by(MemoryStore()) as memory:
        yield memory
    flare_clock.set_clock(None)


class Clock:
    """A clock the test moves (`advance`); each reading is a millisecond later, so ids sort by creation."""

    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(store) -> Clock:
    """Flare's clock, starting at T0 (the store fixture puts the wall clock back)."""
    fake = Clock()
    flare_clock.set_clock(fake)
    return fake


def new_caller() -> Caller:
    """An admin key of a new organisation, as the authorizer hands it to the use cases."""
    return Caller(
        org_id=new_id("org"),
        key_id=new_id("key"),
        scopes=effective_scopes(["admin", "write:incidents", "write:maintenances"]),
    )


@pytest.fixture
def caller(store, clock) -> Caller:
    return new_caller()


@pytest.fixture
def other_caller(store, clock) -> Caller:
    """A caller of another organisation."""
    return new_caller()


def new_service(caller: Caller, name: str = "Checkout") -> str:
    """A new service of the caller's organisation (as POST /services makes it), its id."""
    return create_service(caller, CreateServiceRequest(name=name)).id


def service_status(caller: Caller, service_id: str) -> str:
    """The service's status as GET /services/{id} shows it."""
    return get_service(caller, service_id).status
