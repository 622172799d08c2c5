"""Events onto the EventBridge bus (template.yaml: EventBus): `source` flare, `detail-type` the event's type, `detail`
the event itself (docs/events.md)."""

import json
from typing import Any

from flare import settings
from flare.messaging.clients import events_client
from flare.retry import back_off

SOURCE = "flare"
MAX_ENTRIES = 10  # PutEvents' limit per call
MAX_REQUEST_BYTES = 256 * 1024  # PutEvents' limit on the entries of one call, as EventBridge sizes them
MAX_ATTEMPTS = 5


class NotPublished(Exception):
    """EventBridge refused some entries after retries: the stream batch fails and is delivered again."""


def _size(entry: dict[str, Any]) -> int:
    # EventBridge's own measure (PutEvents entry size): the UTF-8 bytes of Source, DetailType and Detail, plus 14
    # for the time; a call's entries together must stay within 256 KB.
    return sum(len(entry[name].encode()) for name in ("Source", "DetailType", "Detail")) + 14


def put_events(events: list[dict[str, Any]]) -> None:
    """Put each event (the envelope, with its `type`), in order; events whose entries EventBridge did not take are
    put again with backoff. Order holds between calls; within one call EventBridge does not promise it."""
    bus = settings.settings().required("event_bus_name")
    entries = [
        {
            "Source": SOURCE,
            "DetailType": event["type"],
            "Detail": json.dumps(event, separators=(",", ":"), ensure_ascii=False),
            "EventBusName": bus,
        }
        for event in events
    ]
    batch: list[dict[str, Any]] = []
    for entry in entries:
        if _size(entry) > MAX_REQUEST_BYTES:  # EventBridge refuses it; moto (the local stack) does not
            raise NotPublished(f"an event of {_size(entry):,} bytes is over EventBridge's {MAX_REQUEST_BYTES:,}")
        if batch and (len(batch) == MAX_ENTRIES or sum(map(_size, batch)) + _size(entry) > MAX_REQUEST_BYTES):
            _put(batch)
            batch = []
        batch.append(entry)
    if batch:
        _put(batch)


def _put(entries: list[dict[str, Any]]) -> None:
    pending = entries
    for attempt in range(MAX_ATTEMPTS):
        answer = events_client().put_events(Entries=pending)
        if not answer.get("FailedEntryCount"):
            return
        pending = [entry for entry, result in zip(pending, answer["Entries"], strict=True) if result.get("ErrorCode")]
        back_off(attempt, base=0.05)
    raise NotPublished(f"EventBridge refused {len(pending)} event(s) after {MAX_ATTEMPTS} attempts")
