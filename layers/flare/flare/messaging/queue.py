"""The outbound queue (template.yaml: OutboundQueue, FIFO): one message per delivery, in order within its group.

A message's group is what must stay in order (a webhook subscription and one resource, or a Slack channel): SQS
hands out a group's next message only once the one before it is deleted, while other groups go on. Its
deduplication id is the delivery's own id, so a stream batch published twice within five minutes enqueues each
delivery once; later duplicates are caught by the delivery's record. A delivery that must wait (a retry, a rate
limit) stays in flight for that long (`retry_later`), holding its group and nothing else.
"""

import json
from dataclasses import dataclass
from typing import Any

from flare import settings
from flare.messaging.clients import sqs_client
from flare.retry import back_off

MAX_ENTRIES = 10  # SendMessageBatch's limit per call
MAX_REQUEST_BYTES = 256 * 1024  # SQS's limit on one message, and on one call's messages together
MAX_ATTEMPTS = 5
# SQS keeps a received message in flight at most 12 hours, counted from when it was received: the wait is set
# during the delivery that came before it (up to the deliverer's 120 s), so it may be 5 minutes less.
MAX_DELAY_SECONDS = 12 * 60 * 60 - 5 * 60


@dataclass(frozen=True)
class Outbound:
    """One delivery to make: `kind` says who makes it (events.outbound), `body` what it needs."""

    kind: str
    delivery_id: str
    group: str
    body: dict[str, Any]

    def message(self) -> str:
        # UTF-8 as it is: escaped, a character outside ASCII takes up to 12 bytes of the 256 KB a message may hold.
        return json.dumps({"kind": self.kind, **self.body}, separators=(",", ":"), ensure_ascii=False)


class NotQueued(Exception):
    """SQS refused some messages after retries: the stream batch fails and is delivered again."""


def send(messages: list[Outbound]) -> None:
    """Queue every message, in order (each group's order is the order given)."""
    batch: list[dict[str, Any]] = []
    for number, outbound in enumerate(messages):
        entry = {
            "Id": str(number),
            "MessageBody": outbound.message(),
            "MessageGroupId": outbound.group,
            "MessageDeduplicationId": outbound.delivery_id,
        }
        size = len(entry["MessageBody"].encode())
        if size > MAX_REQUEST_BYTES:  # SQS refuses it; moto (the local stack) does not: refuse it here as AWS would
            raise NotQueued(f"delivery {outbound.delivery_id} is {size:,} bytes, over SQS's {MAX_REQUEST_BYTES:,}")
        if batch and (
            len(batch) == MAX_ENTRIES or sum(len(e["MessageBody"].encode()) for e in batch) + size > MAX_REQUEST_BYTES
        ):
            _send(batch)
            batch = []
        batch.append(entry)
    if batch:
        _send(batch)


def _send(entries: list[dict[str, Any]]) -> None:
    queue_url = settings.settings().required("outbound_queue_url")
    pending = entries
    for attempt in range(MAX_ATTEMPTS):
        answer = sqs_client().send_message_batch(QueueUrl=queue_url, Entries=pending)
        failed = {failure["Id"] for failure in answer.get("Failed", [])}
        if not failed:
            return
        # Resent in their order, so that a group's order survives a partial failure.
        pending = [entry for entry in pending if entry["Id"] in failed]
        back_off(attempt, base=0.05)
    raise NotQueued(f"SQS refused {len(pending)} message(s) after {MAX_ATTEMPTS} attempts")


def retry_later(receipt_handle: str, seconds: float) -> None:
    """Keep a received message in flight for `seconds` (at most 12 hours): then SQS hands it out again, and its
    group waits for it."""
    queue_url = settings.settings().required("outbound_queue_url")
    wait = max(0, min(int(round(seconds)), MAX_DELAY_SECONDS))
    sqs_client().change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=wait)
