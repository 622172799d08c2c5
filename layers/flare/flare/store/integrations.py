"""Integrations (alert senders and Slack workspaces), and what a receiver reads to act on a delivery."""

from collections.abc import Iterable
from datetime import datetime

from flare.alerting.models import AlertContext, Integration
from flare.store.claims import claim_from, claim_key
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record
from flare.store.deliveries import delivery_key, taken_before
from flare.store.errors import ConditionFailed, Stale, TeamTaken
from flare.store.keys import (
    DEDUPE_SK,
    DELIVERY_SK,
    INTEGRATION_SK,
    SERVICE_NAME_SK,
    SLACK_TEAM_SK,
    integration_pk,
    list_pk,
    service_name_pk,
    slack_team_pk,
)
from flare.store.queries import Filter, Page, batch_get, query_collection
from flare.store.services import NO_IMPACT, names_to_ids, raise_if_service_missing, record_impact
from flare.store.transactions import Transaction


def _item(integration: Integration) -> dict:
    org = integration.org_id
    return record(integration) | {
        "PK": integration_pk(org, integration.id),
        "SK": INTEGRATION_SK,
        "GSI1PK": list_pk(org, "INTEGRATIONS"),
        "GSI1SK": integration.id,
        "kind": "integration",
    }


def _team(integration: Integration) -> dict:
    """What the slash-command receiver needs, found by the workspace alone (Slack sends no API key)."""
    team = {"PK": slack_team_pk(integration.team_id), "SK": SLACK_TEAM_SK, "org_id": integration.org_id}
    return team | {"integration": record(integration)}


def _named_services(integration: Integration) -> list[str]:
    """The services the integration names, each checked to exist when it is written."""
    return list(dict.fromkeys([*integration.default_services, *integration.service_channels]))


def newly_named_services(before: Integration, after: Integration) -> list[str]:
    return [service for service in _named_services(after) if service not in _named_services(before)]


def create_integration(integration: Integration) -> None:
    """Write the integration, checking that the services it names exist, all at once. A Slack integration
    also claims its workspace: a workspace's slash commands reach one organisation (TeamTaken)."""
    org = integration.org_id
    transaction = Transaction().put("integration", _item(integration), "attribute_not_exists(PK)")
    if integration.team_id:
        transaction.put("team", _team(integration), "attribute_not_exists(PK)")
    record_impact(transaction, org, integration.id, NO_IMPACT, _named_services(integration))
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "team":
            raise TeamTaken(integration.team_id) from None
        raise_if_service_missing(failure)
        raise


def update_integration(before: Integration, after: Integration) -> None:
    """Replace the integration (and its workspace's copy) if it is still at `before.version` (else Stale),
    checking that the services it newly names exist (ServiceMissing; one deleted since it was named does not stop
    a change). Integrations made before versions have none stored: version 1."""
    condition = "version = :v"
    if before.version == 1:
        condition = "attribute_exists(PK) AND (version = :v OR attribute_not_exists(version))"
    transaction = Transaction().put("integration", _item(after), condition, values={":v": before.version})
    if after.team_id:
        transaction.put("team", _team(after), "org_id = :org", values={":org": after.org_id})
    record_impact(transaction, after.org_id, after.id, NO_IMPACT, newly_named_services(before, after))
    try:
        transaction.commit()
    except ConditionFailed as failure:
        raise_if_service_missing(failure)
        raise Stale() from None


def announcing_integrations(org_id: str) -> list[Integration]:
    """The organisation's Slack integrations that announce incidents (a bot token or an incoming webhook URL):
    one Query of its integrations, filtered to Slack's (an organisation has a handful)."""
    found, start = [], None
    where = Filter().compare("type", "=", "slack")
    while True:
        page = query_collection(org_id, "INTEGRATIONS", limit=100, start=start, where=where)
        found += [Integration.model_validate(item) for item in page.items]
        if (start := page.next_position) is None:
            return [i for i in found if i.bot_token or i.incoming_webhook_url]


def get_integration(org_id: str, integration_id: str) -> Integration | None:
    response = client().get_item(
        TableName=table_name(), Key=key(integration_pk(org_id, integration_id), INTEGRATION_SK)
    )
    item = response.get("Item")
    return Integration.model_validate(from_item(item)) if item else None


def list_integrations(org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    page = query_collection(org_id, "INTEGRATIONS", limit=limit, start=start)
    return Page([Integration.model_validate(item) for item in page.items], page.next_position)


def delete_integration(integration: Integration) -> bool:
    """Delete the integration (and its Slack workspace claim); False when it is already gone."""
    transaction = Transaction().delete(
        "integration", integration_pk(integration.org_id, integration.id), INTEGRATION_SK, "attribute_exists(PK)"
    )
    if integration.team_id:
        transaction.delete("team", slack_team_pk(integration.team_id), SLACK_TEAM_SK)
    try:
        transaction.commit()
    except ConditionFailed:
        return False
    return True


def slack_integration(team_id: str) -> Integration | None:
    """The Slack integration of the workspace `team_id`, whichever organisation it belongs to."""
    response = client().get_item(TableName=table_name(), Key=key(slack_team_pk(team_id), SLACK_TEAM_SK))
    item = response.get("Item")
    return Integration.model_validate(from_item(item)["integration"]) if item else None


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
    keys = [key(integration_pk(org_id, integration_id), INTEGRATION_SK)]
    if external_id:
        keys.append(claim_key(org_id, source, external_id))
    if delivery_id:
        keys.append(delivery_key(org_id, integration_id, delivery_id))
    keys += [key(service_name_pk(org_id, name), SERVICE_NAME_SK) for name in names]
    found = batch_get(keys, consistent=True)
    by_kind = {item["SK"]: item for item in found if item["SK"] != SERVICE_NAME_SK}
    integration = by_kind.get(INTEGRATION_SK)
    return AlertContext(
        integration=Integration.model_validate(integration) if integration else None,
        claim=claim_from(by_kind.get(DEDUPE_SK)),
        service_ids=names_to_ids([item for item in found if item["SK"] == SERVICE_NAME_SK]),
        delivered_before=taken_before(by_kind.get(DELIVERY_SK), now),
    )
