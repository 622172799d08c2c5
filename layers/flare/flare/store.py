"""The store: the only code that talks to DynamoDB.

One table, single-table design (docs/design.md, "Data model", has the picture):

    PK                                   SK              what
    ORG#<org>                            ORG             organisation
    KEY#<key>                            KEY             API key         GSI1: ORG#<org>#KEYS / <key>
    ORG#<org>#INC#<inc>                  INCIDENT        incident        GSI1: ORG#<org>#INCIDENTS / <inc>
    ORG#<org>#INC#<inc>                  #MSG#<msg>      timeline message
    ORG#<org>                            INCIDENT_NUMBER the organisation's last incident number (INC-<n>)
    ORG#<org>#REF#<n>                    REF             incident INC-<n>'s id
    ORG#<org>#DEDUPE#<digest>            DEDUPE          claim on a (source, external_id): its incident, until
                                                         when it holds (rules.dedupe)
    ORG#<org>#SVC#<svc>                  SERVICE         service         GSI1: ORG#<org>#SERVICES / <svc>
    ORG#<org>#SVCNAME#<name>             SERVICE_NAME    a service name, held by one service
    ORG#<org>#MNT#<mnt>                  MAINTENANCE     maintenance     GSI1: ORG#<org>#MAINTENANCES / <mnt>
                                                                         GSI2: SCHEDULE / <due>#<org>#<mnt>
                                                                         (only while an automatic
                                                                         transition is pending)
    ORG#<org>#MNT#<mnt>                  #EVT#<msg>      maintenance timeline entry
    ORG#<org>#MET#<met>                  METRIC          metric          GSI1: ORG#<org>#METRICS / <met>
    ORG#<org>#INT#<int>                  INTEGRATION     integration     GSI1: ORG#<org>#INTEGRATIONS / <int>
    SLACKTEAM#<team>                     SLACK_TEAM      a Slack workspace's integration (copy), with its org
    ORG#<org>#DELIVERY#<digest>          DELIVERY        a signed delivery already taken (replays), until
                                                         expires_at (TTL)
    IDEMPOTENCY                          <route>#<digest> Powertools idempotency records (TTL)
    RATE#<key>                           <window start>  requests of an API key in a one-minute window (TTL)

'#' sorts before letters, so a descending Query of an incident's partition returns the incident first and
then its newest messages: get-incident-with-messages is one Query. Every key embeds the organisation
(API keys carry it in the item), so another organisation's id simply is not found.
"""

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

from flare.clock import iso
from flare.errors import BadRequest
from flare.models import (
    ApiKey,
    Incident,
    Integration,
    Maintenance,
    MaintenanceEvent,
    Message,
    Metric,
    Organisation,
    Service,
)
from flare.retry import back_off
from flare.rules.dedupe import claim_lapses_at, dedupe_key_text
from flare.rules.rollup import ServiceImpactChange

INCIDENT_SK = "INCIDENT"
MESSAGE_SK_PREFIX = "#MSG#"
SERVICE_SK = "SERVICE"
GSI1 = "GSI1"
MAX_TRANSACTION_RETRIES = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_client = None


def client():
    """The DynamoDB client, created once per process (creation costs ~450 ms; reuse across invocations)."""
    global _client
    if _client is None:
        _client = boto3.client(
            "dynamodb",
            endpoint_url=os.environ.get("LOCAL_AWS_ENDPOINT_URL") or None,  # template.yaml: empty on AWS
            config=Config(
                retries={"mode": "standard", "total_max_attempts": 4},  # 1 try + 3 retries with backoff
                connect_timeout=2,
                read_timeout=5,
                tcp_keepalive=True,
                max_pool_connections=50,  # local concurrency tests; a Lambda uses one at a time
            ),
        )
    return _client


def reset_client() -> None:
    """Forget the client (tests that point the store at another endpoint)."""
    global _client
    _client = None


def table_name() -> str:
    return os.environ["TABLE_NAME"]


# ---- keys ---------------------------------------------------------------------------------------------


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def incident_pk(org_id: str, incident_id: str) -> str:
    return f"ORG#{org_id}#INC#{incident_id}"


def service_pk(org_id: str, service_id: str) -> str:
    return f"ORG#{org_id}#SVC#{service_id}"


def service_name_pk(org_id: str, name: str) -> str:
    return f"ORG#{org_id}#SVCNAME#{name.casefold()}"


def _pair_digest(first: str | None, second: str) -> str:
    """The key-safe digest of a pair of strings (rules.dedupe.dedupe_key_text: distinct pairs, distinct texts)."""
    return hashlib.sha256(dedupe_key_text(first, second).encode("utf-8", "surrogatepass")).hexdigest()


def dedupe_pk(org_id: str, source: str | None, external_id: str) -> str:
    return f"ORG#{org_id}#DEDUPE#{_pair_digest(source, external_id)}"


def reference_pk(org_id: str, number: int) -> str:
    return f"ORG#{org_id}#REF#{number}"


def list_pk(org_id: str, collection: str) -> str:
    return f"ORG#{org_id}#{collection}"


# ---- item codec ---------------------------------------------------------------------------------------


def _to_item(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in attributes.items() if value is not None}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _record(model) -> dict[str, Any]:
    """A model as stored attributes: timestamps as RFC 3339 strings, None left out."""
    return {k: v for k, v in model.model_dump(mode="json").items() if v is not None}


def _incident_item(incident: Incident) -> dict[str, Any]:
    attributes = _record(incident)
    attributes["metadata"] = json.dumps(incident.metadata, separators=(",", ":"))
    return attributes | {
        "PK": incident_pk(incident.org_id, incident.id),
        "SK": INCIDENT_SK,
        "GSI1PK": list_pk(incident.org_id, "INCIDENTS"),
        "GSI1SK": incident.id,
        "kind": "incident",
    }


