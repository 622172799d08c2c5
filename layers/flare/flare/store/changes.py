"""The table's change stream read back as records: the images of a stream record as the models they store."""

from typing import Any

from flare.catalog.models import Service
from flare.incidents.models import Incident, Message
from flare.maintenances.models import Maintenance
from flare.store.incidents import incident_from_item


def incident_of(image: dict[str, Any]) -> Incident:
    return incident_from_item(image)


def message_of(image: dict[str, Any]) -> Message:
    return Message.model_validate(image)


def maintenance_of(image: dict[str, Any]) -> Maintenance:
    return Maintenance.model_validate(image)


def service_of(image: dict[str, Any]) -> Service:
    return Service.model_validate(image)
