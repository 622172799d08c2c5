"""Outbound channels: who turns events into deliveries, and who makes each delivery.

A channel (webhooks, Slack announcements) says which deliveries an organisation's events call for
(`deliveries_for`: messages for the outbound queue, `kind` naming the channel) and makes one delivery when the
queue hands it out (`deliver`), answering when to try again, if ever. `deliver_batch` runs a batch the queue
handed to the deliverer: each group in its own thread, so a slow or dead receiver holds up only its own group, and
within a group in order, stopping at the first delivery that must wait (the rest of the group waits behind it).
"""

import contextvars
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol

from flare.events.catalogue import Event
from flare.events.port import queue
from flare.messaging.queue import Outbound
from flare.observability import logger

# kind → the module that is its channel (imported when first used: each pulls in its own client library).
CHANNELS = {"webhook": "flare.webhooks.delivery", "slack": "flare.alerting.announcements"}
# A delivery is not started with less time than this left in the invocation: it would be cut off mid-send.
MIN_SECONDS_TO_START = 20
# A delivery that raised (its channel could not read or record it) is handed out again this much later; the queue's
# redrive policy moves it to the dead-letter queue after maxReceiveCount hand-outs.
FAULT_RETRY_SECONDS = 60


@dataclass(frozen=True)
class Attempt:
    """One hand-out of a delivery by the queue: its body, and how many times the queue has handed it out."""

    body: dict[str, Any]
    received: int


@dataclass(frozen=True)
class Outcome:
    """None: done with (delivered, given up, or nothing to do); else try again in this many seconds."""

    retry_in: float | None = None


DONE = Outcome()


class Channel(Protocol):
    def deliveries_for(self, org_id: str, events: list[Event]) -> list[Outbound]: ...
    def deliver(self, attempt: Attempt) -> Outcome: ...


def channel(kind: str) -> Channel:
    return import_module(CHANNELS[kind])  # type: ignore[return-value]


def deliveries_for(org_id: str, events: list[Event]) -> list[Outbound]:
    """Every channel's deliveries for one organisation's events, in event order within each channel."""
    return [message for kind in CHANNELS for message in channel(kind).deliveries_for(org_id, events)]


@dataclass(frozen=True)
class Queued:
    """A message as the queue handed it out."""

    message_id: str
    group: str
    receipt_handle: str
    body: str
    received: int


def deliver_batch(messages: list[Queued], seconds_left: Callable[[], float]) -> list[str]:
    """Make each delivery of a batch; the ids of the messages to hand out again (the queue keeps them)."""
    groups: dict[str, list[Queued]] = {}
    for message in messages:
        groups.setdefault(message.group, []).append(message)
    with ThreadPoolExecutor(max_workers=len(groups) or 1, thread_name_prefix="deliver") as pool:
        # Each thread runs in a copy of this context: what the invocation set (its logging keys) goes along.
        running = [
            pool.submit(contextvars.copy_context().run, _deliver_group, group, seconds_left)
            for group in groups.values()
        ]
        return [message_id for group in running for message_id in group.result()]


def _deliver_group(messages: list[Queued], seconds_left: Callable[[], float]) -> list[str]:
    """A group's deliveries in order, until one must wait: that one is held for its wait, and the ones after it
    are released at once (visible again, SQS hands them out only once the held one is done with: the order
    holds, and they wait no longer than it does). What is returned is kept by the queue."""
    for position, message in enumerate(messages):
        if seconds_left() < MIN_SECONDS_TO_START:
            wait = 0.0  # handed out again at once, to another invocation
        else:
            try:
                wait = _deliver(message).retry_in
            except Exception:  # a fault of ours or of AWS (the table, say): this group waits, the others go on
                logger.exception("outbound delivery failed", extra={"message_id": message.message_id})
                wait = FAULT_RETRY_SECONDS
            if wait is None:
                continue
        _hold(message, wait)
        for later in messages[position + 1 :]:
            _hold(later, 0)
        return [m.message_id for m in messages[position:]]
    return []


def _hold(message: Queued, seconds: float) -> None:
    """Keep the message in flight `seconds`; if SQS will not (its receipt expired), it comes back after the queue's
    visibility timeout instead, and is judged again then."""
    try:
        queue().retry_later(message.receipt_handle, seconds)
    except Exception:
        logger.exception("could not hold an outbound message", extra={"message_id": message.message_id})


def _deliver(message: Queued) -> Outcome:
    body = json.loads(message.body)
    kind = body.pop("kind", None)
    if kind not in CHANNELS:
        logger.error(
            "outbound message of no known kind dropped", extra={"kind": kind, "message_id": message.message_id}
        )
        return DONE
    return channel(kind).deliver(Attempt(body, message.received))