def _incident(attributes: dict[str, Any]) -> Incident:
    attributes = dict(attributes)
    attributes["metadata"] = json.loads(attributes.get("metadata") or "{}")
    return Incident.model_validate(attributes)


def _message_item(org_id: str, message: Message) -> dict[str, Any]:
    return _record(message) | {
        "PK": incident_pk(org_id, message.incident_id),
        "SK": MESSAGE_SK_PREFIX + message.id,
        "kind": "message",
    }


def _service_item(service: Service) -> dict[str, Any]:
    return _record(service) | {
        "PK": service_pk(service.org_id, service.id),
        "SK": SERVICE_SK,
        "GSI1PK": list_pk(service.org_id, "SERVICES"),
        "GSI1SK": service.id,
        "kind": "service",
    }


def _api_key_item(key: ApiKey) -> dict[str, Any]:
    return _record(key) | {
        "PK": f"KEY#{key.id}",
        "SK": "KEY",
        "GSI1PK": list_pk(key.org_id, "KEYS"),
        "GSI1SK": key.id,
        "kind": "api_key",
    }


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


# ---- errors the domain acts on ------------------------------------------------------------------------


class ConditionFailed(Exception):
    """A conditional write lost: `index` is the transaction item whose condition failed."""

    def __init__(self, index: int | None, item: dict[str, Any] | None = None):
        super().__init__(f"condition failed on item {index}")
        self.index = index
        self.item = _from_item(item) if item else None


def _transact(items: list[dict[str, Any]]) -> None:
    """One TransactWriteItems. A failed condition raises ConditionFailed naming the item; a conflict with
    another transaction in flight (DynamoDB answers TransactionConflict) is retried with jittered backoff."""
    for attempt in range(MAX_TRANSACTION_RETRIES + 1):
        try:
            client().transact_write_items(TransactItems=items)
            return
        except client().exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            for index, reason in enumerate(reasons):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise ConditionFailed(index, reason.get("Item")) from None
            conflicted = any(reason.get("Code") == "TransactionConflict" for reason in reasons)
            if not conflicted or attempt == MAX_TRANSACTION_RETRIES:
                raise
            back_off(attempt, base=0.02)


def _put(item: dict[str, Any], condition: str | None = None, **extra: Any) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table_name(), "Item": _to_item(item)}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put | extra}


def _delete(pk: str, sk: str, condition: str | None = None, **extra: Any) -> dict[str, Any]:
    delete: dict[str, Any] = {"TableName": table_name(), "Key": _key(pk, sk)}
    if condition:
        delete["ConditionExpression"] = condition
    return {"Delete": delete | extra}


