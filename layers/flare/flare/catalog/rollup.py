"""Service status rolled up from the incidents and maintenances that affect a service.

Each service records the severity of every active (published, unresolved) incident affecting it, and
`maintenance` for every maintenance in progress on it; its status is the worst of those, mapped as below.
The order of SERVICE_STATUSES is the precedence, worst first.
"""

from collections.abc import Iterable
from dataclasses import dataclass

SEVERITY_TO_SERVICE_STATUS = {
    "critical": "major_outage",
    "major": "partial_outage",
    "minor": "degraded_performance",
    "low": "degraded_performance",
    "maintenance": "under_maintenance",
}

SERVICE_STATUSES = (
    "major_outage",
    "partial_outage",
    "degraded_performance",
    "under_maintenance",
    "operational",
)
_PRECEDENCE = {status: index for index, status in enumerate(SERVICE_STATUSES)}


def service_status(active_severities: Iterable[str]) -> str:
    """The worst status any active incident puts the service in; operational when there is none."""
    statuses = [SEVERITY_TO_SERVICE_STATUS[severity] for severity in active_severities]
    return min(statuses, key=_PRECEDENCE.__getitem__, default="operational")


@dataclass(frozen=True)
class ServiceImpactChange:
    """What a change of an incident (or maintenance) does to its services' impact maps: set these
    severities, remove these."""

    set: dict[str, str]
    remove: frozenset[str]

    @property
    def empty(self) -> bool:
        return not self.set and not self.remove


def impact_change(old: dict[str, str], new: dict[str, str]) -> ServiceImpactChange:
    """The writes that take services' recorded severities from `old` to `new` ({service id: severity}).
    Services whose recorded severity is already right are left alone, so an unrelated edit writes nothing."""
    to_set = {service: severity for service, severity in new.items() if old.get(service) != severity}
    return ServiceImpactChange(set=to_set, remove=frozenset(old.keys() - new.keys()))
