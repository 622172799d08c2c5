"""What every figure may use: the options of the run, the Lambda environment, and the embedded DynamoDB with a
fresh table and organisations on demand."""

import contextlib
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from flare_local.dynamodb import DUMMY_AWS_ENVIRON, REGION, create_secret, create_table_from_template
from flare_local.environ import patch_environ
from flare_local.gateway import API_URL, local_environment
from flare_local.messaging import Messaging, create_messaging_from_template
from flare_local.template import DEFAULT_TEMPLATE, REPO_ROOT, load_template

ROOT = REPO_ROOT
FUNCTIONS = ROOT / "functions"


def lambda_environment(
    table_name: str, endpoint_url: str, cursor_secret_arn: str, messaging: Messaging | None = None
) -> dict[str, str | None]:
    """The variables a deployed function gets: template.yaml's Globals (local values for what it computes),
    AWS's region and credentials (dummies), and the embedded moto server standing in for DynamoDB, for the
    Secrets Manager that list functions read their cursor secret from at cold start, and for the bus and the
    outbound queue (`messaging`; names that lead nowhere when the figure does not use them)."""
    template = load_template(DEFAULT_TEMPLATE)
    local = {"TABLE_NAME": table_name, "LOCAL_AWS_ENDPOINT_URL": endpoint_url, "CURSOR_SECRET_ARN": cursor_secret_arn}
    local |= {
        "EVENT_BUS_NAME": messaging.value_of("EventBus") if messaging else f"{table_name}-EventBus",
        "OUTBOUND_QUEUE_URL": messaging.value_of("OutboundQueue") if messaging else f"{endpoint_url}/none",
        "OUTBOUND_ALLOW_LOOPBACK": "true",
    }
    variables: dict[str, str | None] = dict(DUMMY_AWS_ENVIRON) | local_environment(template, local)
    # The API's URL (links in Slack posts): no gateway listens here, so the local stack's usual address.
    return {name: "http://127.0.0.1:3000" if value == API_URL else value for name, value in variables.items()}


# moto in a process of its own: its work never competes with the measured code for this process's GIL.
_SERVE = """\
import sys
from flare_local.dynamodb import LockedMotoServer
with LockedMotoServer() as server:
    print(server.endpoint_url, flush=True)
    sys.stdin.read()  # until the benchmark closes it (or dies)
"""


class DynamoDBProcess:
    """The embedded DynamoDB (flare_local's LockedMotoServer) in a child process."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.endpoint_url = (self._process.stdout.readline() if self._process.stdout else "").strip()
        if not self.endpoint_url.startswith("http"):
            self.stop()
            raise RuntimeError("the embedded DynamoDB did not start")

    def client(self, service: str = "dynamodb") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def stop(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


@dataclass
class Context:
    repetitions: int = 10
    large_incident_count: int = 50_000
    _dynamodb: DynamoDBProcess | None = field(default=None, repr=False)
    _table: str | None = field(default=None, repr=False)
    messaging: Messaging | None = field(default=None, repr=False)  # the current table's bus and queues
    _restore: list[Any] = field(default_factory=list, repr=False)

    # ---- progress (stdout belongs to the functions' logs while figures run: see `quiet`) -------------------

    @staticmethod
    def say(message: str) -> None:
        print(f"flare_bench: {message}", file=sys.stderr, flush=True)

    # ---- the embedded DynamoDB ----------------------------------------------------------------------------

    def dynamodb(self) -> DynamoDBProcess:
        if self._dynamodb is None:
            self._dynamodb = DynamoDBProcess()
        return self._dynamodb

    def new_table(self) -> str:
        """A fresh table from template.yaml on the embedded DynamoDB, in place of the last one (moto copies a
        whole table for every item of a transaction, so small tables keep it quick); the store (and every
        function in this process) points at it from now on."""
        from flare.store import client as client_store

        server = self.dynamodb()
        self._drop_table()
        name = f"flare-bench-{uuid.uuid4().hex[:8]}"
        create_table_from_template(server.client(), name, DEFAULT_TEMPLATE)
        self._table = name
        self.messaging = create_messaging_from_template(server.client("events"), server.client("sqs"), name)
        environment = lambda_environment(name, server.endpoint_url, self.cursor_secret_arn(), self.messaging)
        self._restore.append(patch_environ(environment))
        client_store.reset_client()
        from flare.messaging.clients import reset_clients

        reset_clients()
        return name

    def cursor_secret_arn(self) -> str:
        """The cursor secret in the embedded Secrets Manager (created on first use)."""
        return create_secret(self.dynamodb().client("secretsmanager"), "flare-bench-cursor")

    def _drop_table(self) -> None:
        if self._table is not None and self._dynamodb is not None:
            self._dynamodb.client().delete_table(TableName=self._table)
        self._table = None

    @staticmethod
    def new_org(name: str = "bench") -> Any:
        """A new organisation and its first (all-scopes) key: an `organisations.CreatedOrganisation`."""
        from flare.access.organisations import create_organisation

        return create_organisation(name)

    def close(self) -> None:
        while self._restore:
            self._restore.pop()()
        self._drop_table()
        if self._dynamodb is not None:
            self._dynamodb.stop()
            self._dynamodb = None


BATCH = 25  # BatchWriteItem's limit


def write_items(items: list[dict[str, Any]], *, deadline: float | None = None) -> int:
    """Write items (the store's own format) straight to the current table with BatchWriteItem, not through the API
    (fast seeding); stops at `deadline` (perf_counter) and returns how many it wrote."""
    import time

    from flare.store import client as client_store

    client, table = client_store.client(), client_store.table_name()
    written = 0
    for start in range(0, len(items), BATCH):
        if deadline is not None and time.perf_counter() > deadline:
            break
        pending = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH]]
        while pending:
            pending = client.batch_write_item(RequestItems={table: pending}).get("UnprocessedItems", {}).get(table, [])
        written += len(items[start : start + BATCH])
    return written


FUNCTION_LOG = Path(tempfile.gettempdir()) / "flare_bench_functions.log"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Send file descriptor 1 to FUNCTION_LOG: the functions log a JSON line and flush EMF metrics on every
    request, which costs what it costs on Lambda but would drown the terminal."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(FUNCTION_LOG, "a") as log:
        os.dup2(log.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
