"""Integrations (alert senders and Slack workspaces), and what a receiver reads to act on a delivery."""

from collections.abc import Iterable
from datetime import datetime

from flare.alerting.models import AlertContext, Integration
from flare.store.claims import claim_from, claim_key
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record
from flare.store.deliveries import delivery_key, taken_before
from flare.store.errors import ConditionFailed, TeamTaken
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
from flare.store.queries import Page, batch_get, query_collection
from flare.store.services import NO_IMPACT, names_to_ids, raise_if_service_missing, record_impact
from flare.store.transactions import Transaction


def create_integration(integration: Integration) -> None:
    """Write the integration, checking that its default services exist, all at once. A Slack integration
    also claims its workspace: a workspace's slash commands reach one organisation (TeamTaken)."""
    org = integration.org_id
    item = record(integration) | {
        "PK": integration_pk(org, integration.id),
        "SK": INTEGRATION_SK,
        "GSI1PK": list_pk(org, "INTEGRATIONS"),
        "GSI1SK": integration.id,
        "kind": "integration",
    }
    transaction = Transaction().put("integration", item, "attribute_not_exists(PK)")
    if integration.team_id:
        # What the slash-command receiver needs, found by the workspace alone (Slack sends no API key).
        team = {"PK": slack_team_pk(integration.team_id), "SK": SLACK_TEAM_SK, "org_id": org}
        transaction.put("team", team | {"integration": record(integration)}, "attribute_not_exists(PK)")
    record_impact(transaction, org, integration.id, NO_IMPACT, integration.default_services)
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "team":
            raise TeamTaken(integration.team_id) from None
        raise_if_service_missing(failure)
        raise


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