def _values(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


def idempotency_persistence():
    """Powertools' idempotency records, kept in this table under PK `IDEMPOTENCY` with TTL `expires_at`."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=table_name(),
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value="IDEMPOTENCY",
        expiry_attr="expires_at",
        boto3_client=client(),
    )


def count_request(key_id: str, window: int, limit: int, *, expires_at: int) -> int | None:
    """Add one to the key's counter for this window, unless it reached `limit`: the new count, or None."""
    try:
        response = client().update_item(
            TableName=table_name(),
            Key=_key(f"RATE#{key_id}", str(window)),
            UpdateExpression="ADD #count :one SET expires_at = :expires_at",
            ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues=_values({":one": 1, ":limit": limit, ":expires_at": expires_at}),
            ReturnValues="UPDATED_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return int(response["Attributes"]["count"]["N"])


# ---- organisations and API keys -----------------------------------------------------------------------


def create_organisation(org: Organisation, first_key: ApiKey) -> None:
    _transact(
        [
            _put(
                _record(org) | {"PK": org_pk(org.id), "SK": "ORG", "kind": "organisation"}, "attribute_not_exists(PK)"
            ),
            _put(_api_key_item(first_key), "attribute_not_exists(PK)"),
        ]
    )


def put_api_key(key: ApiKey) -> None:
    client().put_item(
        TableName=table_name(), Item=_to_item(_api_key_item(key)), ConditionExpression="attribute_not_exists(PK)"
    )


def get_api_key(key_id: str) -> ApiKey | None:
    response = client().get_item(TableName=table_name(), Key=_key(f"KEY#{key_id}", "KEY"))
    item = response.get("Item")
    return ApiKey.model_validate(_from_item(item)) if item else None


def revoke_api_key(org_id: str, key_id: str, at: datetime) -> ApiKey | None:
    """Mark the key revoked (first revocation time kept). None when the organisation has no such key."""
    try:
        response = client().update_item(
            TableName=table_name(),
            Key=_key(f"KEY#{key_id}", "KEY"),
            UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :at)",
            ConditionExpression="org_id = :org",
            ExpressionAttributeValues=_values({":at": iso(at), ":org": org_id}),
            ReturnValues="ALL_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return ApiKey.model_validate(_from_item(response["Attributes"]))


# ---- lists --------------------------------------------------------------------------------------------


def _check_position(start: dict[str, Any], attribute: str, expected: str) -> None:
    """A cursor's position must lie in the partition being read (cursors are signed; this is depth)."""
    if start.get(attribute) != expected or not all(isinstance(value, str) for value in start.values()):
        raise BadRequest("cursor is invalid: pass next_cursor back unchanged, with the same filters")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_position: dict[str, str] | None


def _position(attributes: dict[str, Any]) -> dict[str, str]:
    return {name: attributes[name] for name in ("PK", "SK", "GSI1PK", "GSI1SK")}


class Filter:
    """A list filter, condition by condition (all must hold), as a DynamoDB filter expression."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def _name(self, attribute: str) -> str:
        self.names[f"#{attribute}"] = attribute  # every attribute by placeholder: some are reserved words
        return f"#{attribute}"

    def _value(self, value: Any) -> str:
        placeholder = f":f{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def compare(self, attribute: str, operator: str, value: Any) -> "Filter":
        """`attribute <operator> value`, operator one of = <> < <= > >=."""
        self.conditions.append(f"{self._name(attribute)} {operator} {self._value(value)}")
        return self

    def any_of(self, attribute: str, values: list[Any]) -> "Filter":
        if values:
            placeholders = ", ".join(self._value(value) for value in dict.fromkeys(values))
            self.conditions.append(f"{self._name(attribute)} IN ({placeholders})")
        return self

    def contains(self, attribute: str, value: Any) -> "Filter":
        """The list attribute holds `value`."""
        self.conditions.append(f"contains({self._name(attribute)}, {self._value(value)})")
        return self

    @property
    def expression(self) -> str | None:
        return " AND ".join(self.conditions) or None


def query_collection(
    org_id: str,
    collection: str,
    *,
    limit: int,
    start: dict[str, str] | None = None,
    id_range: tuple[str, str] | None = None,
    where: Filter | None = None,
    max_items_read: int = 1000,
) -> Page:
    """Newest-first page of an organisation's collection on GSI1 (a Query; cost bounded by the page, not
    the table). With a filter, reads on until the page is full or `max_items_read` items were examined, and
    then may return a short page with a cursor: DynamoDB filters after reading."""
    key_condition = "GSI1PK = :pk"
    filter_expression = where.expression if where else None
    expression_values: dict[str, Any] = {":pk": list_pk(org_id, collection)} | (where.values if where else {})
    if id_range:
        key_condition += " AND GSI1SK BETWEEN :lo AND :hi"
        expression_values |= {":lo": id_range[0], ":hi": id_range[1]}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": GSI1,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": _values(expression_values),
        "ScanIndexForward": False,
    }
    if filter_expression:
        request["FilterExpression"] = filter_expression
        request["ExpressionAttributeNames"] = where.names
    if start:
        _check_position(start, "GSI1PK", expression_values[":pk"])
        request["ExclusiveStartKey"] = _to_item(start)

    found: list[dict[str, Any]] = []
    examined = 0
    while True:
        # One more than the page, so that a full last page is not followed by an empty one.
        request["Limit"] = (limit + 1 - len(found)) if not filter_expression else max(limit + 1, 100)
        response = client().query(**request)
        found += [_from_item(item) for item in response.get("Items", [])]
        examined += response.get("ScannedCount", 0)
        last = response.get("LastEvaluatedKey")
        if len(found) > limit:
            return Page(found[:limit], _position(found[limit - 1]))
        if not last:
            return Page(found, None)
        if examined >= max_items_read:
            return Page(found, _from_item(last))
        request["ExclusiveStartKey"] = last


# ---- services -----------------------------------------------------------------------------------------


class NameTaken(Exception):
    pass


def create_service(service: Service) -> None:
    try:
        _transact(
            [
                _put(_service_item(service), "attribute_not_exists(PK)"),
                _put(
                    {
                        "PK": service_name_pk(service.org_id, service.name),
                        "SK": "SERVICE_NAME",
                        "service_id": service.id,
                    },
                    "attribute_not_exists(PK)",
                ),
            ]
        )
    except ConditionFailed as failure:
        if failure.index == 1:
            raise NameTaken(service.name) from None
        raise


def get_service(org_id: str, service_id: str) -> Service | None:
    response = client().get_item(TableName=table_name(), Key=_key(service_pk(org_id, service_id), SERVICE_SK))
    item = response.get("Item")
    return Service.model_validate(_from_item(item)) if item else None


def _batch_get(keys: list[dict[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
    """The items with these keys (missing ones left out): one BatchGetItem per 100 keys, its unprocessed keys
    asked again with backoff."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):  # BatchGetItem's limit
        pending, attempt = keys[start : start + 100], 0
        while pending:
            request = {table_name(): {"Keys": pending, "ConsistentRead": consistent}}
            response = client().batch_get_item(RequestItems=request)
            found += [_from_item(item) for item in response["Responses"].get(table_name(), [])]
            pending = response.get("UnprocessedKeys", {}).get(table_name(), {}).get("Keys", [])
            if pending:
                attempt += 1
                back_off(attempt, base=0.02)
    return found


def get_services(org_id: str, service_ids: Iterable[str]) -> dict[str, Service]:
    """The organisation's services with these ids (missing ones left out)."""
    keys = [_key(service_pk(org_id, service_id), SERVICE_SK) for service_id in dict.fromkeys(service_ids)]
    services = [Service.model_validate(item) for item in _batch_get(keys, consistent=True)]
    return {service.id: service for service in services}


def update_service(before: Service, after: Service) -> None:
    """Write the edited service if nobody changed it since `before` was read; a rename moves the name."""
    items = [
        {
            "Update": {
                "TableName": table_name(),
                "Key": _key(service_pk(after.org_id, after.id), SERVICE_SK),
                "UpdateExpression": "SET #name = :name, description = :description, version = :next, "
                "updated_at = :updated_at",
                "ConditionExpression": "version = :version",
                "ExpressionAttributeNames": {"#name": "name"},
                "ExpressionAttributeValues": _values(
                    {
                        ":name": after.name,
                        ":description": after.description,
                        ":next": after.version,
                        ":updated_at": iso(after.updated_at),
                        ":version": before.version,
                    }
                ),
            }
        }
    ]
    renamed = before.name.casefold() != after.name.casefold()
    if renamed:
        items += [
            _put(
                {"PK": service_name_pk(after.org_id, after.name), "SK": "SERVICE_NAME", "service_id": after.id},
                "attribute_not_exists(PK)",
            ),
            _delete(service_name_pk(before.org_id, before.name), "SERVICE_NAME"),
        ]
    try:
        _transact(items)
    except ConditionFailed as failure:
        if failure.index == 1:
            raise NameTaken(after.name) from None
        raise


class ServiceBusy(Exception):
    """The service is affected by active incidents or maintenances in progress: `impacts` as it is now."""

    def __init__(self, service_id: str, impacts: dict[str, str]):
        super().__init__(service_id)
        self.impacts = impacts


def delete_service(service: Service) -> None:
    try:
        _transact(
            [
                _delete(
                    service_pk(service.org_id, service.id),
                    SERVICE_SK,
                    "attribute_exists(PK) AND size(impacts) = :none",
                    ExpressionAttributeValues=_values({":none": 0}),
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                ),
                _delete(service_name_pk(service.org_id, service.name), "SERVICE_NAME"),
            ]
        )
    except ConditionFailed as failure:
        raise ServiceBusy(service.id, dict((failure.item or {}).get("impacts") or service.impacts)) from None


def _touched_services(change: ServiceImpactChange, check: Iterable[str]) -> list[str]:
    """The services `_service_writes` touches, in the order of its transaction items."""
    touched = sorted(change.set) + sorted(change.remove)
    return touched + sorted(set(check) - set(touched))


def _service_writes(
    org_id: str, subject_id: str, change: ServiceImpactChange, check: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Transaction items recording an incident's (or maintenance's) impact on its services, plus a check that
    each service in `check` exists (a draft affects no status but must still name real services)."""
    items = []
    for service_id in _touched_services(change, check):
        key = _key(service_pk(org_id, service_id), SERVICE_SK)
        if service_id in change.set:
            update = "SET impacts.#subject = :severity"
            values = {"ExpressionAttributeValues": _values({":severity": change.set[service_id]})}
        elif service_id in change.remove:
            update, values = "REMOVE impacts.#subject", {}
        else:
            items.append(
                {
                    "ConditionCheck": {
                        "TableName": table_name(),
                        "Key": key,
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                }
            )
            continue
        items.append(
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": key,
                    "UpdateExpression": update,
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeNames": {"#subject": subject_id},
                }
                | values
            }
        )
    return items


class ServiceMissing(Exception):
    def __init__(self, service_id: str):
        super().__init__(service_id)
        self.service_id = service_id


def _raise_if_service_missing(
    failure: "ConditionFailed", change: ServiceImpactChange, check: Iterable[str], offset: int
) -> None:
    services = _touched_services(change, check)
    if failure.index is not None and 0 <= failure.index - offset < len(services):
        raise ServiceMissing(services[failure.index - offset]) from None


# ---- incidents ----------------------------------------------------------------------------------------


class DuplicateIncident(Exception):
    """Another incident holds the dedupe key: `resolved` says whether it is resolved (within its cooldown)."""

    def __init__(self, incident_id: str, resolved: bool):
        super().__init__(incident_id)
        self.incident_id = incident_id
        self.resolved = resolved


class Stale(Exception):
    """The incident changed (or vanished) since it was read."""


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _claim_item(incident: Incident) -> dict[str, Any] | None:
    """The dedupe claim that `incident` should hold on its (source, external_id), or None for none: a claim
    names its incident, whether it is resolved, and when it lapses (rules.dedupe)."""
    if not incident.external_id:
        return None
    resolved_at = incident.resolved_at if incident.status == "resolved" else None
    lapses_at = claim_lapses_at(
        resolved_at=resolved_at,
        window_until=incident.dedupe_window_until,
        cooldown=timedelta(seconds=incident.reopen_cooldown_seconds),
    )
    if resolved_at is not None and lapses_at <= resolved_at:
        return None
    item = {
        "PK": dedupe_pk(incident.org_id, incident.source, incident.external_id),
        "SK": "DEDUPE",
        "incident_id": incident.id,
        "resolved": resolved_at is not None,
    }
    return item | ({"lapses_at": _millis(lapses_at)} if lapses_at else {})


# A claim may be taken when nobody holds it or its holder's claim has lapsed (rules.dedupe: at its lapse, a
# repeat already opens a new incident).
_CLAIM_IS_FREE = "attribute_not_exists(PK) OR lapses_at <= :now"


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
    claim = _claim_item(incident)
    for _ in range(MAX_NUMBER_GUESSES):
        last = _last_incident_number.get(org, 0)
        numbered = incident.model_copy(update={"dedupe_claimed": claim is not None, "number": last + 1})
        try:
            _create_numbered(numbered, messages, impact, claim, last)
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


def _create_numbered(
    incident: Incident, messages: list[Message], impact: ServiceImpactChange, claim: dict | None, last: int
) -> None:
    org = incident.org_id
    reference = {"PK": reference_pk(org, incident.number), "SK": "REF", "incident_id": incident.id}
    items = [
        _put(_incident_item(incident), "attribute_not_exists(PK)"),
        _put(reference, "attribute_not_exists(PK)"),
    ]
    items += [_put(_message_item(org, message)) for message in messages]
    claim_index = None
    if claim:
        claim_index = len(items)
        items.append(
            _put(
                claim,
                _CLAIM_IS_FREE,
                ExpressionAttributeValues=_values({":now": _millis(incident.created_at)}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        )
    offset = len(items)
    items += _service_writes(org, incident.id, impact, incident.affected_services)
    counter_index = len(items)
    items.append(
        {
            "Update": {
                "TableName": table_name(),
                "Key": _key(org_pk(org), "INCIDENT_NUMBER"),
                "UpdateExpression": "SET #last = :number",
                "ConditionExpression": "#last = :last" if last else "attribute_not_exists(#last)",
                "ExpressionAttributeNames": {"#last": "last"},
                "ExpressionAttributeValues": _values({":number": incident.number} | ({":last": last} if last else {})),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
    )
    try:
        _transact(items)
    except ConditionFailed as failure:
        if failure.index == claim_index:
            holder = failure.item or get_claim(org, incident.source, incident.external_id)
            if holder:
                raise DuplicateIncident(holder["incident_id"], bool(holder.get("resolved"))) from None
            # The holder let go between our write and our read: the caller may simply try again.
            raise Stale() from None
        if failure.index in (1, counter_index):  # another process numbered an incident since our guess
            raise _NumberTaken(int((failure.item or {}).get("last", 0))) from None
        _raise_if_service_missing(failure, impact, incident.affected_services, offset)
        raise


def incident_id_by_number(org_id: str, number: int) -> str | None:
    response = client().get_item(TableName=table_name(), Key=_key(reference_pk(org_id, number), "REF"))
    return response["Item"]["incident_id"]["S"] if "Item" in response else None


def get_claim(org_id: str, source: str | None, external_id: str) -> dict[str, Any] | None:
    """The dedupe claim on (source, external_id): incident_id, resolved, lapses_at (epoch ms) if it lapses."""
    response = client().get_item(
        TableName=table_name(), Key=_key(dedupe_pk(org_id, source, external_id), "DEDUPE"), ConsistentRead=True
    )
    return _from_item(response["Item"]) if "Item" in response else None


def absorb_repeat(org_id: str, incident_id: str, at: datetime) -> Incident | None:
    """Count one more report of an unresolved incident still within its dedupe window, if it has one (one
    conditional UpdateItem). None when it is resolved, past its window or gone: the caller decides again."""
    try:
        response = client().update_item(
            TableName=table_name(),
            Key=_key(incident_pk(org_id, incident_id), INCIDENT_SK),
            UpdateExpression="SET last_seen_at = :at, updated_at = :at, version = version + :one ADD occurrences :one",
            # Timestamps are stored as fixed-width RFC 3339 (clock.iso), so they compare as strings.
            ConditionExpression="attribute_exists(PK) AND #status <> :resolved "
            "AND (attribute_not_exists(dedupe_window_until) OR dedupe_window_until > :at)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=_values({":at": iso(at), ":one": 1, ":resolved": "resolved"}),
            ReturnValues="ALL_NEW",
        )
    except client().exceptions.ConditionalCheckFailedException:
        return None
    return _incident(_from_item(response["Attributes"]))


def _record_and_timeline(pk: str, record_sk: str, limit: int) -> list[dict[str, Any]] | None:
    """A record and its newest `limit` timeline entries, in one strongly consistent Query (read-modify-write
    uses it): timeline keys start with '#', which sorts before the record's key, so descending order returns
    the record first. None when there is no record."""
    response = client().query(
        TableName=table_name(),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues=_values({":pk": pk}),
        ScanIndexForward=False,
        ConsistentRead=True,
        Limit=limit + 1,
    )
    items = [_from_item(item) for item in response.get("Items", [])]
    return items if items and items[0]["SK"] == record_sk else None


def get_incident(org_id: str, incident_id: str, *, message_limit: int = 100) -> tuple[Incident, list[Message]] | None:
    """The incident and its newest messages, in one Query."""
    items = _record_and_timeline(incident_pk(org_id, incident_id), INCIDENT_SK, message_limit)
    if items is None:
        return None
    return _incident(items[0]), [Message.model_validate(item) for item in items[1:]]


def _claim_write(before: Incident, after: Incident) -> tuple[dict[str, Any] | None, bool]:
    """The write that moves the dedupe claim from `before` to `after`, and whether `after` then holds it.
    Resolving keeps the claim through the cooldown (or lets it go); reopening takes it back unless another
    incident holds it now. Either write is conditional, so it never touches another incident's claim."""
    was_resolved, is_resolved = before.status == "resolved", after.status == "resolved"
    wanted = _claim_item(after)
    if before.dedupe_claimed and is_resolved and not was_resolved:
        mine = {"ExpressionAttributeValues": _values({":me": after.id})}
        if wanted:
            return _put(wanted, "incident_id = :me", **mine), True
        claim_pk = dedupe_pk(after.org_id, after.source, after.external_id or "")
        return _delete(claim_pk, "DEDUPE", "incident_id = :me", **mine), False
    if wanted and was_resolved and not is_resolved:
        values = _values({":me": after.id, ":now": _millis(after.updated_at)})
        return _put(wanted, f"{_CLAIM_IS_FREE} OR incident_id = :me", ExpressionAttributeValues=values), True
    return None, before.dedupe_claimed


def save_incident(
    before: Incident,
    after: Incident,
    new_messages: list[Message],
    impact: ServiceImpactChange,
    *,
    may_claim: bool = True,
) -> Incident:
    """Replace the incident if it is still at `before.version`, with its new messages, its services' impact
    and its dedupe claim (see _claim_write), all or nothing. Returns the incident as written (whether it
    holds its dedupe claim is decided here)."""
    org = after.org_id
    claim_write, claimed = _claim_write(before, after) if may_claim else (None, False)
    after = after.model_copy(update={"dedupe_claimed": claimed})
    items = [
        _put(
            _incident_item(after),
            "version = :version",
            ExpressionAttributeValues=_values({":version": before.version}),
        )
    ]
    items += [_put(_message_item(org, message)) for message in new_messages]
    if claim_write:
        items.append(claim_write)
    offset = len(items)
    added_services = set(after.affected_services) - set(before.affected_services)
    items += _service_writes(org, after.id, impact, added_services)
    try:
        _transact(items)
    except ConditionFailed as failure:
        if failure.index == 0:
            raise Stale() from None
        if claim_write and failure.index == offset - 1:
            # Another incident holds the (source, external_id) now: change this one without its claim.
            return save_incident(before, after, new_messages, impact, may_claim=False)
        _raise_if_service_missing(failure, impact, added_services, offset)
        raise
    return after


def append_message(org_id: str, message: Message, at: datetime) -> bool:
    """Add a message to an unresolved incident without reading it first (the common case: one round trip).

    A status message moves the status (never to resolved: resolving releases claims and impacts, which needs
    the incident); an `update` only bumps the version. False when the incident does not exist or is
    resolved: the caller then takes the read-modify-write path."""
    sets = "updated_at = :at, version = version + :one"
    values: dict[str, Any] = {":at": iso(at), ":one": 1, ":resolved": "resolved"}
    if message.type != "update":
        sets += ", #status = :status"
        values[":status"] = message.type
    try:
        _transact(
            [
                _put(_message_item(org_id, message), "attribute_not_exists(PK)"),
                {
                    "Update": {
                        "TableName": table_name(),
                        "Key": _key(incident_pk(org_id, message.incident_id), INCIDENT_SK),
                        "UpdateExpression": "SET " + sets,
                        "ConditionExpression": "attribute_exists(PK) AND #status <> :resolved",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": _values(values),
                    }
                },
            ]
        )
    except ConditionFailed:
        return False
    return True


def delete_incident(incident: Incident, impact: ServiceImpactChange, *, with_claim: bool = True) -> None:
    """Delete the incident, its services' impact and its dedupe claim at once; then its messages, which are
    unreachable once the incident item is gone."""
    org = incident.org_id
    items = [
        _delete(
            incident_pk(org, incident.id),
            INCIDENT_SK,
            "version = :version",
            ExpressionAttributeValues=_values({":version": incident.version}),
        )
    ]
    if incident.number is not None:  # INC-<n> stops resolving; the counter never hands out n again
        items.append(_delete(reference_pk(org, incident.number), "REF"))
    claim_index = None
    if incident.dedupe_claimed and with_claim:
        # Conditional: after a lapse, the claim may belong to a newer incident.
        claim_index = len(items)
        items.append(
            _delete(
                dedupe_pk(org, incident.source, incident.external_id or ""),
                "DEDUPE",
                "incident_id = :me",
                ExpressionAttributeValues=_values({":me": incident.id}),
            )
        )
    items += _service_writes(org, incident.id, impact)
    try:
        _transact(items)
    except ConditionFailed as failure:
        if failure.index == 0:
            raise Stale() from None
        if failure.index is not None and failure.index == claim_index:
            return delete_incident(incident, impact, with_claim=False)
        raise
    _delete_partition(incident_pk(org, incident.id))


def _delete_partition(pk: str) -> None:
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": _values({":pk": pk}),
        "ProjectionExpression": "PK, SK",
    }
    while True:
        response = client().query(**request)
        keys = [{"DeleteRequest": {"Key": item}} for item in response.get("Items", [])]
        for start in range(0, len(keys), 25):
            pending = keys[start : start + 25]
            while pending:
                result = client().batch_write_item(RequestItems={table_name(): pending})
                pending = result.get("UnprocessedItems", {}).get(table_name(), [])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def list_messages(org_id: str, incident_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": _values({":pk": incident_pk(org_id, incident_id), ":prefix": MESSAGE_SK_PREFIX}),
        "ScanIndexForward": False,
        "Limit": limit + 1,
    }
    if start:
        _check_position(start, "PK", incident_pk(org_id, incident_id))
        request["ExclusiveStartKey"] = _to_item(start)
    items = [_from_item(item) for item in client().query(**request).get("Items", [])]
    if len(items) > limit:
        last = items[limit - 1]
        return Page(items[:limit], {"PK": last["PK"], "SK": last["SK"]})
    return Page(items, None)


