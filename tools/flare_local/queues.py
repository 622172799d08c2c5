"""The template's SQS event sources run locally, as Lambda's event source mapping runs them on AWS: a function's
queue is polled, each batch (up to its BatchSize) handed to the function as an SQS event, the messages it did not
report in `batchItemFailures` deleted (ReportBatchItemFailures), and all of them kept when it raises (handed out
again after their visibility timeout, as on AWS). Several pollers run at once (the mapping's
ScalingConfig.MaximumConcurrency, at most MAX_POLLERS), so one slow batch does not hold up the others.

It differs from AWS in that it polls every POLL_SECONDS without long polling (moto's long poll would hold the
locked server), and in `release_waiting()`: tests make time pass for the messages a function held back.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flare_local.template import referenced_resource, resources_of_type

logger = logging.getLogger("flare_local.queues")
POLL_SECONDS = 0.05
MAX_POLLERS = 4


@dataclass(frozen=True)
class QueueSubscription:
    logical_id: str  # the function
    queue: str  # the queue's logical id
    batch_size: int
    reports_item_failures: bool
    pollers: int


def queue_subscriptions(template: dict[str, Any]) -> list[QueueSubscription]:
    found = []
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") != "SQS":
                continue
            props = event.get("Properties") or {}
            concurrency = int((props.get("ScalingConfig") or {}).get("MaximumConcurrency", MAX_POLLERS))
            found.append(
                QueueSubscription(
                    logical_id,
                    referenced_resource(props["Queue"]),
                    int(props.get("BatchSize", 10)),
                    "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    max(1, min(concurrency, MAX_POLLERS)),
                )
            )
    return found


class QueuePump:
    """Polls each subscribed queue and invokes its function; `drain()` delivers what is visible now (tests)."""

    def __init__(
        self,
        sqs_client: Any,
        queue_urls: dict[str, str],
        template: dict[str, Any],
        invoke: Callable[[str, dict[str, Any]], Any],
    ) -> None:
        self._client, self._urls, self._invoke = sqs_client, queue_urls, invoke
        self.subscriptions = queue_subscriptions(template)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Messages a function kept (a retry, a rate limit), by queue URL: receipt handle of their last hand-out.
        self._waiting: dict[str, dict[str, str]] = {}
        self._arns: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        for subscription in self.subscriptions:
            for number in range(subscription.pollers):
                thread = threading.Thread(
                    target=self._run, args=(subscription,), name=f"flare-local-sqs-{number}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads = []

    def _run(self, subscription: QueueSubscription) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll(subscription):
                    self._stop.wait(POLL_SECONDS)
            except Exception:  # the stack must go on serving; the next poll tries again
                logger.exception("could not poll %s", subscription.queue)
                self._stop.wait(1)

    def poll(self, subscription: QueueSubscription) -> int:
        """Receive one batch and hand it to the function; how many messages it held."""
        url = self._urls[subscription.queue]
        received = self._client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=subscription.batch_size,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [_lambda_record(message, self._arn(url)) for message in received]}
        try:
            result = self._invoke(subscription.logical_id, event)
        except Exception:
            logger.exception("%s failed on %d messages: they stay in the queue", subscription.logical_id, len(received))
            return len(received)
        failed = set()
        if subscription.reports_item_failures and isinstance(result, dict):
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures") or []}
        done = [m for m in received if m["MessageId"] not in failed]
        with self._lock:
            waiting = self._waiting.setdefault(url, {})
            for message in received:
                if message["MessageId"] in failed:
                    waiting[message["MessageId"]] = message["ReceiptHandle"]
                else:
                    waiting.pop(message["MessageId"], None)
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done[start : start + 10])
            ]
            self._client.delete_message_batch(QueueUrl=url, Entries=entries)
        return len(received)

    def _arn(self, url: str) -> str:
        with self._lock:
            if url not in self._arns:
                attributes = self._client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
                self._arns[url] = attributes["Attributes"]["QueueArn"]
            return self._arns[url]

    def drain(self) -> int:
        """Deliver every visible message now (until the queues show none); how many were handed out."""
        handed = 0
        while True:
            polled = sum(self.poll(subscription) for subscription in self.subscriptions)
            if not polled:
                return handed
            handed += polled

    def release_waiting(self) -> int:
        """Make every message a function held back visible again now, as if its wait were over (tests); how many."""
        with self._lock:
            waiting = {url: dict(messages) for url, messages in self._waiting.items()}
            self._waiting.clear()
        released = 0
        for url, messages in waiting.items():
            for receipt in messages.values():
                try:
                    self._client.change_message_visibility(QueueUrl=url, ReceiptHandle=receipt, VisibilityTimeout=0)
                    released += 1
                except Exception:  # deleted meanwhile, or handed out again
                    logger.debug("could not release a waiting message", exc_info=True)
        return released


def _lambda_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    """A received message as Lambda hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": arn.split(":")[3] if arn.count(":") >= 3 else "us-east-1",
    }
