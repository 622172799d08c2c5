"""Service status rolled up from the incidents that affect a service.

Each service records the severity of every active (published, unresolved) incident affecting it; its status
is the worst of those, mapped as below. The order of SERVICE_STATUSES is the precedence, worst first.
"""

from collections.abc import Iterable

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