def incident_from_item(attributes: dict[str, Any]) -> Incident:
    return _incident(attributes)


# ---- maintenances -------------------------------------------------------------------------------------

MAINTENANCE_SK = "MAINTENANCE"
EVENT_SK_PREFIX = "#EVT#"
SCHEDULE_PK = "SCHEDULE"


def maintenance_pk(org_id: str, maintenance_id: str) -> str:
    return f"ORG#{org_id}#MNT#{maintenance_id}"


def _maintenance_item(maintenance: Maintenance, due_at: datetime | None) -> dict[str, Any]:
    attributes = _record(maintenance) | {
        "PK": maintenance_pk(maintenance.org_id, maintenance.id),
        "SK": MAINTENANCE_SK,
        "GSI1PK": list_pk(maintenance.org_id, "MAINTENANCES"),
        "GSI1SK": maintenance.id,
        "kind": "maintenance",
    }
    if due_at is not None:
        # The sparse schedule index: present only while an automatic transition is pending.
        attributes |= {"GSI2PK": SCHEDULE_PK, "GSI2SK": f"{iso(due_at)}#{maintenance.org_id}#{maintenance.id}"}
    return attributes


def _event_item(org_id: str, maintenance_id: str, event: MaintenanceEvent) -> dict[str, Any]:
    return _record(event) | {
        "PK": maintenance_pk(org_id, maintenance_id),
        "SK": EVENT_SK_PREFIX + event.id,
        "kind": "maintenance_event",
    }


