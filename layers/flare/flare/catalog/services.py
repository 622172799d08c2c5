"""Services: the things incidents affect. Their status is computed (rules.rollup), never set."""

from flare import clock, cursor
from flare.access.auth import Caller
from flare.catalog.models import CreateServiceRequest, Service, ServiceList, ServiceOut, UpdateServiceRequest
from flare.catalog.port import services as storage
from flare.catalog.rollup import service_status
from flare.errors import Conflict, PreconditionFailed, ValidationFailed
from flare.fields import AffectedServiceOut
from flare.ids import find_by_id, is_id, new_id
from flare.preconditions import patched
from flare.store.errors import NameTaken, ServiceBusy, Stale


def service_out(service: Service) -> ServiceOut:
    return ServiceOut(
        id=service.id,
        name=service.name,
        description=service.description,
        status=service_status(service.impacts.values()),
        active_incidents=sorted(id for id in service.impacts if id.startswith("inc_")),
        active_maintenances=sorted(id for id in service.impacts if id.startswith("mnt_")),
        version=service.version,
        created_at=service.created_at,
        updated_at=service.updated_at,
    )


def affected_services(org_id: str, service_ids: list[str]) -> dict[str, AffectedServiceOut]:
    """Each service with its current status, for incidents' and maintenances' rollups (one BatchGet for all;
    a deleted service shows as unknown)."""
    found = storage().get_services(org_id, service_ids) if service_ids else {}
    return {
        service_id: AffectedServiceOut(id=service_id, name=service.name, status=service_out(service).status)
        if (service := found.get(service_id))
        else AffectedServiceOut(id=service_id, name=None, status="unknown")
        for service_id in service_ids
    }


def ids_by_name(caller: Caller, names: list[str]) -> dict[str, str]:
    """The ids of the caller's services with these names (case-insensitive), keyed by the casefolded name."""
    return storage().service_ids_by_name(caller.org_id, names)


def missing(service_id: str, field: str = "affected_services") -> ValidationFailed:
    """The refusal when a request names (in `field`) a service this organisation does not have."""
    return ValidationFailed.of(field, f"no service {service_id} in this organisation")


def deleted_since(service_id: str, kind: str) -> Conflict:
    """The refusal when an incident's or maintenance's service was deleted after it was named: its impact
    cannot be recorded until the service is removed from it."""
    return Conflict(
        f"affected service {service_id} no longer exists; remove it from the {kind} "
        "(PATCH affected_services) and try again"
    )


def _name_taken(name: str) -> Conflict:
    return Conflict(f"a service named {name!r} already exists")


def create_service(caller: Caller, request: CreateServiceRequest) -> ServiceOut:
    now = clock.now()
    service = Service(
        id=new_id("svc", now),
        org_id=caller.org_id,
        name=request.name,
        description=request.description,
        created_at=now,
        updated_at=now,
    )
    try:
        storage().create_service(service)
    except NameTaken:
        raise _name_taken(request.name) from None
    return service_out(service)


def _get(caller: Caller, service_id: str) -> Service:
    return find_by_id(service_id, "svc", lambda given: storage().get_service(caller.org_id, given), "service")


def get_service(caller: Caller, service_id: str) -> ServiceOut:
    return service_out(_get(caller, service_id))


def list_services(caller: Caller, *, limit: int, after: str | None) -> ServiceList:
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="services"),
        after,
        lambda start: storage().list_services(caller.org_id, limit=limit, start=start),
    )
    return ServiceList(services=[service_out(service) for service in items], next_cursor=next_cursor)


def update_service(caller: Caller, service_id: str, request: UpdateServiceRequest, if_match: str | None) -> ServiceOut:
    before = _get(caller, service_id)
    after = patched(before, request, if_match)
    if after is None:
        return service_out(before)
    try:
        storage().update_service(before, after)
    except NameTaken:
        raise _name_taken(after.name) from None
    except Stale:
        raise PreconditionFailed("the service changed since it was read; fetch it and try again") from None
    return service_out(after)


def delete_service(caller: Caller, service_id: str) -> None:
    service = _get(caller, service_id)
    try:
        storage().delete_service(service)
    except ServiceBusy as busy:
        incidents = sorted(subject for subject in busy.impacts if is_id(subject, "inc"))
        maintenances = sorted(subject for subject in busy.impacts if is_id(subject, "mnt"))
        blockers = [f"active incidents ({', '.join(incidents)})"] if incidents else []
        blockers += [f"maintenances in progress ({', '.join(maintenances)})"] if maintenances else []
        raise Conflict(
            f"service {service_id} is affected by {' and '.join(blockers) or 'work in progress'}; resolve or "
            "complete them, or remove the service from them, first"
        ) from None
