"""The incident lifecycle: how status, publication and timeline messages move an incident.

An incident is `draft` until published, `active` once published and unresolved, and `resolved` once its
status is resolved (whether or not it was ever published). Lifecycle is derived, never stored apart.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from flare.catalog.rollup import ServiceImpactChange, impact_change


@dataclass(frozen=True)
class IncidentState:
    """The part of an incident that the lifecycle rules read and change."""

    status: str
    published: bool
    severity: str
    affected_services: tuple[str, ...]
    resolved_at: datetime | None = None
    reopen_count: int = 0


def lifecycle(status: str, published: bool) -> str:
    if status == "resolved":
        return "resolved"
    return "active" if published else "draft"


def impacts_services(state: IncidentState) -> bool:
    """Only published, unresolved incidents count towards their services' status."""
    return lifecycle(state.status, state.published) == "active"


def set_status(state: IncidentState, status: str, at: datetime) -> IncidentState:
    """Move to `status`: resolving stamps resolved_at; leaving resolved is a reopen."""
    if status == state.status:
        return state
    if status == "resolved":
        return replace(state, status="resolved", resolved_at=at)
    if state.status == "resolved":
        return replace(state, status=status, resolved_at=None, reopen_count=state.reopen_count + 1)
    return replace(state, status=status)


def apply_message(state: IncidentState, message_type: str, at: datetime) -> IncidentState:
    """A timeline message of `message_type` posted at `at`.

    `update` changes nothing but the timeline; a status type moves the incident to that status, so a
    non-resolved message on a resolved incident reopens it. An `update` on a resolved incident stays a note:
    only a message that says the incident is being worked on again reopens it.
    """
    if message_type == "update":
        return state
    return set_status(state, message_type, at)


def publish(state: IncidentState) -> IncidentState:
    return replace(state, published=True)


def service_impact_change(before: IncidentState | None, after: IncidentState | None) -> ServiceImpactChange:
    """The impact writes that take services from `before` to `after` (None: the incident does not exist)."""

    def impact(state: IncidentState | None) -> dict[str, str]:
        return dict.fromkeys(state.affected_services, state.severity) if state and impacts_services(state) else {}

    return impact_change(impact(before), impact(after))
