"""The outbound side in tests: the outbound queue delivered to the deliverer on demand (flare_local.queues, as
Lambda's SQS event source mapping would), time made to pass for deliveries waiting on a retry, and the events the
EventBridge bus received (a rule on the bus with a queue as its target, as an AWS consumer would subscribe)."""

import json
import time
from dataclasses import dataclass
from typing import Any

from flare_local.queues import QueuePump
from flare_local.template import load_template
from tests.support.invoking import ROOT, handler_of
from tests.support.streams import deliver_changes

_PUMPS: dict[str, QueuePump] = {}


class DelivererContext:
    """The deliverer's context: its template Timeout (120 s) left, so it starts every delivery."""

    function_name = "flare-test-deliverer"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:flare-test-deliverer"
    aws_request_id = "test-request"

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 120

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _pump(table) -> QueuePump:
    pump = _PUMPS.get(table.name)
    if pump is None:
        template = load_template(ROOT / "template.yaml")

        def invoke(logical_id: str, event: dict) -> Any:
            folder = template["Resources"][logical_id]["Properties"]["CodeUri"].strip("/").split("/")[-1]
            return handler_of(folder)(event, DelivererContext())

        pump = _PUMPS[table.name] = QueuePump(table.server.client("sqs"), table.messaging.queue_urls, template, invoke)
    return pump


def deliver_outbound(table) -> int:
    """Publish what the table's stream holds, then make every delivery the outbound queue holds now; messages
    handed out."""
    deliver_changes(table)
    return _pump(table).drain()


def retry_waiting(table) -> int:
    """Time passes for every delivery held back for a retry: each is handed out again, now. Messages handed out."""
    _pump(table).release_waiting()
    return _pump(table).drain()


@dataclass
class BusTap:
    """Every event put on the table's bus from its making on: a rule ({"source": ["flare"]}) → an SQS queue."""

    client: Any
    queue_url: str

    def events(self) -> list[dict[str, Any]]:
        received = []
        while messages := self.client.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                received.append(json.loads(message["Body"]))
                self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return received


def tap_bus(table) -> BusTap:
    events, sqs = table.server.client("events"), table.server.client("sqs")
    bus = table.messaging.value_of("EventBus")
    url = sqs.create_queue(QueueName=f"{table.name}-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"{table.name}-tap", EventBusName=bus, EventPattern=json.dumps({"source": ["flare"]}))
    events.put_targets(Rule=f"{table.name}-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return BusTap(sqs, url)