def create_maintenance(maintenance: Maintenance, event: MaintenanceEvent, due_at: datetime | None) -> None:
    org = maintenance.org_id
    items = [
        _put(_maintenance_item(maintenance, due_at), "attribute_not_exists(PK)"),
        _put(_event_item(org, maintenance.id, event)),
    ]
    offset = len(items)
    none = ServiceImpactChange(set={}, remove=frozenset())
    items += _service_writes(org, maintenance.id, none, maintenance.affected_services)
    try:
        _transact(items)
    except ConditionFailed as failure:
        _raise_if_service_missing(failure, none, maintenance.affected_services, offset)
        raise


def get_maintenance(
    org_id: str, maintenance_id: str, *, event_limit: int = 100
) -> tuple[Maintenance, list[MaintenanceEvent]] | None:
    """The maintenance and its newest timeline entries, in one Query."""
    items = _record_and_timeline(maintenance_pk(org_id, maintenance_id), MAINTENANCE_SK, event_limit)
    if items is None:
        return None
    return Maintenance.model_validate(items[0]), [MaintenanceEvent.model_validate(item) for item in items[1:]]


def save_maintenance(
    before: Maintenance,
    after: Maintenance,
    new_events: list[MaintenanceEvent],
    impact: ServiceImpactChange,
    due_at: datetime | None,
) -> None:
    """Replace the maintenance if it is still at `before.version` (so a manual start racing the scheduler,
    or two sweeps, transition it once), with its timeline entries and its services' impact."""
    org = after.org_id
    items = [
        _put(
            _maintenance_item(after, due_at),
            "version = :version",
            ExpressionAttributeValues=_values({":version": before.version}),
        )
    ]
    items += [_put(_event_item(org, after.id, event)) for event in new_events]
    offset = len(items)
    added_services = set(after.affected_services) - set(before.affected_services)
    items += _service_writes(org, after.id, impact, added_services)
    try:
        _transact(items)
    except ConditionFailed as failure:
        if failure.index == 0:
            raise Stale() from None
        _raise_if_service_missing(failure, impact, added_services, offset)
        raise


