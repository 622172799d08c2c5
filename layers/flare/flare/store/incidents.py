"""Incidents, their numbers (INC-<n>) and their timeline messages. Claims: store.claims; impacts: store.services."""

import json
from datetime import datetime
from typing import Any

from flare.catalog.rollup import ServiceImpactChange
from flare.clock import iso
from flare.incidents.dedupe import ClaimChange, claim_change, claim_of
from flare.incidents.models import Incident, Message
from flare.store import claims
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record, to_item, values
from flare.store.errors import ConditionFailed, DuplicateIncident, Stale
from flare.store.keys import (
    INCIDENT_NUMBER_SK,
    INCIDENT_SK,
    MESSAGE_SK_PREFIX,
    REFERENCE_SK,
    incident_pk,
    list_pk,
    org_pk,
    reference_pk,
)
from flare.store.queries import Filter, Page, check_position, delete_partition, query_collection, record_and_timeline
from flare.store.services import raise_if_service_missing, record_impact
from flare.store.transactions import Transaction


def incident_item(incident: Incident) -> dict[str, Any]:
    attributes = record(incident)
    attributes["metadata"] = json.dumps(incident.metadata, separators=(",", ":"))
    return attributes | {
        "PK": incident_pk(incident.org_id, incident.id),
        "SK": INCIDENT_SK,
        "GSI1PK": list_pk(incident.org_id, "INCIDENTS"),
        "GSI1SK": incident.id,
        "kind": "incident",
    }


def incident_from_item(attributes: dict[str, Any]) -> Incident:
    attributes = dict(attributes)
    attributes["metadata"] = json.loads(attributes.get("metadata") or "{}")
    return Incident.model_validate(attributes)


def _message_item(org_id: str, message: Message) -> dict[str, Any]:
    return record(message) | {
        "PK": incident_pk(org_id, message.incident_id),
        "SK": MESSAGE_SK_PREFIX + message.id,
        "kind": "message",
    }


def _add_messages(transaction: Transaction, org_id: str, messages: list[Message], condition: str | None = None):
    for message in messages:
        transaction.put(f"message:{message.id}", _message_item(org_id, message), condition)


# ---- create ---------------------------------------------------------------------------------------------

# The last incident number this process saw per organisation: the guess that numbers the next incident in the
# same transaction (checked there; a wrong guess fails without writing and teaches the right one).
_last_incident_number: dict[str, int] = {}
MAX_NUMBER_GUESSES = 100


def create_incident(incident: Incident, messages: list[Message], impact: ServiceImpactChange) -> Incident:
    """Write a new incident numbered INC-<n>, its first messages, its services' impact and (with an
    external_id) its dedupe claim, all or nothing; returns it as written. DuplicateIncident names the incident
    whose claim on the key still holds.

    The number is the organisation's counter + 1, taken in the same transaction: the counter's update is
    conditioned on the number this process last saw, so numbers are unique and nothing is spent by a create
    that fails (no gaps but deletions). A stale guess costs one more transaction."""
    org = incident.org_id
    claimed = claim_of(incident) is not None
    for _ in range(MAX_NUMBER_GUESSES):
        last = _last_incident_number.get(org, 0)
        numbered = incident.model_copy(update={"dedupe_claimed": claimed, "number": last + 1})
        try:
            _create_numbered(numbered, messages, impact, last)
        except _NumberTaken as taken:
            _last_incident_number[org] = max(taken.last, last + 1)
            continue
        _last_incident_number[org] = last + 1
        return numbered
    raise Stale()  # the counter moved on every try: the caller backs off and files again


class _NumberTaken(Exception):
    def __init__(self, last: int):
        super().__init__(last)
        self.last = last


def _create_numbered(incident: Incident, messages: list[Message], impact: ServiceImpactChange, last: int) -> None:
    org = incident.org_id
    transaction = Transaction().put("incident", incident_item(incident), "attribute_not_exists(PK)")
    reference = {"PK": reference_pk(org, incident.number), "SK": REFERENCE_SK, "incident_id": incident.id}
    transaction.put("reference", reference, "attribute_not_exists(PK)")
    _add_messages(transaction, org, messages)
    if claim := claim_of(incident):
        claims.take(transaction, org, incident.source, incident.external_id, claim, incident.created_at)
    record_impact(transaction, org, incident.id, impact, incident.affected_services)
    transaction.update(
        "counter",
        org_pk(org),
        INCIDENT_NUMBER_SK,
        "SET #last = :number",
        "#last = :last" if last else "attribute_not_exists(#last)",
        names={"#last": "last"},
        values={":number": incident.number} | ({":last": last} if last else {}),
        return_old=True,
    )
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "claim":
            holder = claims.claim_from(failure.item) or claims.get_claim(org, incident.source, incident.external_id)
            if holder:
                raise DuplicateIncident(holder.incident_id, holder.resolved) from None
            # The holder let go between our write and our read: the caller may simply try again.
            raise Stale() from None
        if failure.label in ("reference", "counter"):  # another process numbered an incident since our guess
            raise _NumberTaken(int((failure.item or {}).get("last", 0))) from None
        raise_if_service_missing(failure)
        raise


def incident_id_by_number(org_id: str, number: int) -> str | None:
    response = client().get_item(TableName=table_name(), Key=key(reference_pk(org_id, number), REFERENCE_SK))
    return response["Item"]["incident_id"]["S"] if "Item" in response else None


# ---- read -----------------------------------------------------------------------------------------------


def get_incident(org_id: str, incident_id: str, *, message_limit: int = 100) -> tuple[Incident, list[Message]] | None:
    """The incident and its newest messages, in one Query."""
    items = record_and_timeline(incident_pk(org_id, incident_id), INCIDENT_SK, message_limit)
    if items is None:
        return None
    return incident_from_item(items[0]), [Message.model_validate(item) for item in items[1:]]


