"""Services: their records, their unique names, and the impacts that incidents and maintenances put on them."""

from collections.abc import Iterable

from flare.catalog.models import Service
from flare.catalog.rollup import ServiceImpactChange
from flare.clock import iso
from flare.fields import MAX_NAME
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record
from flare.store.errors import ConditionFailed, NameTaken, ServiceBusy, ServiceMissing, Stale
from flare.store.keys import (
    SERVICE_NAME_MARK,
    SERVICE_NAME_SK,
    SERVICE_SK,
    list_pk,
    service_name_pk,
    service_pk,
)
from flare.store.queries import Page, batch_get, query_collection
from flare.store.transactions import Transaction

NO_IMPACT = ServiceImpactChange(set={}, remove=frozenset())
_SERVICE = "service:"  # the label of a service's operation in a transaction: service:<id>


def _item(service: Service) -> dict:
    return record(service) | {
        "PK": service_pk(service.org_id, service.id),
        "SK": SERVICE_SK,
        "GSI1PK": list_pk(service.org_id, "SERVICES"),
        "GSI1SK": service.id,
        "kind": "service",
    }


def _name_claim(service: Service) -> dict:
    return {"PK": service_name_pk(service.org_id, service.name), "SK": SERVICE_NAME_SK, "service_id": service.id}


def create_service(service: Service) -> None:
    transaction = Transaction().put("service", _item(service), "attribute_not_exists(PK)")
    transaction.put("name", _name_claim(service), "attribute_not_exists(PK)")
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "name":
            raise NameTaken(service.name) from None
        raise


def get_service(org_id: str, service_id: str) -> Service | None:
    response = client().get_item(TableName=table_name(), Key=key(service_pk(org_id, service_id), SERVICE_SK))
    item = response.get("Item")
    return Service.model_validate(from_item(item)) if item else None


def get_services(org_id: str, service_ids: Iterable[str]) -> dict[str, Service]:
    """The organisation's services with these ids (missing ones left out)."""
    keys = [key(service_pk(org_id, service_id), SERVICE_SK) for service_id in dict.fromkeys(service_ids)]
    services = [Service.model_validate(item) for item in batch_get(keys, consistent=True)]
    return {service.id: service for service in services}


def list_services(org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    page = query_collection(org_id, "SERVICES", limit=limit, start=start)
    return Page([Service.model_validate(item) for item in page.items], page.next_position)


def update_service(before: Service, after: Service) -> None:
    """Write the edited service if nobody changed it since `before` was read; a rename moves the name."""
    transaction = Transaction().update(
        "service",
        service_pk(after.org_id, after.id),
        SERVICE_SK,
        "SET #name = :name, description = :description, version = :next, updated_at = :updated_at",
        "version = :version",
        names={"#name": "name"},
        values={
            ":name": after.name,
            ":description": after.description,
            ":next": after.version,
            ":updated_at": iso(after.updated_at),
            ":version": before.version,
        },
    )
    if before.name.casefold() != after.name.casefold():
        transaction.put("name", _name_claim(after), "attribute_not_exists(PK)")
        transaction.delete("old name", service_name_pk(before.org_id, before.name), SERVICE_NAME_SK)
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "name":
            raise NameTaken(after.name) from None
        raise Stale() from None


def delete_service(service: Service) -> None:
    transaction = Transaction().delete(
        "service",
        service_pk(service.org_id, service.id),
        SERVICE_SK,
        "attribute_exists(PK) AND size(impacts) = :none",
        values={":none": 0},
        return_old=True,
    )
    transaction.delete("name", service_name_pk(service.org_id, service.name), SERVICE_NAME_SK)
    try:
        transaction.commit()
    except ConditionFailed as failure:
        raise ServiceBusy(service.id, dict((failure.item or {}).get("impacts") or service.impacts)) from None


def record_impact(
    transaction: Transaction, org_id: str, subject_id: str, change: ServiceImpactChange, check: Iterable[str] = ()
) -> Transaction:
    """Add to `transaction` the impact of an incident (or maintenance) on its services, plus a check that each
    service in `check` exists (a draft affects no status but must still name real services). Each operation is
    labelled by its service, so that `raise_if_service_missing` can name the one that is gone."""
    for service_id in sorted(change.set):
        transaction.update(
            _SERVICE + service_id,
            service_pk(org_id, service_id),
            SERVICE_SK,
            "SET impacts.#subject = :severity",
            "attribute_exists(PK)",
            names={"#subject": subject_id},
            values={":severity": change.set[service_id]},
        )
    for service_id in sorted(change.remove):
        transaction.update(
            _SERVICE + service_id,
            service_pk(org_id, service_id),
            SERVICE_SK,
            "REMOVE impacts.#subject",
            "attribute_exists(PK)",
            names={"#subject": subject_id},
        )
    for service_id in sorted(set(check) - set(change.set) - set(change.remove)):
        transaction.check(_SERVICE + service_id, service_pk(org_id, service_id), SERVICE_SK, "attribute_exists(PK)")
    return transaction


def raise_if_service_missing(failure: ConditionFailed) -> None:
    """ServiceMissing when the failed operation was one of record_impact's."""
    if failure.label and failure.label.startswith(_SERVICE):
        raise ServiceMissing(failure.label.removeprefix(_SERVICE)) from None


def service_ids_by_name(org_id: str, names: Iterable[str]) -> dict[str, str]:
    """The ids of the organisation's services with these names (case-insensitive; unknown names left out),
    keyed by the casefolded name. A name longer than any service's is unknown without asking (DynamoDB refuses
    keys over 2 KiB)."""
    wanted = dict.fromkeys(name.casefold() for name in names if name.strip() and len(name) <= MAX_NAME)
    claims = batch_get([key(service_name_pk(org_id, name), SERVICE_NAME_SK) for name in wanted])
    return names_to_ids(claims)


def names_to_ids(claims: list[dict]) -> dict[str, str]:
    """Casefolded service name → id, from service-name items read."""
    return {claim["PK"].split(SERVICE_NAME_MARK, 1)[1]: claim["service_id"] for claim in claims}
