"""What the event use cases need: the records a stream image holds (flare.store.changes), the bus and the outbound
queue (flare.messaging), in a function each."""

from typing import Any, Protocol

from flare.catalog.models import Service
from flare.incidents.models import Incident, Message
from flare.maintenances.models import Maintenance
from flare.messaging import bus as eventbridge
from flare.messaging import queue as sqs
from flare.messaging.queue import Outbound
from flare.ports import Port
from flare.store import changes as dynamodb_changes


class ChangeRecords(Protocol):
    """A stream image (an item's attributes) as the record it stores."""

    def incident_of(self, image: dict[str, Any]) -> Incident: ...
    def message_of(self, image: dict[str, Any]) -> Message: ...
    def maintenance_of(self, image: dict[str, Any]) -> Maintenance: ...
    def service_of(self, image: dict[str, Any]) -> Service: ...


class EventBus(Protocol):
    def put_events(self, events: list[dict[str, Any]]) -> None:
        """Put the events on the bus in order, all of them or raise."""


class OutboundQueue(Protocol):
    def send(self, messages: list[Outbound]) -> None:
        """Queue every delivery, each group in the order given, all of them or raise."""

    def retry_later(self, receipt_handle: str, seconds: float) -> None:
        """Hold a received delivery (and its group) for `seconds` before it is handed out again."""


records: Port[ChangeRecords] = Port(dynamodb_changes)
bus: Port[EventBus] = Port(eventbridge)
queue: Port[OutboundQueue] = Port(sqs)
