"""What the incident use cases need from storage. flare.store.incidents provides it in a function."""

from datetime import datetime
from typing import Protocol

from flare.catalog.rollup import ServiceImpactChange
from flare.incidents.models import Incident, Message
from flare.ports import Port
from flare.store import incidents as dynamodb
from flare.store.queries import Filter, Page


class IncidentStorage(Protocol):
    def create_incident(self, incident: Incident, messages: list[Message], impact: ServiceImpactChange) -> Incident:
        """Write a new incident numbered INC-<n> (the next number in its organisation), its first messages, its
        services' impact and its dedupe claim (incidents.dedupe.claim_of), all or nothing; the incident as
        written. DuplicateIncident names the holder of a claim that still holds; ServiceMissing a service that
        does not exist; Stale when it may simply be tried again."""

    def incident_id_by_number(self, org_id: str, number: int) -> str | None: ...

    def get_incident(
        self, org_id: str, incident_id: str, *, message_limit: int = 100
    ) -> tuple[Incident, list[Message]] | None:
        """The incident and its newest messages (newest first), read strongly consistently."""

    def list_incidents(
        self, org_id: str, *, limit: int, start: dict[str, str] | None, id_range: tuple[str, str] | None, where: Filter
    ) -> Page:
        """A newest-first page of Incidents."""

    def list_messages(self, org_id: str, incident_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A newest-first page of the incident's Messages."""

    def absorb_repeat(self, org_id: str, incident_id: str, at: datetime) -> Incident | None:
        """Count one more report on an unresolved incident within its dedupe window: the incident as counted, or
        None (resolved, past its window, or gone)."""

    def save_incident(
        self, before: Incident, after: Incident, new_messages: list[Message], impact: ServiceImpactChange
    ) -> Incident:
        """Replace the incident if it is still at `before.version` (else Stale), with its new messages, its
        services' impact and its claim change (incidents.dedupe.claim_change; a claim another incident holds
        now is left to it); the incident as written."""

    def append_message(self, org_id: str, message: Message, at: datetime) -> bool:
        """Add a non-resolving message to an unresolved incident without reading it (a status message moves the
        status); False when the incident is resolved or gone."""

    def delete_incident(self, incident: Incident, impact: ServiceImpactChange) -> None:
        """Delete the incident at `incident.version` (else Stale), its reference, its claim (if it still holds
        it), its services' impact and its messages."""


storage: Port[IncidentStorage] = Port(dynamodb)