def due_maintenances(now: datetime) -> list[Maintenance]:
    """Every maintenance whose automatic transition is due at `now`, oldest due first: a Query on the sparse
    schedule index, so it reads the due maintenances and nothing else."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK < :bound",
        # '$' sorts just after '#', so every key due at or before this millisecond is below the bound.
        "ExpressionAttributeValues": _values({":pk": SCHEDULE_PK, ":bound": f"{iso(now)}$"}),
    }
    due = []
    while True:
        response = client().query(**request)
        due += [Maintenance.model_validate(_from_item(item)) for item in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return due
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# ---- metrics and integrations ---------------------------------------------------------------------------

METRIC_SK = "METRIC"
MAX_SERVICE_NAME = 100  # flare.models.Name
INTEGRATION_SK = "INTEGRATION"
_NO_IMPACT = ServiceImpactChange(set={}, remove=frozenset())


def metric_pk(org_id: str, metric_id: str) -> str:
    return f"ORG#{org_id}#MET#{metric_id}"


def integration_pk(org_id: str, integration_id: str) -> str:
    return f"ORG#{org_id}#INT#{integration_id}"


def _metric_item(metric: Metric) -> dict[str, Any]:
    return _record(metric) | {
        "PK": metric_pk(metric.org_id, metric.id),
        "SK": METRIC_SK,
        "GSI1PK": list_pk(metric.org_id, "METRICS"),
        "GSI1SK": metric.id,
        "kind": "metric",
    }


def save_metric(before: Metric | None, after: Metric) -> None:
    """Create (`before` None) or replace the metric if it is still at `before.version`, checking that its
    service exists, all at once. Stale when another writer got there first; ServiceMissing names the service."""
    condition = "attribute_not_exists(PK)" if before is None else "version = :version"
    extra = {} if before is None else {"ExpressionAttributeValues": _values({":version": before.version})}
    items = [_put(_metric_item(after), condition, **extra)]
    items += _service_writes(after.org_id, after.id, _NO_IMPACT, [after.service_id])
    try:
        _transact(items)
    except ConditionFailed as failure:
        if failure.index == 0:
            raise Stale() from None
        raise ServiceMissing(after.service_id) from None


def metric_and_claim(org_id: str, metric_id: str, source: str) -> tuple[Metric | None, dict[str, Any] | None]:
    """The metric and the dedupe claim on (source, its id): one strongly consistent BatchGetItem."""
    keys = [_key(metric_pk(org_id, metric_id), METRIC_SK), _key(dedupe_pk(org_id, source, metric_id), "DEDUPE")]
    found = {item["SK"]: item for item in _batch_get(keys, consistent=True)}
    return (Metric.model_validate(found[METRIC_SK]) if METRIC_SK in found else None), found.get("DEDUPE")


def get_metric(org_id: str, metric_id: str) -> Metric | None:
    response = client().get_item(TableName=table_name(), Key=_key(metric_pk(org_id, metric_id), METRIC_SK))
    item = response.get("Item")
    return Metric.model_validate(_from_item(item)) if item else None


def delete_metric(org_id: str, metric_id: str) -> bool:
    """Delete the metric; False when the organisation has none with this id."""
    return _delete_if_exists(metric_pk(org_id, metric_id), METRIC_SK)


def _delete_if_exists(pk: str, sk: str) -> bool:
    try:
        client().delete_item(TableName=table_name(), Key=_key(pk, sk), ConditionExpression="attribute_exists(PK)")
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True


class TeamTaken(Exception):
    """The Slack workspace is connected to an organisation already."""


def slack_team_pk(team_id: str) -> str:
    return f"SLACKTEAM#{team_id}"


def create_integration(integration: Integration) -> None:
    """Write the integration, checking that its default services exist, all at once. A Slack integration
    also claims its workspace: a workspace's slash commands reach one organisation (TeamTaken)."""
    org = integration.org_id
    item = _record(integration) | {
        "PK": integration_pk(org, integration.id),
        "SK": INTEGRATION_SK,
        "GSI1PK": list_pk(org, "INTEGRATIONS"),
        "GSI1SK": integration.id,
        "kind": "integration",
    }
    items = [_put(item, "attribute_not_exists(PK)")]
    if integration.team_id:
        # What the slash-command receiver needs, found by the workspace alone (Slack sends no API key).
        team = {"PK": slack_team_pk(integration.team_id), "SK": "SLACK_TEAM", "org_id": org}
        items.append(_put(team | {"integration": _record(integration)}, "attribute_not_exists(PK)"))
    offset = len(items)
    items += _service_writes(org, integration.id, _NO_IMPACT, integration.default_services)
    try:
        _transact(items)
    except ConditionFailed as failure:
        if integration.team_id and failure.index == 1:
            raise TeamTaken(integration.team_id) from None
        _raise_if_service_missing(failure, _NO_IMPACT, integration.default_services, offset)
        raise


