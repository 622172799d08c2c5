"""The event types of the catalogue (events.catalogue says what each holds), apart from their data models: a
webhook subscription names types without importing every resource's model."""

from typing import Literal

EVENT_TYPES = (
    "incident.created",
    "incident.published",
    "incident.updated",
    "incident.status_changed",
    "incident.message_posted",
    "incident.resolved",
    "incident.reopened",
    "incident.deleted",
    "maintenance.scheduled",
    "maintenance.updated",
    "maintenance.started",
    "maintenance.completed",
    "maintenance.cancelled",
    "service.status_changed",
)
EventType = Literal[EVENT_TYPES]
# What a subscription says to receive every type, now and later.
ALL_TYPES = "*"
