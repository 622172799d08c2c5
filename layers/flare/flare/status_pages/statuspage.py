"""The snapshot as Atlassian Statuspage's public status API (v2) shows a page, field for field, so that the
tools people already point at Statuspage pages read Flare's unchanged. The mapping of Flare's vocabularies onto
Statuspage's is in docs/status-pages.md."""

from collections.abc import Callable
from functools import cached_property
from typing import Any

from flare.clock import iso
from flare.status_pages.snapshot import PublicIncident, PublicMaintenance, Snapshot, page_status, worst

# Statuspage's component statuses are Flare's service statuses, word for word.
INDICATOR = {
    "operational": "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
    "under_maintenance": "maintenance",
}
DESCRIPTION = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}
IMPACT = {"critical": "critical", "major": "major", "minor": "minor", "low": "minor", "maintenance": "maintenance"}
# Statuspage has no cancelled maintenance: a cancelled one ends as completed, its last update saying so.
MAINTENANCE_STATUS = {
    "scheduled": "scheduled",
    "in_progress": "in_progress",
    "completed": "completed",
    "cancelled": "completed",
}


class Documents:
    """The documents of one page; `page_url`: the page's public address (https://…/status/<slug>)."""

    def __init__(self, snapshot: Snapshot, page_url: str) -> None:
        self.snapshot, self.page_url = snapshot, page_url
        self._components = {component.id: component for component in snapshot.components}

    def page(self) -> dict[str, Any]:
        snapshot = self.snapshot
        return {
            "id": snapshot.page_id,
            "name": snapshot.name,
            "url": self.page_url,
            "time_zone": snapshot.time_zone,
            "updated_at": iso(snapshot.updated_at),
        }

    def status(self) -> dict[str, Any]:
        indicator = INDICATOR[page_status(self.snapshot)]
        return {"indicator": indicator, "description": DESCRIPTION[indicator]}

    def components(self) -> list[dict[str, Any]]:
        """Each component, then each group as a component listing its members (as Statuspage does)."""
        snapshot, group_of = self.snapshot, {}
        for group in snapshot.groups:
            group_of |= dict.fromkeys(group.component_ids, group.id)
        shown = [
            {
                "id": component.id,
                "name": component.name,
                "status": component.status,
                "created_at": iso(component.created_at),
                "updated_at": iso(component.updated_at),
                "position": position,
                "description": component.description or None,
                "showcase": True,
                "start_date": None,
                "group_id": group_of.get(component.id),
                "page_id": snapshot.page_id,
                "group": False,
                "only_show_if_degraded": False,
            }
            for position, component in enumerate(snapshot.components, start=1)
        ]
        for position, group in enumerate(snapshot.groups, start=len(shown) + 1):
            members = [self._components[component_id] for component_id in group.component_ids]
            shown.append(
                {
                    "id": group.id,
                    "name": group.name,
                    "status": worst(member.status for member in members),
                    "created_at": iso(min(m.created_at for m in members)),
                    "updated_at": iso(max(m.updated_at for m in members)),
                    "position": position,
                    "description": None,
                    "showcase": False,
                    "start_date": None,
                    "group_id": None,
                    "page_id": snapshot.page_id,
                    "group": True,
                    "only_show_if_degraded": False,
                    "components": group.component_ids,
                }
            )
        return shown

    @cached_property
    def _components_by_id(self) -> dict[str, dict[str, Any]]:
        return {component["id"]: component for component in self.components()}

    def _component_list(self, component_ids: list[str]) -> list[dict[str, Any]]:
        return [self._components_by_id[i] for i in component_ids if i in self._components_by_id]

    def incident(self, incident: PublicIncident) -> dict[str, Any]:
        monitoring = [update.created_at for update in incident.updates if update.status == "monitoring"]
        return {
            "id": incident.id,
            "name": incident.title,
            "status": incident.status,
            "created_at": iso(incident.published_at),
            "updated_at": iso(incident.updated_at),
            "monitoring_at": iso(min(monitoring)) if monitoring else None,
            "resolved_at": iso(incident.resolved_at),
            "impact": IMPACT[incident.severity],
            "shortlink": f"{self.page_url}/incidents/{incident.reference or incident.id}",
            "started_at": iso(incident.started_at),
            "page_id": self.snapshot.page_id,
            "incident_updates": [self._update(incident.id, update) for update in incident.updates],
            "components": self._component_list(incident.component_ids),
            "reminder_intervals": None,
        }

    def maintenance(self, maintenance: PublicMaintenance) -> dict[str, Any]:
        return {
            "id": maintenance.id,
            "name": maintenance.title,
            "status": MAINTENANCE_STATUS[maintenance.status],
            "created_at": iso(maintenance.created_at),
            "updated_at": iso(maintenance.updated_at),
            "monitoring_at": None,
            "resolved_at": iso(maintenance.ended_at),
            "impact": "maintenance",
            "shortlink": f"{self.page_url}/incidents/{maintenance.id}",
            "started_at": iso(maintenance.started_at or maintenance.scheduled_for),
            "page_id": self.snapshot.page_id,
            "incident_updates": [
                self._update(maintenance.id, update, MAINTENANCE_STATUS) for update in maintenance.updates
            ],
            "components": self._component_list(maintenance.component_ids),
            "scheduled_for": iso(maintenance.scheduled_for),
            "scheduled_until": iso(maintenance.scheduled_until),
            "scheduled_remind_prior": False,
            "scheduled_auto_in_progress": True,
            "scheduled_auto_completed": True,
            "reminder_intervals": None,
        }

    def _update(self, record_id: str, update, statuses: dict[str, str] | None = None) -> dict[str, Any]:
        at = iso(update.created_at)
        return {
            "id": update.id,
            "status": statuses.get(update.status, update.status) if statuses else update.status,
            "body": update.body,
            "incident_id": record_id,
            "created_at": at,
            "updated_at": at,
            "display_at": at,
            "affected_components": None,
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }

    # ---- the documents ------------------------------------------------------------------------------------

    def _incidents(self, keep: Callable[[PublicIncident], bool]) -> list[dict[str, Any]]:
        return [self.incident(incident) for incident in self.snapshot.incidents if keep(incident)]

    def _maintenances(self, keep: Callable[[PublicMaintenance], bool]) -> list[dict[str, Any]]:
        return [self.maintenance(m) for m in self.snapshot.maintenances if keep(m)]

    def summary(self) -> dict[str, Any]:
        return {
            "page": self.page(),
            "components": self.components(),
            "incidents": self._incidents(lambda incident: not incident.resolved),
            "scheduled_maintenances": self._maintenances(lambda m: not m.ended),
            "status": self.status(),
        }

    def status_document(self) -> dict[str, Any]:
        return {"page": self.page(), "status": self.status()}

    def components_document(self) -> dict[str, Any]:
        return {"page": self.page(), "components": self.components()}

    def incidents_document(self, *, unresolved: bool = False) -> dict[str, Any]:
        keep = (lambda incident: not incident.resolved) if unresolved else (lambda incident: True)
        return {"page": self.page(), "incidents": self._incidents(keep)}

    def maintenances_document(self, which: str = "all") -> dict[str, Any]:
        keep = {
            "all": lambda m: True,
            "upcoming": lambda m: m.status == "scheduled",
            "active": lambda m: m.status == "in_progress",
        }[which]
        return {"page": self.page(), "scheduled_maintenances": self._maintenances(keep)}


DOCUMENTS: dict[str, Callable[[Documents], dict[str, Any]]] = {
    "summary.json": Documents.summary,
    "status.json": Documents.status_document,
    "components.json": Documents.components_document,
    "incidents.json": Documents.incidents_document,
    "incidents/unresolved.json": lambda documents: documents.incidents_document(unresolved=True),
    "scheduled-maintenances.json": Documents.maintenances_document,
    "scheduled-maintenances/upcoming.json": lambda documents: documents.maintenances_document("upcoming"),
    "scheduled-maintenances/active.json": lambda documents: documents.maintenances_document("active"),
}
