"""The local stack's stand-in for Lambda's SQS event source mapping (flare_local.queues) on moto's FIFO queue: what
the deliverer's ordering and retries rely on. A group's messages are handed out in order and never while one of
them is in flight; a message a function reports failed stays in the queue, the others are deleted; a function that
raises keeps its whole batch; held messages come back when their wait is over."""

import json

import pytest

from flare_local.queues import QueuePump, queue_subscriptions
from flare_local.template import load_template
from tests.support.invoking import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")


@pytest.fixture
def queue(table):
    sqs = table.server.client("sqs")
    url = table.messaging.queue_urls["OutboundQueue"]

    def send(group: str, *names: str) -> None:
        for name in names:
            sqs.send_message(
                QueueUrl=url, MessageBody=json.dumps({"name": name}), MessageGroupId=group, MessageDeduplicationId=name
            )

    send.client, send.url = sqs, url
    return send


def _pump(queue, handle) -> QueuePump:
    return QueuePump(queue.client, {"OutboundQueue": queue.url}, TEMPLATE, lambda _id, event: handle(event))


def names(event: dict) -> list[str]:
    return [json.loads(record["body"])["name"] for record in event["Records"]]


def counts(queue) -> tuple[int, int]:
    attributes = queue.client.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_the_deliverer_is_the_outbound_queues_consumer_reporting_item_failures():
    (subscription,) = queue_subscriptions(TEMPLATE)
    assert subscription.logical_id == "DeliverOutboundFunction" and subscription.queue == "OutboundQueue"
    assert subscription.reports_item_failures and subscription.batch_size == 10


def test_a_group_is_handed_out_in_order_and_waits_behind_a_held_message(queue):
    queue("a", "a1", "a2", "a3")
    queue("b", "b1")
    seen: list[list[str]] = []

    def handle(event: dict) -> dict:
        seen.append(names(event))
        held = [r for r in event["Records"] if json.loads(r["body"])["name"] == "a1"]
        if held:  # a1 must wait: held 60 s; a2 and a3 released at once, as the deliverer does
            queue.client.change_message_visibility(
                QueueUrl=queue.url, ReceiptHandle=held[0]["receiptHandle"], VisibilityTimeout=60
            )
            later = [r for r in event["Records"] if json.loads(r["body"])["name"] in ("a2", "a3")]
            for record in later:
                queue.client.change_message_visibility(
                    QueueUrl=queue.url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
                )
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in held + later]}
        return {"batchItemFailures": []}

    pump = _pump(queue, handle)
    pump.drain()
    assert seen[0] == ["a1", "a2", "a3", "b1"]  # in order within a group
    assert [name for batch in seen[1:] for name in batch] == []  # a2 and a3 wait behind the held a1; b1 was done
    assert counts(queue) == (2, 1)
    pump.release_waiting()  # a1's wait is over
    seen.clear()
    pump.drain()
    assert [name for batch in seen for name in batch][:3] == ["a1", "a2", "a3"]


def test_a_function_that_raises_keeps_its_whole_batch(queue):
    queue("a", "a1", "a2")

    def handle(event: dict) -> dict:
        raise RuntimeError("the function failed")

    assert _pump(queue, handle).poll(queue_subscriptions(TEMPLATE)[0]) == 2
    assert counts(queue) == (0, 2)  # in flight until the queue's visibility timeout, then handed out again
