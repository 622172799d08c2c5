"""What the store raises that its callers act on (anything else is an infrastructure failure: a 503 or a 500)."""

from typing import Any


class ConditionFailed(Exception):
    """A conditional write lost: `label` names the transaction's operation whose condition failed, `item` is
    that item as it is now (when the operation asked for it)."""

    def __init__(self, label: str | None, item: dict[str, Any] | None = None):
        super().__init__(f"condition failed on {label}")
        self.label = label
        self.item = item


class Stale(Exception):
    """The record changed (or vanished) since it was read."""


class DuplicateIncident(Exception):
    """Another incident holds the dedupe key: `resolved` says whether it is resolved (within its cooldown)."""

    def __init__(self, incident_id: str, resolved: bool):
        super().__init__(incident_id)
        self.incident_id = incident_id
        self.resolved = resolved


class NameTaken(Exception):
    """Another service of the organisation has this name (case-insensitively)."""


class ServiceMissing(Exception):
    """A service named by the write does not exist (in this organisation)."""

    def __init__(self, service_id: str):
        super().__init__(service_id)
        self.service_id = service_id


class ServiceBusy(Exception):
    """The service is affected by active incidents or maintenances in progress: `impacts` as it is now."""

    def __init__(self, service_id: str, impacts: dict[str, str]):
        super().__init__(service_id)
        self.impacts = impacts


class TeamTaken(Exception):
    """The Slack workspace is connected to an organisation already."""


class SlugTaken(Exception):
    """Another status page (of any organisation) has this slug."""
