"""Flare's whole local stack: the locked moto DynamoDB, the table from template.yaml, the local API Gateway
running the functions in-process, and a seeded `demo` organisation with an admin API key."""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flare_local.dynamodb import DUMMY_AWS_ENVIRON, LockedMotoServer, create_secret, create_table_from_template
from flare_local.environ import patch_environ
from flare_local.gateway import LocalGateway
from flare_local.messaging import Messaging, create_messaging_from_template, delete_messaging
from flare_local.queues import QueuePump
from flare_local.streams import StreamPump
from flare_local.template import DEFAULT_TEMPLATE, load_template

DEFAULT_TABLE_NAME = "flare-local"
DEMO_ORGANISATION = "demo"


class LocalStack:
    def __init__(
        self,
        port: int = 0,
        template: str | Path = DEFAULT_TEMPLATE,
        api_key: str | None = None,
        *,
        seed: bool = True,
        table_name: str = DEFAULT_TABLE_NAME,
        host: str = "127.0.0.1",
        dynamodb_port: int = 0,
        dynamodb_host: str = "127.0.0.1",
        environment: dict[str, str] | None = None,
    ) -> None:
        """`api_key` pins the demo admin key (default: $FLARE_DEV_API_KEY, else a new one). `host` and
        `dynamodb_host` are the addresses the API and the DynamoDB bind (e.g. 0.0.0.0 for `sam local`'s
        containers to reach the DynamoDB). `environment` sets more of the functions' variables (tests point
        SLACK_API_URL at a stand-in). moto's state is per process, so stacks running at the same time in one
        process need different table names."""
        self.template = Path(template)
        self.table_name = table_name
        self._pinned_api_key = api_key or os.environ.get("FLARE_DEV_API_KEY") or None
        self.api_key: str | None = None  # the demo admin key once seeded
        self.organisation: Any = None  # flare.organisations.CreatedOrganisation once seeded
        self.dynamodb_endpoint: str | None = None
        self.cursor_secret_arn: str | None = None  # in moto's Secrets Manager, as list functions read it on AWS
        self.base_url: str | None = None
        self._port, self._host, self._seed = port, host, seed
        self._extra_environment = dict(environment or {})  # more of the functions' variables (tests: SLACK_API_URL)
        self._dynamodb = LockedMotoServer(host=dynamodb_host, port=dynamodb_port)
        self._gateway: LocalGateway | None = None
        self.streams: StreamPump | None = None  # the table's stream → the DynamoDB-event functions
        self.queues: QueuePump | None = None  # the outbound queue → the deliverer
        self.messaging: Messaging | None = None  # the template's bus and queues, in moto
        self._table_created = False
        self._restore_environ: Callable[[], None] | None = None

    def start(self) -> str:
        try:
            # Nothing local needs real AWS credentials, and none should be used by accident.
            self._restore_environ = patch_environ(DUMMY_AWS_ENVIRON)
            self.dynamodb_endpoint = self._dynamodb.start()
            create_table_from_template(self._dynamodb.client(), self.table_name, self.template)
            self._table_created = True
            # The cursor secret is read from (moto's) Secrets Manager at cold start, as on AWS.
            self.cursor_secret_arn = create_secret(self._dynamodb.client("secretsmanager"), f"{self.table_name}-cursor")
            self.messaging = create_messaging_from_template(
                self._dynamodb.client("events"), self._dynamodb.client("sqs"), self.table_name, self.template
            )
            self._gateway = LocalGateway(
                self.template,
                environment={
                    "TABLE_NAME": self.table_name,
                    "LOCAL_AWS_ENDPOINT_URL": self.dynamodb_endpoint,
                    "CURSOR_SECRET_ARN": self.cursor_secret_arn,
                    "EVENT_BUS_NAME": self.messaging.value_of("EventBus"),
                    "OUTBOUND_QUEUE_URL": self.messaging.value_of("OutboundQueue"),
                    # Webhook receivers on this machine (tests, `flare webhooks listen`) listen on loopback over http.
                    "OUTBOUND_ALLOW_LOOPBACK": "true",
                }
                | self._extra_environment,
                host=self._host,
                port=self._port,
            )
            self.base_url = self._gateway.start()
            _forget_cached_dynamodb_client()
            stream_arn = self._dynamodb.client().describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
            gateway = self._gateway
            # The stream and queue functions serve no route: they run beside the API's invocations, as on AWS (one
            # at a time is for the HTTP handlers, whose Powertools resolvers keep the current request per class).
            self.streams = StreamPump(
                self._dynamodb.client("dynamodbstreams"),
                stream_arn,
                load_template(self.template),
                lambda logical_id, event: gateway.invoke_function(logical_id, event, exclusive=False),
            )
            self.streams.start()
            self.queues = QueuePump(
                self._dynamodb.client("sqs"),
                self.messaging.queue_urls,
                load_template(self.template),
                lambda logical_id, event: gateway.invoke_function(logical_id, event, exclusive=False),
            )
            self.queues.start()
            if self._seed:
                self._seed_demo_organisation()
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def stop(self) -> None:
        if self.queues is not None:
            self.queues.stop()
            self.queues = None
        if self.streams is not None:
            self.streams.stop()
            self.streams = None
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._table_created:
            # moto outlives this stack in the process: leave the name free for the next stack.
            self._dynamodb.client().delete_table(TableName=self.table_name)
            self._table_created = False
        if self.messaging is not None:
            delete_messaging(self._dynamodb.client("events"), self._dynamodb.client("sqs"), self.messaging)
            self.messaging = None
        self._dynamodb.stop()
        if self._restore_environ is not None:
            self._restore_environ()
            self._restore_environ = None

    @property
    def schedules(self) -> dict:
        """The template's EventBridge schedules the gateway runs (name → flare_local.gateway.Schedule)."""
        return self._gateway.schedules if self._gateway else {}

    def __enter__(self) -> "LocalStack":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _seed_demo_organisation(self) -> None:
        try:
            from flare.access.organisations import create_organisation
        except ModuleNotFoundError as error:
            if error.name not in ("flare.access.organisations", "flare"):
                raise
            raise RuntimeError(
                "flare.access.organisations is not written yet: start the stack with seed=False"
            ) from error
        self.organisation = create_organisation(DEMO_ORGANISATION, api_key=self._pinned_api_key)
        self.api_key = self.organisation.api_key


