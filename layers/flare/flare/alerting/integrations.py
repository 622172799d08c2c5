"""Integrations: how an organisation's alerting tools reach Flare, one per sender and configuration (and a Slack
workspace's, which may also announce incidents in its channels: alerting.announcements)."""

from flare import clock, cursor
from flare.access.auth import Caller
from flare.alerting.announcements_rules import settings_problem
from flare.alerting.models import (
    CreateIntegrationRequest,
    Integration,
    IntegrationList,
    IntegrationOut,
    NewIntegrationOut,
    UpdateIntegrationRequest,
)
from flare.alerting.port import integrations as storage
from flare.catalog import services
from flare.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from flare.ids import is_id, new_id
from flare.preconditions import check_if_match
from flare.store.errors import ServiceMissing, Stale, TeamTaken

# What a PATCH may change; the rest of an integration stays as it was made.
UPDATABLE = ("name", "bot_token", "incoming_webhook_url", "default_channel", "service_channels")

SLACK_COMMANDS_PATH = "/api/v1/integrations/slack/commands"


def webhook_path(integration: Integration) -> str:
    """Where its sender posts (Slack: one Request URL for every workspace, which its team_id selects)."""
    if integration.type == "slack":
        return SLACK_COMMANDS_PATH
    return f"/api/v1/integrations/{integration.type}/{integration.id}"


def announces_with(integration: Integration) -> str | None:
    """How a Slack integration announces incidents: "bot_token", "incoming_webhook", or None (it does not)."""
    if integration.type != "slack":
        return None
    return "bot_token" if integration.bot_token else "incoming_webhook" if integration.incoming_webhook_url else None


def integration_out(integration: Integration) -> IntegrationOut:
    how = announces_with(integration)
    return IntegrationOut(
        **integration.model_dump(include=set(IntegrationOut.model_fields) - {"updated_at"}),
        webhook_path=webhook_path(integration),
        signed=integration.signing_secret is not None,
        announces=how is not None,
        announces_with=how,
        updated_at=integration.updated_at or integration.created_at,
    )


def _check_announcements(integration: Integration) -> None:
    """422 naming the field when the announcement settings do not go together (announcements_rules)."""
    problem = settings_problem(
        integration.type,
        integration.bot_token,
        integration.incoming_webhook_url,
        integration.default_channel,
        integration.service_channels,
    )
    if problem:
        raise ValidationFailed.of(*problem)


def _missing(integration: Integration, missing: ServiceMissing) -> ValidationFailed:
    field = "default_services" if missing.service_id in integration.default_services else "service_channels"
    return services.missing(missing.service_id, field)


def create_integration(caller: Caller, request: CreateIntegrationRequest) -> NewIntegrationOut:
    now = clock.now()
    integration = Integration(
        id=new_id("int", now),
        org_id=caller.org_id,
        **request.model_dump(exclude={"severity_mapping"}),
        # Matched case-insensitively: stored as the sender's values casefolded.
        severity_mapping={value.casefold(): severity for value, severity in request.severity_mapping.items()},
        created_at=now,
        updated_at=now,
        created_by=caller.key_id,
    )
    _check_announcements(integration)
    try:
        storage().create_integration(integration)
    except ServiceMissing as missing:
        raise _missing(integration, missing) from None
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


def update_integration(
    caller: Caller, integration_id: str, request: UpdateIntegrationRequest, if_match: str | None
) -> IntegrationOut:
    """Change its name and its Slack announcement settings (a "" removes a value; service_channels is replaced
    whole); the result must hold together as a new integration's would (422 naming the field)."""
    before = find(caller, integration_id)
    check_if_match(if_match, before.version)
    changes = {field: value or None for field, value in request.model_dump(exclude_unset=True).items()}
    changes["service_channels"] = changes.get("service_channels", before.service_channels) or {}
    current = before.model_dump(include=set(UPDATABLE))
    if all(current[field] == value for field, value in changes.items()):
        return integration_out(before)
    after = before.model_copy(update=changes | {"version": before.version + 1, "updated_at": clock.now()})
    _check_announcements(after)
    try:
        storage().update_integration(before, after)
    except ServiceMissing as missing:
        raise _missing(after, missing) from None
    except Stale:
        raise PreconditionFailed("the integration changed since it was read; fetch it and try again") from None
    return integration_out(after)


def delete_integration(caller: Caller, integration_id: str) -> None:
    """Delete it: its webhook stops answering; the incidents it opened stay."""
    if not storage().delete_integration(find(caller, integration_id)):
        raise NotFound(f"no integration {integration_id}")
