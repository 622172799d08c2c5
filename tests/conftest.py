"""Shared fixtures: an embedded DynamoDB (moto behind one lock), a fresh table per test, organisations. Invoking
functions as API Gateway would is tests/support/invoking.py."""

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flare_local.dynamodb import DUMMY_AWS_ENVIRON, LockedMotoServer, create_secret, create_table_from_template
from flare_local.messaging import Messaging, create_messaging_from_template, delete_messaging
from tests.support.invoking import ROOT
from tests.support.table import stored_items

INTEGRATION = ROOT / "tests" / "integration"


# ---- IAM: every AWS call a function makes in this session, for tests/integration/test_iam.py ------------------


def pytest_configure(config):
    from tests.support.iam import Recorder

    # Before any client exists: clients copy the default session's event hooks when they are created.
    config.iam_recorder = Recorder()
    config.iam_recorder.start()
    config.addinivalue_line("markers", "after_suite: runs after every other test (it reads what they did)")


def pytest_collection_modifyitems(config, items):
    """`after_suite` tests go last; `config.whole_integration_suite` says whether every integration test module
    was collected (a partial run cannot show that every function's calls were checked)."""
    items.sort(key=lambda item: item.get_closest_marker("after_suite") is not None)
    collected = {Path(str(item.path)) for item in items}
    config.whole_integration_suite = set(INTEGRATION.glob("test_*.py")) <= collected and not (
        config.getoption("keyword") or config.getoption("markexpr")
    )


@pytest.fixture(scope="session")
def dynamodb():
    """One locked moto server for the session (tables are per test)."""
    with LockedMotoServer() as server:
        server.cursor_secret_arn = create_secret(server.client("secretsmanager"), "flare-test-cursor")
        yield server


@pytest.fixture
def table(dynamodb, monkeypatch):
    """A fresh table made from template.yaml's definition; the store points at it."""
    from flare import clock
    from flare.messaging.clients import reset_clients
    from flare.store import client as client_store

    for name, value in DUMMY_AWS_ENVIRON.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    name = f"flare-test-{uuid.uuid4().hex[:8]}"
    client = dynamodb.client()
    create_table_from_template(client, name, ROOT / "template.yaml")
    streams = lambda: dynamodb.client("dynamodbstreams")  # noqa: E731
    monkeypatch.setenv("TABLE_NAME", name)
    monkeypatch.setenv("LOCAL_AWS_ENDPOINT_URL", dynamodb.endpoint_url)
    # As deployed: list functions read the cursor secret from Secrets Manager (moto's) at cold start.
    monkeypatch.setenv("CURSOR_SECRET_ARN", dynamodb.cursor_secret_arn)
    # The outbound side as the local stack makes it: the template's bus and queues, loopback receivers allowed.
    messaging = create_messaging_from_template(dynamodb.client("events"), dynamodb.client("sqs"), name)
    monkeypatch.setenv("EVENT_BUS_NAME", messaging.value_of("EventBus"))
    monkeypatch.setenv("OUTBOUND_QUEUE_URL", messaging.value_of("OutboundQueue"))
    monkeypatch.setenv("OUTBOUND_ALLOW_LOOPBACK", "true")
    client_store.reset_client()
    reset_clients()
    yield Table(name, client, streams, messaging, dynamodb)
    clock.set_clock(None)
    client_store.reset_client()
    reset_clients()
    client.delete_table(TableName=name)
    delete_messaging(dynamodb.client("events"), dynamodb.client("sqs"), messaging)


@dataclass
class Table:
    name: str
    client: Any
    streams_client: Any  # () → a DynamoDB Streams client of the same server
    messaging: Messaging  # the template's bus and queues made for this table
    server: LockedMotoServer

    def items(self) -> list[dict]:
        return stored_items(self.client, self.name)


@pytest.fixture
def org(table):
    from flare.access.organisations import create_organisation

    return create_organisation("acme")


@pytest.fixture
def other_org(table):
    from flare.access.organisations import create_organisation

    return create_organisation("globex")
