"""The in-memory store: every feature's storage port (flare/<feature>/port.py) held in dictionaries, for use-case
tests that need no DynamoDB. tests/contract runs the same behaviours against it and the DynamoDB store, so it
cannot drift from the real one. Conditions are checked before anything is written (all or nothing), in the order
the DynamoDB transactions list their operations, so the same failure wins; one lock makes each call atomic."""

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flare.access.models import ApiKey, Organisation
from flare.alerting.models import AlertContext, Integration, SlackThread
from flare.catalog.models import Metric, Service
from flare.catalog.rollup import ServiceImpactChange
from flare.errors import BadRequest
from flare.fields import MAX_NAME
from flare.incidents.dedupe import Claim, claim_change, claim_of, dedupe_key_text
from flare.incidents.models import Incident, Message
from flare.maintenances.models import Maintenance, MaintenanceEvent
from flare.messaging.queue import Outbound
from flare.status_pages.models import StatusPage
from flare.status_pages.snapshot import Snapshot
from flare.store import changes
from flare.store.errors import (
    ConditionFailed,
    DuplicateIncident,
    NameTaken,
    ServiceBusy,
    ServiceMissing,
    SlugTaken,
    Stale,
    TeamTaken,
)
from flare.store.queries import Filter, Page
from flare.store.services import NO_IMPACT
from flare.store.status_pages import StoredSnapshot
from flare.webhooks.models import Delivery, DeliveryAttempt, Webhook

_COMPARE = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a is not None and a < b,
    "<=": lambda a, b: a is not None and a <= b,
    ">": lambda a, b: a is not None and a > b,
    ">=": lambda a, b: a is not None and a >= b,
    "IN": lambda a, b: a in b,
    "contains": lambda a, b: isinstance(a, list) and b in a,
}


def _matches(record: dict[str, Any], where: Filter | None) -> bool:
    return all(
        _COMPARE[operator](record.get(name), value) for name, operator, value in (where.clauses if where else [])
    )


def _copy(model):
    return model.model_copy(deep=True) if model is not None else None


