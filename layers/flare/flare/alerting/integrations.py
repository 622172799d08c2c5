"""Integrations: how an organisation's alerting tools reach Flare, one per sender and configuration."""

from flare import clock, cursor
from flare.access.auth import Caller
from flare.alerting.models import (
    CreateIntegrationRequest,
    Integration,
    IntegrationList,
    IntegrationOut,
    NewIntegrationOut,
)
from flare.alerting.port import integrations as storage
from flare.catalog import services
from flare.errors import Conflict, NotFound
from flare.ids import is_id, new_id
from flare.store.errors import ServiceMissing, TeamTaken

SLACK_COMMANDS_PATH = "/api/v1/integrations/slack/commands"


def webhook_path(integration: Integration) -> str:
    """Where its sender posts (Slack: one Request URL for every workspace, which its team_id selects)."""
    if integration.type == "slack":
        return SLACK_COMMANDS_PATH
    return f"/api/v1/integrations/{integration.type}/{integration.id}"


def integration_out(integration: Integration) -> IntegrationOut:
    return IntegrationOut(
        **integration.model_dump(include=set(IntegrationOut.model_fields)),
        webhook_path=webhook_path(integration),
        signed=integration.signing_secret is not None,
    )


def create_integration(caller: Caller, request: CreateIntegrationRequest) -> NewIntegrationOut:
    now = clock.now()
    integration = Integration(
        id=new_id("int", now),
        org_id=caller.org_id,
        **request.model_dump(exclude={"severity_mapping"}),
        # Matched case-insensitively: stored as the sender's values casefolded.
        severity_mapping={value.casefold(): severity for value, severity in request.severity_mapping.items()},
        created_at=now,
        created_by=caller.key_id,
    )
    try:
        storage().create_integration(integration)
    except ServiceMissing as missing:
        raise services.missing(missing.service_id, "default_services") from None
    except TeamTaken:
        raise Conflict(
            f"Slack workspace {integration.team_id} is connected already; delete that integration first"
        ) from None
    return NewIntegrationOut(**dict(integration_out(integration)), signing_secret=integration.signing_secret)


def find(caller: Caller, integration_id: str, kind: str | None = None) -> Integration:
    """The organisation's integration with this id (and of this type, when given), else 404."""
    integration = storage().get_integration(caller.org_id, integration_id) if is_id(integration_id, "int") else None
    if integration is None or (kind is not None and integration.type != kind):
        raise NotFound(f"no {kind + ' ' if kind else ''}integration {integration_id}")
    return integration


def get_integration(caller: Caller, integration_id: str) -> IntegrationOut:
    return integration_out(find(caller, integration_id))


def list_integrations(caller: Caller, *, limit: int, after: str | None) -> IntegrationList:
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="integrations"),
        after,
        lambda start: storage().list_integrations(caller.org_id, limit=limit, start=start),
    )
    found = [integration_out(integration) for integration in items]
    return IntegrationList(integrations=found, next_cursor=next_cursor)


def delete_integration(caller: Caller, integration_id: str) -> None:
    """Delete it: its webhook stops answering; the incidents it opened stay."""
    if not storage().delete_integration(find(caller, integration_id)):
        raise NotFound(f"no integration {integration_id}")
