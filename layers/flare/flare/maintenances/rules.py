"""The maintenance lifecycle: scheduled → in_progress → completed, or scheduled → cancelled.

A maintenance in progress puts each affected service under maintenance (severity `maintenance` in the
service's impacts; an active incident that is worse still wins, see rules.rollup). The scheduler performs
the automatic transitions when they fall due.
"""

from dataclasses import dataclass
from datetime import datetime

STATUSES = ("scheduled", "in_progress", "completed", "cancelled")
ACTIONS = {
    "start": ("scheduled", "in_progress"),
    "complete": ("in_progress", "completed"),
    "cancel": ("scheduled", "cancelled"),
}


class TransitionRefused(Exception):
    """The action is not allowed from the current status."""

    def __init__(self, action: str, status: str):
        hint = " (complete it instead)" if (action, status) == ("cancel", "in_progress") else ""
        super().__init__(f"cannot {action} a maintenance that is {status}{hint}")
        self.action = action
        self.status = status


def next_status(action: str, status: str) -> str:
    """The status `action` leads to from `status`; TransitionRefused when it is not allowed."""
    allowed_from, to = ACTIONS[action]
    if status != allowed_from:
        raise TransitionRefused(action, status)
    return to


@dataclass(frozen=True)
class Schedule:
    status: str
    scheduled_start_at: datetime
    scheduled_end_at: datetime
    auto_start: bool
    auto_complete: bool


def due_transition(schedule: Schedule) -> tuple[str, datetime] | None:
    """The automatic transition this maintenance waits for and when it falls due, if any."""
    if schedule.status == "scheduled" and schedule.auto_start:
        return "start", schedule.scheduled_start_at
    if schedule.status == "in_progress" and schedule.auto_complete:
        return "complete", schedule.scheduled_end_at
    return None


def impact(status: str, affected_services: list[str]) -> dict[str, str]:
    """The severity each affected service records for this maintenance: only while it is in progress."""
    return dict.fromkeys(affected_services, "maintenance") if status == "in_progress" else {}


EDITABLE_WHILE = {
    "scheduled": {
        "title",
        "description",
        "affected_services",
        "scheduled_start_at",
        "scheduled_end_at",
        "auto_start",
        "auto_complete",
    },
    "in_progress": {"scheduled_end_at"},
}


def check_editable(status: str, fields: set[str]) -> None:
    """TransitionRefused-like refusal as a ValueError naming what cannot change now."""
    allowed = EDITABLE_WHILE.get(status, set())
    refused = sorted(fields - allowed)
    if refused:
        detail = "nothing" if not allowed else ", ".join(sorted(allowed))
        raise ValueError(f"a maintenance that is {status} allows changing {detail}; not {', '.join(refused)}")