def _ms(at: datetime) -> datetime:
    """A time as the DynamoDB store writes and compares it: to the millisecond (clock.iso, claims' millis)."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _stored(model):
    """A model as the DynamoDB store keeps it: every timestamp to the millisecond."""
    return type(model).model_validate(model.model_dump(mode="json"))


def _named_services(integration: Integration) -> list[str]:
    """The services an integration names (store.integrations checks each exists when it is written)."""
    return list(dict.fromkeys([*integration.default_services, *integration.service_channels]))


def _stored_claim(claim: Claim) -> Claim:
    return Claim(claim.incident_id, claim.resolved, _ms(claim.lapses_at) if claim.lapses_at else None)


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.organisations: dict[str, Organisation] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.request_counts: dict[tuple[str, int], int] = {}
        self.incidents: dict[tuple[str, str], Incident] = {}
        self.messages: dict[tuple[str, str], dict[str, Message]] = {}
        self.references: dict[tuple[str, int], str] = {}
        self.last_number: dict[str, int] = {}
        self.claims: dict[tuple[str, str], Claim] = {}
        self.services: dict[tuple[str, str], Service] = {}
        self.service_names: dict[tuple[str, str], str] = {}
        self.metrics: dict[tuple[str, str], Metric] = {}
        self.maintenances: dict[tuple[str, str], Maintenance] = {}
        self.events: dict[tuple[str, str], dict[str, MaintenanceEvent]] = {}
        self.due: dict[tuple[str, str], datetime] = {}
        self.integrations: dict[tuple[str, str], Integration] = {}
        self.status_pages: dict[tuple[str, str], StatusPage] = {}
        self.slugs: dict[str, tuple[str, str]] = {}  # slug → (org, page id), across organisations
        self.snapshots: dict[str, tuple[int, Snapshot]] = {}  # slug → (revision, the page's public snapshot)
        self.teams: dict[str, Integration] = {}
        self.webhooks: dict[tuple[str, str], Webhook] = {}
        self.bus: list[dict[str, Any]] = []  # events put on the EventBridge bus
        self.queued: list[Outbound] = []  # deliveries sent to the outbound queue
        self.held: dict[str, float] = {}  # receipt handle → seconds a delivery was held for its retry
        self.webhook_deliveries: dict[tuple[str, str, str], Delivery] = {}  # (org, webhook, delivery)
        self.deliveries: dict[tuple[str, str, str], int] = {}
        # (org, incident, integration, channel) → where the incident was announced in that channel
        self.slack_threads: dict[tuple[str, str, str, str], SlackThread] = {}

    # ---- shared ---------------------------------------------------------------------------------------------

    def _page(
        self,
        partition: str,
        records: Iterable[Any],
        *,
        limit: int,
        start: dict[str, str] | None,
        where: Filter | None = None,
        id_range: tuple[str, str] | None = None,
    ) -> Page:
        """A newest-first page of `records` (one partition's), its position the last id shown (positions of another
        partition are refused, as the DynamoDB store refuses them)."""
        if start and (start.get("collection") != partition or not isinstance(start.get("after"), str)):
            raise BadRequest("cursor is invalid: pass next_cursor back unchanged, with the same filters")
        found = sorted(records, key=lambda r: r.id, reverse=True)
        if id_range:
            found = [r for r in found if id_range[0] <= r.id <= id_range[1]]
        if start:
            found = [r for r in found if r.id < start["after"]]
        found = [r for r in found if _matches(r.model_dump(mode="json"), where)]
        if len(found) > limit:
            return Page([_copy(r) for r in found[:limit]], {"collection": partition, "after": found[limit - 1].id})
        return Page([_copy(r) for r in found], None)

    def _collection(self, org_id: str, collection: str, records: dict[tuple[str, str], Any], **query: Any) -> Page:
        """A page of an organisation's collection (dictionaries keyed by (org, id))."""
        with self._lock:
            mine = [record for (org, _id), record in records.items() if org == org_id]
        return self._page(f"{org_id}/{collection}", mine, **query)

    def _with_timeline(self, records: dict, timelines: dict, key: tuple[str, str], limit: int):
        """A record and its newest `limit` timeline entries (newest first), or None."""
        with self._lock:
            record = records.get(key)
            if record is None:
                return None
            newest = sorted(timelines.get(key, {}).values(), key=lambda entry: entry.id, reverse=True)
            return _copy(record), [_copy(entry) for entry in newest[:limit]]

    def _claim_key(self, org_id: str, source: str | None, external_id: str) -> tuple[str, str]:
        return org_id, dedupe_key_text(source, external_id)

    def _claim_is_free(self, key: tuple[str, str], now: datetime) -> bool:
        held = self.claims.get(key)
        return held is None or (held.lapses_at is not None and held.lapses_at <= _ms(now))

    def _check_services(self, org_id: str, impact: ServiceImpactChange, check: Iterable[str] = ()) -> None:
        """ServiceMissing for the first service (in the DynamoDB transaction's order) that does not exist."""
        ordered = [*sorted(impact.set), *sorted(impact.remove), *sorted(set(check) - set(impact.set) - impact.remove)]
        for service_id in ordered:
            if (org_id, service_id) not in self.services:
                raise ServiceMissing(service_id)

    def _apply_impact(self, org_id: str, subject_id: str, impact: ServiceImpactChange) -> None:
        for service_id, severity in impact.set.items():
            self.services[(org_id, service_id)].impacts[subject_id] = severity
        for service_id in impact.remove:
            self.services[(org_id, service_id)].impacts.pop(subject_id, None)

    # ---- access ---------------------------------------------------------------------------------------------

    def create_organisation(self, org: Organisation, first_key: ApiKey) -> None:
        with self._lock:
            if org.id in self.organisations or first_key.id in self.api_keys:
                raise ConditionFailed("organisation")
            self.organisations[org.id] = _stored(org)
            self.api_keys[first_key.id] = _stored(first_key)

    def put_api_key(self, api_key: ApiKey) -> None:
        with self._lock:
            if api_key.id in self.api_keys:
                raise ConditionFailed("api key")
            self.api_keys[api_key.id] = _stored(api_key)

    def get_api_key(self, key_id: str) -> ApiKey | None:
        return _copy(self.api_keys.get(key_id))

    def list_api_keys(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        with self._lock:
            mine = [key for key in self.api_keys.values() if key.org_id == org_id]
        return self._page(f"{org_id}/KEYS", mine, limit=limit, start=start)

    def revoke_api_key(self, org_id: str, key_id: str, at: datetime) -> ApiKey | None:
        with self._lock:
            key = self.api_keys.get(key_id)
            if key is None or key.org_id != org_id:
                return None
            if key.revoked_at is None:
                key.revoked_at = _ms(at)
            return _copy(key)

    def count_request(self, key_id: str, window: int, limit: int, *, expires_at: int) -> int | None:
        with self._lock:
            count = self.request_counts.get((key_id, window), 0)
            if count >= limit:
                return None
            self.request_counts[(key_id, window)] = count + 1
            return count + 1

    # ---- incidents ------------------------------------------------------------------------------------------

    def create_incident(self, incident: Incident, messages: list[Message], impact: ServiceImpactChange) -> Incident:
        with self._lock:
            org = incident.org_id
            claim = claim_of(incident)
            if claim:
                key = self._claim_key(org, incident.source, incident.external_id)
                if not self._claim_is_free(key, incident.created_at):
                    holder = self.claims[key]
                    raise DuplicateIncident(holder.incident_id, holder.resolved)
            self._check_services(org, impact, incident.affected_services)
            number = self.last_number.get(org, 0) + 1
            written = incident.model_copy(update={"dedupe_claimed": claim is not None, "number": number}, deep=True)
            self.last_number[org] = number
            self.references[(org, number)] = incident.id
            self.incidents[(org, incident.id)] = _stored(written)
            self.messages[(org, incident.id)] = {message.id: _stored(message) for message in messages}
            if claim:
                self.claims[key] = _stored_claim(claim)
            self._apply_impact(org, incident.id, impact)
            return _copy(written)

    def incident_id_by_number(self, org_id: str, number: int) -> str | None:
        return self.references.get((org_id, number))

    def get_incident(
        self, org_id: str, incident_id: str, *, message_limit: int = 100
    ) -> tuple[Incident, list[Message]] | None:
        return self._with_timeline(self.incidents, self.messages, (org_id, incident_id), message_limit)

    def list_incidents(
        self, org_id: str, *, limit: int, start: dict[str, str] | None, id_range: tuple[str, str] | None, where: Filter
    ) -> Page:
        return self._collection(
            org_id, "INCIDENTS", self.incidents, limit=limit, start=start, where=where, id_range=id_range
        )

    def list_messages(self, org_id: str, incident_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        with self._lock:
            messages = list(self.messages.get((org_id, incident_id), {}).values())
        return self._page(f"{org_id}/{incident_id}/MESSAGES", messages, limit=limit, start=start)

    def absorb_repeat(self, org_id: str, incident_id: str, at: datetime) -> Incident | None:
        with self._lock:
            incident = self.incidents.get((org_id, incident_id))
            if incident is None or incident.status == "resolved":
                return None
            if incident.dedupe_window_until is not None and not incident.dedupe_window_until > _ms(at):
                return None
            incident.occurrences += 1
            incident.last_seen_at = incident.updated_at = _ms(at)
            incident.version += 1
            return _copy(incident)

    def save_incident(
        self, before: Incident, after: Incident, new_messages: list[Message], impact: ServiceImpactChange
    ) -> Incident:
        with self._lock:
            org = after.org_id
            current = self.incidents.get((org, after.id))
            if current is None or current.version != before.version:
                raise Stale()
            change, claimed = claim_change(before, after)
            key = self._claim_key(org, after.source, after.external_id or "")
            if change:
                held = self.claims.get(key)
                names_me = held is not None and held.incident_id == after.id
                if not (names_me or (change.or_free and self._claim_is_free(key, after.updated_at))):
                    change, claimed = None, False  # another incident holds the key now: leave it to it
            self._check_services(org, impact, set(after.affected_services) - set(before.affected_services))
            written = after.model_copy(update={"dedupe_claimed": claimed}, deep=True)
            self.incidents[(org, after.id)] = _stored(written)
            self.messages.setdefault((org, after.id), {}).update({m.id: _stored(m) for m in new_messages})
            if change:
                if change.claim is None:
                    self.claims.pop(key, None)
                else:
                    self.claims[key] = _stored_claim(change.claim)
            self._apply_impact(org, after.id, impact)
            return _copy(written)

    def append_message(self, org_id: str, message: Message, at: datetime) -> bool:
        with self._lock:
            incident = self.incidents.get((org_id, message.incident_id))
            timeline = self.messages.get((org_id, message.incident_id), {})
            if incident is None or incident.status == "resolved" or message.id in timeline:
                return False
            if message.type != "update":
                incident.status = message.type
            incident.updated_at = _ms(at)
            incident.version += 1
            timeline[message.id] = _stored(message)
            return True

    def delete_incident(self, incident: Incident, impact: ServiceImpactChange) -> None:
        with self._lock:
            org = incident.org_id
            current = self.incidents.get((org, incident.id))
            if current is None or current.version != incident.version:
                raise Stale()
            self._check_services(org, impact)
            del self.incidents[(org, incident.id)]
            self.messages.pop((org, incident.id), None)
            if incident.number is not None:
                self.references.pop((org, incident.number), None)
            key = self._claim_key(org, incident.source, incident.external_id or "")
            if incident.dedupe_claimed and getattr(self.claims.get(key), "incident_id", None) == incident.id:
                del self.claims[key]
            self._apply_impact(org, incident.id, impact)

    # ---- catalog: services ----------------------------------------------------------------------------------

    def create_service(self, service: Service) -> None:
        with self._lock:
            if (service.org_id, service.id) in self.services:
                raise ConditionFailed("service")
            if (service.org_id, service.name.casefold()) in self.service_names:
                raise NameTaken(service.name)
            self.services[(service.org_id, service.id)] = _stored(service)
            self.service_names[(service.org_id, service.name.casefold())] = service.id

    def get_service(self, org_id: str, service_id: str) -> Service | None:
        return _copy(self.services.get((org_id, service_id)))

    def get_services(self, org_id: str, service_ids: Iterable[str]) -> dict[str, Service]:
        with self._lock:
            found = [self.services.get((org_id, service_id)) for service_id in dict.fromkeys(service_ids)]
            return {service.id: _copy(service) for service in found if service}

    def list_services(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        return self._collection(org_id, "SERVICES", self.services, limit=limit, start=start)

    def update_service(self, before: Service, after: Service) -> None:
        with self._lock:
            org = after.org_id
            current = self.services.get((org, after.id))
            if current is None or current.version != before.version:
                raise Stale()
            renamed = before.name.casefold() != after.name.casefold()
            if renamed and (org, after.name.casefold()) in self.service_names:
                raise NameTaken(after.name)
            if renamed:
                del self.service_names[(org, before.name.casefold())]
                self.service_names[(org, after.name.casefold())] = after.id
            # The impacts stay as they are now: an edit never writes them.
            current.name, current.description = after.name, after.description
            current.version, current.updated_at = after.version, _ms(after.updated_at)

    def delete_service(self, service: Service) -> None:
        with self._lock:
            current = self.services.get((service.org_id, service.id))
            if current is None or current.impacts:
                raise ServiceBusy(service.id, dict((current or service).impacts))
            del self.services[(service.org_id, service.id)]
            self.service_names.pop((service.org_id, service.name.casefold()), None)

    def service_ids_by_name(self, org_id: str, names: Iterable[str]) -> dict[str, str]:
        with self._lock:
            wanted = dict.fromkeys(name.casefold() for name in names if name.strip() and len(name) <= MAX_NAME)
            return {name: self.service_names[(org_id, name)] for name in wanted if (org_id, name) in self.service_names}

    # ---- catalog: metrics -----------------------------------------------------------------------------------

    def save_metric(self, before: Metric | None, after: Metric) -> None:
        with self._lock:
            current = self.metrics.get((after.org_id, after.id))
            if (current is not None) if before is None else (current is None or current.version != before.version):
                raise Stale()
            if (after.org_id, after.service_id) not in self.services:
                raise ServiceMissing(after.service_id)
            self.metrics[(after.org_id, after.id)] = _stored(after)

    def metric_and_claim(self, org_id: str, metric_id: str, source: str) -> tuple[Metric | None, Claim | None]:
        with self._lock:
            return _copy(self.metrics.get((org_id, metric_id))), self.claims.get(
                self._claim_key(org_id, source, metric_id)
            )

    def get_metric(self, org_id: str, metric_id: str) -> Metric | None:
        return _copy(self.metrics.get((org_id, metric_id)))

    def list_metrics(self, org_id: str, *, limit: int, start: dict[str, str] | None, where: Filter) -> Page:
        return self._collection(org_id, "METRICS", self.metrics, limit=limit, start=start, where=where)

    def delete_metric(self, org_id: str, metric_id: str) -> bool:
        with self._lock:
            return self.metrics.pop((org_id, metric_id), None) is not None

    # ---- maintenances ---------------------------------------------------------------------------------------

    def create_maintenance(self, maintenance: Maintenance, event: MaintenanceEvent, due_at: datetime | None) -> None:
        with self._lock:
            key = (maintenance.org_id, maintenance.id)
            if key in self.maintenances:
                raise ConditionFailed("maintenance")
            self._check_services(maintenance.org_id, NO_IMPACT, maintenance.affected_services)
            self.maintenances[key] = _stored(maintenance)
            self.events[key] = {event.id: _stored(event)}
            self._schedule(key, due_at)

    def _schedule(self, key: tuple[str, str], due_at: datetime | None) -> None:
        if due_at is None:
            self.due.pop(key, None)
        else:
            self.due[key] = _ms(due_at)

    def get_maintenance(
        self, org_id: str, maintenance_id: str, *, event_limit: int = 100
    ) -> tuple[Maintenance, list[MaintenanceEvent]] | None:
        return self._with_timeline(self.maintenances, self.events, (org_id, maintenance_id), event_limit)

    def list_maintenances(self, org_id: str, *, limit: int, start: dict[str, str] | None, where: Filter) -> Page:
        return self._collection(org_id, "MAINTENANCES", self.maintenances, limit=limit, start=start, where=where)

    def save_maintenance(
        self,
        before: Maintenance,
        after: Maintenance,
        new_events: list[MaintenanceEvent],
        impact: ServiceImpactChange,
        due_at: datetime | None,
    ) -> None:
        with self._lock:
            key = (after.org_id, after.id)
            current = self.maintenances.get(key)
            if current is None or current.version != before.version:
                raise Stale()
            self._check_services(after.org_id, impact, set(after.affected_services) - set(before.affected_services))
            self.maintenances[key] = _stored(after)
            self.events[key].update({event.id: _stored(event) for event in new_events})
            self._apply_impact(after.org_id, after.id, impact)
            self._schedule(key, due_at)

    def due_maintenances(self, now: datetime) -> list[Maintenance]:
        with self._lock:
            due = sorted((at, key) for key, at in self.due.items() if at <= _ms(now))
            return [_copy(self.maintenances[key]) for _at, key in due]

    # ---- alerting: integrations and deliveries ---------------------------------------------------------------

    def create_integration(self, integration: Integration) -> None:
        with self._lock:
            if (integration.org_id, integration.id) in self.integrations:
                raise ConditionFailed("integration")
            if integration.team_id and integration.team_id in self.teams:
                raise TeamTaken(integration.team_id)
            self._check_services(integration.org_id, NO_IMPACT, _named_services(integration))
            self.integrations[(integration.org_id, integration.id)] = _stored(integration)
            if integration.team_id:
                self.teams[integration.team_id] = _stored(integration)

    def update_integration(self, before: Integration, after: Integration) -> None:
        with self._lock:
            current = self.integrations.get((before.org_id, before.id))
            if current is None or current.version != before.version:
                raise Stale()
            named_before = _named_services(before)
            newly = [service for service in _named_services(after) if service not in named_before]
            self._check_services(after.org_id, NO_IMPACT, newly)
            self.integrations[(after.org_id, after.id)] = _stored(after)
            if after.team_id:
                self.teams[after.team_id] = _stored(after)

    def announcing_integrations(self, org_id: str) -> list[Integration]:
        with self._lock:
            found = [i for (org, _), i in sorted(self.integrations.items(), reverse=True) if org == org_id]
            return [_copy(i) for i in found if i.type == "slack" and (i.bot_token or i.incoming_webhook_url)]

    def integration_and_thread(
        self, org_id: str, integration_id: str, incident_id: str, channel: str
    ) -> tuple[Integration | None, SlackThread | None]:
        with self._lock:
            thread = self.slack_threads.get((org_id, incident_id, integration_id, channel))
            return _copy(self.integrations.get((org_id, integration_id))), thread

    def record_post(
        self,
        org_id: str,
        incident_id: str,
        integration_id: str,
        channel: str,
        *,
        delivery_id: str,
        ts: str | None,
        channel_id: str | None,
        expires_at: datetime,
    ) -> None:
        with self._lock:
            key = (org_id, incident_id, integration_id, channel)
            thread = self.slack_threads.get(key) or SlackThread(None, None, frozenset())
            self.slack_threads[key] = SlackThread(
                thread.ts or ts, thread.channel_id or channel_id, thread.posted | {delivery_id}
            )

    def get_integration(self, org_id: str, integration_id: str) -> Integration | None:
        return _copy(self.integrations.get((org_id, integration_id)))

    def list_integrations(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        return self._collection(org_id, "INTEGRATIONS", self.integrations, limit=limit, start=start)

    def delete_integration(self, integration: Integration) -> bool:
        with self._lock:
            if self.integrations.pop((integration.org_id, integration.id), None) is None:
                return False
            if integration.team_id:
                self.teams.pop(integration.team_id, None)
            return True

    def slack_integration(self, team_id: str) -> Integration | None:
        return _copy(self.teams.get(team_id))

    def alert_context(
        self,
        org_id: str,
        integration_id: str,
        source: str,
        external_id: str | None,
        service_names: Iterable[str],
        *,
        delivery_id: str | None = None,
        now: datetime,
    ) -> AlertContext:
        with self._lock:
            names = dict.fromkeys(name.casefold() for name in service_names if name.strip())
            expires_at = self.deliveries.get((org_id, integration_id, delivery_id)) if delivery_id else None
            return AlertContext(
                integration=_copy(self.integrations.get((org_id, integration_id))),
                claim=self.claims.get(self._claim_key(org_id, source, external_id)) if external_id else None,
                service_ids={n: self.service_names[(org_id, n)] for n in names if (org_id, n) in self.service_names},
                delivered_before=expires_at is not None and expires_at > now.timestamp(),
            )

    def record_delivery(self, org_id: str, scope: str, delivery_id: str, *, expires_at: datetime) -> None:
        with self._lock:
            self.deliveries[(org_id, scope, delivery_id)] = int(expires_at.timestamp())

    def release_delivery(self, org_id: str, scope: str, delivery_id: str) -> None:
        with self._lock:
            self.deliveries.pop((org_id, scope, delivery_id), None)

    def claim_delivery(self, org_id: str, scope: str, delivery_id: str, *, now: datetime, expires_at: datetime) -> bool:
        with self._lock:
            taken = self.deliveries.get((org_id, scope, delivery_id))
            if taken is not None and not taken < int(now.timestamp()):
                return False
            self.deliveries[(org_id, scope, delivery_id)] = int(expires_at.timestamp())
            return True

    # ---- status pages ---------------------------------------------------------------------------------------

    def save_status_page(self, before: StatusPage | None, after: StatusPage) -> None:
        with self._lock:
            key = (after.org_id, after.id)
            current = self.status_pages.get(key)
            if (current is not None) if before is None else (current is None or current.version != before.version):
                raise Stale()
            if (before is None or before.slug != after.slug) and after.slug in self.slugs:
                raise SlugTaken(after.slug)
            self._check_services(after.org_id, NO_IMPACT, after.service_ids)
            if before is not None and before.slug != after.slug:
                del self.slugs[before.slug]
                self.snapshots.pop(before.slug, None)
            self.slugs[after.slug] = key
            self.status_pages[key] = _stored(after)

    def get_status_page(self, org_id: str, page_id: str) -> StatusPage | None:
        return _copy(self.status_pages.get((org_id, page_id)))

    def list_status_pages(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        return self._collection(org_id, "STATUS_PAGES", self.status_pages, limit=limit, start=start)

    def delete_status_page(self, page: StatusPage) -> None:
        with self._lock:
            current = self.status_pages.get((page.org_id, page.id))
            if current is None or current.version != page.version:
                raise Stale()
            del self.status_pages[(page.org_id, page.id)]
            del self.slugs[page.slug]
            self.snapshots.pop(page.slug, None)

    def pages_of(self, org_id: str, also: set[str] = frozenset()) -> list[StatusPage]:
        return [_copy(page) for (org, _), page in sorted(self.status_pages.items()) if org == org_id]

    def snapshot_of(self, slug: str, *, consistent: bool = False) -> StoredSnapshot | None:
        if slug not in self.slugs:
            return None
        revision, snapshot = self.snapshots.get(slug, (0, None))
        return StoredSnapshot(self.slugs[slug][1], revision, _copy(snapshot))

    def save_snapshot(self, slug: str, page_id: str, snapshot: Snapshot, revision: int) -> bool:
        with self._lock:
            if self.slugs.get(slug, ("", ""))[1] != page_id or self.snapshots.get(slug, (0, None))[0] != revision:
                return False
            self.snapshots[slug] = (revision + 1, _copy(snapshot))
            return True

    # ---- webhooks ---------------------------------------------------------------------------------------------

    def save_webhook(self, before: Webhook | None, after: Webhook) -> None:
        with self._lock:
            current = self.webhooks.get((after.org_id, after.id))
            if (before is None and current is not None) or (
                before is not None and (current is None or current.version != before.version)
            ):
                raise Stale()
            self.webhooks[(after.org_id, after.id)] = _stored(after)

    def get_webhook(self, org_id: str, webhook_id: str) -> Webhook | None:
        return _copy(self.webhooks.get((org_id, webhook_id)))

    def list_webhooks(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        return self._collection(org_id, "WEBHOOKS", self.webhooks, limit=limit, start=start)

    def webhooks_of(self, org_id: str) -> list[Webhook]:
        with self._lock:
            mine = [webhook for (org, _), webhook in self.webhooks.items() if org == org_id]
        return [_copy(webhook) for webhook in sorted(mine, key=lambda webhook: webhook.id, reverse=True)]

    def delete_webhook(self, webhook: Webhook) -> None:
        with self._lock:
            current = self.webhooks.get((webhook.org_id, webhook.id))
            if current is None or current.version != webhook.version:
                raise Stale()
            del self.webhooks[(webhook.org_id, webhook.id)]
            for key in [key for key in self.webhook_deliveries if key[:2] == (webhook.org_id, webhook.id)]:
                del self.webhook_deliveries[key]

    def update_health(self, webhook: Webhook, after: Webhook) -> bool:
        try:
            self.save_webhook(webhook, after)
        except Stale:
            return False
        return True

    def webhook_and_delivery(
        self, org_id: str, webhook_id: str, delivery_id: str
    ) -> tuple[Webhook | None, Delivery | None]:
        with self._lock:
            return (
                _copy(self.webhooks.get((org_id, webhook_id))),
                _copy(self.webhook_deliveries.get((org_id, webhook_id, delivery_id))),
            )

    def record_attempt(
        self,
        org_id: str,
        webhook_id: str,
        delivery_id: str,
        *,
        event: dict[str, Any],
        payload: str,
        attempt: DeliveryAttempt,
        status: str,
        next_attempt_at: datetime | None,
    ) -> None:
        with self._lock:
            key = (org_id, webhook_id, delivery_id)
            current = self.webhook_deliveries.get(key)
            self.webhook_deliveries[key] = _stored(
                Delivery(
                    id=delivery_id,
                    org_id=org_id,
                    webhook_id=webhook_id,
                    event_id=event["id"],
                    event_type=event["type"],
                    status=status,
                    attempts=[*(current.attempts if current else []), attempt],
                    next_attempt_at=next_attempt_at,
                    created_at=current.created_at if current else attempt.at,
                    updated_at=attempt.at,
                    payload=current.payload if current and current.payload else payload,
                )
            )

    def list_deliveries(self, org_id: str, webhook_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        with self._lock:
            mine = [
                delivery.model_copy(update={"payload": None})
                for (org, webhook, _), delivery in self.webhook_deliveries.items()
                if (org, webhook) == (org_id, webhook_id)
            ]
        return self._page(f"{org_id}/{webhook_id}/DELIVERIES", mine, limit=limit, start=start)

    # ---- the bus, the outbound queue, and stream images (events) ------------------------------------------------

    def put_events(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            self.bus.extend(events)

    def send(self, messages: list[Outbound]) -> None:
        """Queued deliveries, deduplicated by delivery id as the FIFO queue does (within its five minutes)."""
        with self._lock:
            seen = {message.delivery_id for message in self.queued}
            self.queued.extend(message for message in messages if message.delivery_id not in seen)

    def retry_later(self, receipt_handle: str, seconds: float) -> None:
        with self._lock:
            self.held[receipt_handle] = seconds

    # A stream image is what the DynamoDB store wrote: read back the way it reads its items.
    incident_of = staticmethod(changes.incident_of)
    message_of = staticmethod(changes.message_of)
    maintenance_of = staticmethod(changes.maintenance_of)
    service_of = staticmethod(changes.service_of)
