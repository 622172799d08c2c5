"""An embedded DynamoDB: moto's server, one request at a time, on 127.0.0.1.

moto is not safe under concurrent requests (we measured lost updates and two winners of one conditional put,
both with the in-process mock and with moto's threaded server); behind one lock it held 100 races out of 100.
"""

import hashlib
import io
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto.core.model_instances import model_data
from moto.dynamodb.models.table import StreamShard
from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from flare_local.serving import BackgroundServer
from flare_local.template import DEFAULT_TEMPLATE, load_template

REGION = "us-east-1"
DUMMY_AWS_ENVIRON: dict[str, str | None] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # A named profile would win over nothing here but could fail to load; the local stack needs none.
    "AWS_PROFILE": None,
    "AWS_DEFAULT_PROFILE": None,
}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# moto keeps every stream record of a table with a stream (FlareTable has one) for ever, and TransactWriteItems
# deep-copies the table, records included, once per item: memory and the time of each transaction grew with every
# write ever made. Nothing reads the stream locally; like DynamoDB's 24-hour retention, only the newest are kept.
STREAM_RECORDS_KEPT = 1000


def _keep_newest_stream_records(add: Callable[..., None]) -> Callable[..., None]:
    def add_and_trim(shard: StreamShard, old: Any, new: Any) -> None:
        add(shard, old, new)
        if (excess := len(shard.items) - STREAM_RECORDS_KEPT) > 0:
            del shard.items[:excess]
            shard.starting_sequence_number += excess  # sequence numbers go on from where they were

    return add_and_trim


def _forget_tracked_instances() -> None:
    """moto keeps every model object it ever made (each item written, and each item of every whole-table copy
    TransactWriteItems makes) in a class-level list for its dashboard: the server leaked megabytes per transaction,
    and the garbage collector slowed with it. Nothing here reads those lists."""
    for model in model_data.get("dynamodb", {}).values():
        model.instances_tracked.clear()


if not getattr(StreamShard.add, "keeps_newest", False):
    StreamShard.add = _keep_newest_stream_records(StreamShard.add)
    StreamShard.add.keeps_newest = True


class OneRequestAtATime:
    """WSGI middleware: the whole call, response body included, runs under one lock (moto builds bodies lazily).

    It also keeps DynamoDB's promise that moto does not: a TransactWriteItems repeated with the ClientRequestToken
    of one that succeeded (botocore sends one, and sends it again when it retries after a timeout) answers that
    success again for 10 minutes, without applying the writes twice. Without it a transaction that was applied but
    answered too late is retried and fails on its own writes (`attribute_not_exists`)."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app
        self.lock = threading.Lock()
        self._transactions: dict[str, tuple[float, str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            token = self._transaction_token(environ)
            if token is not None and token in self._transactions:
                _, status, headers, body = self._transactions[token]
                start_response(status, headers)
                return [body]
            answered: list[Any] = []

            def record(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
                answered[:] = [status, headers]
                return start_response(status, headers, *exc_info)

            response = self._app(environ, record)
            try:
                body = b"".join(response)
            finally:
                if hasattr(response, "close"):
                    response.close()
            if token is not None and answered and answered[0].startswith("200"):
                now = time.monotonic()
                while self._transactions and next(iter(self._transactions.values()))[0] < now - 600:
                    del self._transactions[next(iter(self._transactions))]  # the oldest: dicts keep their order
                self._transactions[token] = (now, answered[0], answered[1], body)
            _forget_tracked_instances()
            return [body]

    @staticmethod
    def _transaction_token(environ: dict[str, Any]) -> str | None:
        """The ClientRequestToken of a TransactWriteItems (the body is read and put back for moto)."""
        if environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2] != "TransactWriteItems":
            return None
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            token = json.loads(body).get("ClientRequestToken")
        except (ValueError, AttributeError):
            return None
        return f"{token}:{hashlib.sha256(body).hexdigest()}" if token else None


class _QuietRequestHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per DynamoDB call drowns the API's own log


class LockedMotoServer:
    """moto in server mode behind one lock. moto keeps its state per process: servers in one process share it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._serving: BackgroundServer | None = None
        self._app: OneRequestAtATime | None = None
        self.endpoint_url: str | None = None

    def start(self) -> str:
        self._app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        # Threaded accept is fine: the lock serialises the work.
        server = make_server(self._host, self._port, self._app, threaded=True, request_handler=_QuietRequestHandler)
        self._serving = BackgroundServer(server, "flare-local-dynamodb")
        self.endpoint_url = self._serving.url
        return self.endpoint_url

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()
            self._serving = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold every request until the block ends: a server slower than a client's timeout (tests)."""
        if self._app is None:
            raise RuntimeError("start() the server first")
        with self._app.lock:
            yield

    def client(self, service: str = "dynamodb", **config: Any) -> Any:
        """A client of this server (DynamoDB, or another service moto serves) that needs no credentials in the
        environment."""
        if self.endpoint_url is None:
            raise RuntimeError("start() the server first")
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(**config) if config else None,
        )

    def __enter__(self) -> "LockedMotoServer":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def create_table_from_template(
    client: Any, table_name: str, template_path: str | Path = DEFAULT_TEMPLATE, resource: str = "FlareTable"
) -> dict[str, Any]:
    """Create `table_name` from the template's own definition of `resource`; returns describe_table's Table."""
    definition = (load_template(template_path).get("Resources") or {}).get(resource)
    if not definition or definition.get("Type") != "AWS::DynamoDB::Table":
        raise ValueError(f"{template_path} has no AWS::DynamoDB::Table named {resource}")
    props = definition["Properties"]

    request: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for name in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput"):
        if name in props:
            request[name] = props[name]
    # CloudFormation spells these two differently from the DynamoDB API.
    if stream := props.get("StreamSpecification"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    if sse := props.get("SSESpecification"):
        request["SSESpecification"] = {"Enabled": sse["SSEEnabled"]} | {
            key: sse[key] for key in ("SSEType", "KMSMasterKeyId") if key in sse
        }
    client.create_table(**request)

    if (ttl := props.get("TimeToLiveSpecification")) and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    if (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"):
        client.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    return client.describe_table(TableName=table_name)["Table"]


def create_secret(client: Any, name: str) -> str:
    """The ARN of the Secrets Manager secret `name`, created with a random value unless it exists (moto's state
    outlives a stack in the process)."""
    try:
        return client.create_secret(Name=name, SecretString=secrets.token_urlsafe(36))["ARN"]
    except client.exceptions.ResourceExistsException:
        return client.describe_secret(SecretId=name)["ARN"]