def get_integration(org_id: str, integration_id: str) -> Integration | None:
    response = client().get_item(
        TableName=table_name(), Key=_key(integration_pk(org_id, integration_id), INTEGRATION_SK)
    )
    item = response.get("Item")
    return Integration.model_validate(_from_item(item)) if item else None


def delete_integration(integration: Integration) -> bool:
    """Delete the integration (and its Slack workspace claim); False when it is already gone."""
    items = [_delete(integration_pk(integration.org_id, integration.id), INTEGRATION_SK, "attribute_exists(PK)")]
    if integration.team_id:
        items.append(_delete(slack_team_pk(integration.team_id), "SLACK_TEAM"))
    try:
        _transact(items)
    except ConditionFailed:
        return False
    return True


def slack_integration(team_id: str) -> Integration | None:
    """The Slack integration of the workspace `team_id`, whichever organisation it belongs to."""
    response = client().get_item(TableName=table_name(), Key=_key(slack_team_pk(team_id), "SLACK_TEAM"))
    item = response.get("Item")
    return Integration.model_validate(_from_item(item)["integration"]) if item else None


@dataclass(frozen=True)
class AlertContext:
    """What a receiver needs to act on a delivery, read together (rules.dedupe, alerts.receive)."""

    integration: Integration | None
    claim: dict[str, Any] | None  # the dedupe claim on the delivery's key (see get_claim)
    service_ids: dict[str, str]  # casefolded service name → id, for the names the alert gave
    delivered_before: bool = False  # the delivery's own id was recorded (see record_delivery)