def _forget_cached_dynamodb_client() -> None:
    """The domain layer keeps one client per process; an earlier stack's would point at a stopped server."""
    try:
        from flare.messaging.clients import reset_clients
        from flare.store.client import reset_client
    except ModuleNotFoundError:
        return
    reset_client()
    reset_clients()


DEMO_STATUS_PAGE = "demo"
DEMO_SERVICES = (("API", "The Flare API"), ("Website", "The public website"), ("Status page", "This page"))


def seed_demo_status_page(stack: LocalStack) -> str:
    """`make dev`'s demo: three services and the status page /status/demo showing them, made over HTTP with
    the demo admin key as a user would; the page's URL. Waits (a few seconds at most) until the page is built."""
    import httpx

    headers = {"Authorization": f"Bearer {stack.api_key}"}
    with httpx.Client(base_url=f"{stack.base_url}/api/v1", headers=headers, timeout=30) as api:
        service_ids = []
        for name, description in DEMO_SERVICES:
            answer = api.post("/services", json={"name": name, "description": description})
            answer.raise_for_status()
            service_ids.append(answer.json()["id"])
        api.post(
            "/status-pages",
            json={
                "slug": DEMO_STATUS_PAGE,
                "name": "Demo status",
                "description": "The demo organisation's services. Publish an incident to see it here.",
                "components": [
                    {"group": None, "service_ids": service_ids[:1]},
                    {"group": "Web", "service_ids": service_ids[1:]},
                ],
            },
        ).raise_for_status()
    url = f"{stack.base_url}/status/{DEMO_STATUS_PAGE}"
    if stack.streams is not None:
        stack.streams.drain()
    return url