def list_incidents(
    org_id: str, *, limit: int, start: dict[str, str] | None, id_range: tuple[str, str] | None, where: Filter
) -> Page:
    """A newest-first page of the organisation's incidents (ids in `id_range`, matching `where`)."""
    page = query_collection(org_id, "INCIDENTS", limit=limit, start=start, id_range=id_range, where=where)
    return Page([incident_from_item(item) for item in page.items], page.next_position)


def list_messages(org_id: str, incident_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": values({":pk": incident_pk(org_id, incident_id), ":prefix": MESSAGE_SK_PREFIX}),
        "ScanIndexForward": False,
        "Limit": limit + 1,
    }
    if start:
        check_position(start, "PK", incident_pk(org_id, incident_id))
        request["ExclusiveStartKey"] = to_item(start)
    items = [from_item(item) for item in client().query(**request).get("Items", [])]
    messages = [Message.model_validate(item) for item in items[:limit]]
    if len(items) > limit:
        last = items[limit - 1]
        return Page(messages, {"PK": last["PK"], "SK": last["SK"]})
    return Page(messages, None)


# ---- change ---------------------------------------------------------------------------------------------


def absorb_repeat(org_id: str, incident_id: str, at: datetime) -> Incident | None:
    """Count one more report of an unresolved incident still within its dedupe window, if it has one (one
    conditional UpdateItem). None when it is resolved, past its window or gone: the caller decides again."""
    try:
        response = client().update_item(
            TableName=table_name(),
            Key=key(incident_pk(org_id, incident_id), INCIDENT_SK),
            UpdateExpression="SET last_seen_at = :at, updated_at = :at, version = version + :one ADD occurrences :one",
            # Timestamps are stored as fixed-width RFC 3339 (clock.iso), so they compare as strings.
            ConditionExpression="attribute_exists(PK) AND #status <> :resolved "
            "AND (attribute_not_exists(dedupe_window_until) OR dedupe_window_until > :at)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values({":at": iso(at), ":one": 1, ":resolved": "resolved"}),
            ReturnValues="ALL_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return incident_from_item(from_item(response["Attributes"]))


def save_incident(
    before: Incident,
    after: Incident,
    new_messages: list[Message],
    impact: ServiceImpactChange,
    *,
    may_claim: bool = True,
) -> Incident:
    """Replace the incident if it is still at `before.version`, with its new messages, its services' impact
    and its dedupe claim (dedupe.claim_change), all or nothing. Returns the incident as written (whether it
    holds its dedupe claim is decided here)."""
    org = after.org_id
    change, claimed = claim_change(before, after) if may_claim else (None, False)
    after = after.model_copy(update={"dedupe_claimed": claimed})
    transaction = Transaction().put(
        "incident", incident_item(after), "version = :version", values={":version": before.version}
    )
    _add_messages(transaction, org, new_messages)
    if change:
        claims.move(transaction, org, after.source, after.external_id or "", after.id, change, after.updated_at)
    added_services = set(after.affected_services) - set(before.affected_services)
    record_impact(transaction, org, after.id, impact, added_services)
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "incident":
            raise Stale() from None
        if failure.label == "claim":
            # Another incident holds the (source, external_id) now: change this one without its claim.
            return save_incident(before, after, new_messages, impact, may_claim=False)
        raise_if_service_missing(failure)
        raise
    return after


def append_message(org_id: str, message: Message, at: datetime) -> bool:
    """Add a message to an unresolved incident without reading it first (the common case: one round trip).

    A status message moves the status (never to resolved: resolving releases claims and impacts, which needs
    the incident); an `update` only bumps the version. False when the incident does not exist or is
    resolved: the caller then takes the read-modify-write path."""
    sets = "updated_at = :at, version = version + :one"
    bound: dict[str, Any] = {":at": iso(at), ":one": 1, ":resolved": "resolved"}
    if message.type != "update":
        sets += ", #status = :status"
        bound[":status"] = message.type
    transaction = Transaction()
    _add_messages(transaction, org_id, [message], "attribute_not_exists(PK)")
    transaction.update(
        "incident",
        incident_pk(org_id, message.incident_id),
        INCIDENT_SK,
        "SET " + sets,
        "attribute_exists(PK) AND #status <> :resolved",
        names={"#status": "status"},
        values=bound,
    )
    try:
        transaction.commit()
    except ConditionFailed:
        return False
    return True


def delete_incident(incident: Incident, impact: ServiceImpactChange, *, with_claim: bool = True) -> None:
    """Delete the incident, its services' impact and its dedupe claim at once; then its messages, which are
    unreachable once the incident item is gone."""
    org = incident.org_id
    transaction = Transaction().delete(
        "incident",
        incident_pk(org, incident.id),
        INCIDENT_SK,
        "version = :version",
        values={":version": incident.version},
    )
    if incident.number is not None:  # INC-<n> stops resolving; the counter never hands out n again
        transaction.delete("reference", reference_pk(org, incident.number), REFERENCE_SK)
    if incident.dedupe_claimed and with_claim:
        # Conditional: after a lapse, the claim may belong to a newer incident.
        release = ClaimChange(claim=None)
        claims.move(
            transaction, org, incident.source, incident.external_id or "", incident.id, release, incident.updated_at
        )
    record_impact(transaction, org, incident.id, impact)
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "incident":
            raise Stale() from None
        if failure.label == "claim":
            return delete_incident(incident, impact, with_claim=False)
        raise
    delete_partition(incident_pk(org, incident.id))