def alert_context(
    org_id: str,
    integration_id: str,
    source: str,
    external_id: str | None,
    service_names: Iterable[str],
    *,
    delivery_id: str | None = None,
    now: datetime,
) -> AlertContext:
    """The integration, the claim on (source, external_id), the named services' ids and whether this delivery
    was taken before: one strongly consistent BatchGetItem."""
    names = list(dict.fromkeys(name.casefold() for name in service_names if name.strip()))
    keys = [_key(integration_pk(org_id, integration_id), INTEGRATION_SK)]
    if external_id:
        keys.append(_key(dedupe_pk(org_id, source, external_id), "DEDUPE"))
    if delivery_id:
        keys.append(_key(delivery_pk(org_id, integration_id, delivery_id), DELIVERY_SK))
    keys += [_key(service_name_pk(org_id, name), "SERVICE_NAME") for name in names]
    found = _batch_get(keys, consistent=True)
    integration = next((item for item in found if item["SK"] == INTEGRATION_SK), None)
    delivery = next((item for item in found if item["SK"] == DELIVERY_SK), None)
    return AlertContext(
        integration=Integration.model_validate(integration) if integration else None,
        claim=next((item for item in found if item["SK"] == "DEDUPE"), None),
        service_ids={
            item["PK"].split("#SVCNAME#", 1)[1]: item["service_id"] for item in found if item["SK"] == "SERVICE_NAME"
        },
        delivered_before=delivery is not None and delivery["expires_at"] > now.timestamp(),
    )


# ---- deliveries: what a sender (or anyone replaying it) sent before --------------------------------------

DELIVERY_SK = "DELIVERY"


def delivery_pk(org_id: str, scope: str, delivery_id: str) -> str:
    """One delivery of one sender: `scope` is the integration (or Slack workspace) it came through."""
    return f"ORG#{org_id}#DELIVERY#{_pair_digest(scope, delivery_id)}"


def _delivery_item(org_id: str, scope: str, delivery_id: str, expires_at: datetime) -> dict[str, Any]:
    pk = delivery_pk(org_id, scope, delivery_id)
    return _to_item({"PK": pk, "SK": DELIVERY_SK, "expires_at": int(expires_at.timestamp())})


def record_delivery(org_id: str, scope: str, delivery_id: str, *, expires_at: datetime) -> None:
    """Remember a delivery that was acted on, until `expires_at` (TTL)."""
    client().put_item(TableName=table_name(), Item=_delivery_item(org_id, scope, delivery_id, expires_at))


def release_delivery(org_id: str, scope: str, delivery_id: str) -> None:
    """Forget a claimed delivery that turned out to do nothing."""
    client().delete_item(TableName=table_name(), Key=_key(delivery_pk(org_id, scope, delivery_id), DELIVERY_SK))


def claim_delivery(org_id: str, scope: str, delivery_id: str, *, now: datetime, expires_at: datetime) -> bool:
    """Take a delivery before acting on it (one conditional PutItem): False when it was taken before and that
    claim has not expired (DynamoDB's TTL deletes late, so the expiry is checked here too)."""
    try:
        client().put_item(
            TableName=table_name(),
            Item=_delivery_item(org_id, scope, delivery_id, expires_at),
            ConditionExpression="attribute_not_exists(PK) OR expires_at < :now",
            ExpressionAttributeValues=_values({":now": int(now.timestamp())}),
        )
    except client().exceptions.ConditionalCheckFailedException:
        return False
    return True


def service_ids_by_name(org_id: str, names: Iterable[str]) -> dict[str, str]:
    """The ids of the organisation's services with these names (case-insensitive; unknown names left out),
    keyed by the casefolded name. A name longer than any service's is unknown without asking (DynamoDB refuses
    keys over 2 KiB)."""
    wanted = dict.fromkeys(name.casefold() for name in names if name.strip() and len(name) <= MAX_SERVICE_NAME)
    claims = _batch_get([_key(service_name_pk(org_id, name), "SERVICE_NAME") for name in wanted])
    return {claim["PK"].split("#SVCNAME#", 1)[1]: claim["service_id"] for claim in claims}
