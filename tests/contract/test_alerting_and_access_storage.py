"""Integrations', deliveries' and API keys' storage, on both stores."""

from datetime import timedelta

import pytest

from flare.access.models import ApiKey
from flare.access.port import storage as access
from flare.alerting.models import Integration
from flare.alerting.port import deliveries, integrations
from flare.ids import new_id
from flare.store.errors import ServiceMissing, TeamTaken
from tests.contract.conftest import make_incident, make_service, new_org
from tests.contract.test_incidents_storage import create
from tests.support import T0


def integration(caller, kind="alertmanager", team_id=None, default_services=(), at=T0) -> Integration:
    return Integration(
        id=new_id("int", at),
        org_id=caller.org_id,
        type=kind,
        name=kind,
        default_services=list(default_services),
        default_severity="major",
        severity_mapping={},
        cooldown_minutes=0,
        publish=False,
        team_id=team_id,
        signing_secret="s3cret" if team_id else None,
        created_at=at,
    )


def test_a_slack_workspace_reaches_one_organisation(caller):
    slack = integration(caller, "slack", team_id="T123")
    integrations().create_integration(slack)
    with pytest.raises(TeamTaken):
        integrations().create_integration(integration(new_org(), "slack", team_id="T123"))

    assert integrations().slack_integration("T123") == slack
    assert integrations().delete_integration(slack)
    assert not integrations().delete_integration(slack)
    assert integrations().slack_integration("T123") is None


def test_an_integration_must_name_real_default_services(caller):
    missing = new_id("svc")
    with pytest.raises(ServiceMissing):
        integrations().create_integration(integration(caller, default_services=[missing]))
    assert integrations().list_integrations(caller.org_id, limit=10, start=None).items == []


def test_a_receiver_reads_the_integration_the_claim_the_services_and_the_delivery_at_once(caller):
    hook = integration(caller)
    integrations().create_integration(hook)
    checkout = make_service(caller, "Checkout")
    incident = create(make_incident(caller, external_id="fp-1", source="alertmanager"))
    deliveries().record_delivery(caller.org_id, hook.id, "d-1", expires_at=T0 + timedelta(hours=1))

    context = integrations().alert_context(
        caller.org_id, hook.id, "alertmanager", "fp-1", ["CHECKOUT", "nope", " "], delivery_id="d-1", now=T0
    )
    assert context.integration == hook
    assert context.claim.incident_id == incident.id and not context.claim.resolved
    assert context.service_ids == {"checkout": checkout.id}
    assert context.delivered_before

    later = integrations().alert_context(
        caller.org_id, hook.id, "alertmanager", None, [], delivery_id="d-1", now=T0 + timedelta(hours=2)
    )
    assert (later.claim, later.delivered_before, later.service_ids) == (None, False, {})
    foreign = integrations().alert_context(new_org().org_id, hook.id, "alertmanager", "fp-1", [], now=T0)
    assert (foreign.integration, foreign.claim) == (None, None)


def test_a_delivery_is_taken_once_until_it_expires_or_is_released(caller):
    expires = T0 + timedelta(minutes=5)
    assert deliveries().claim_delivery(caller.org_id, "T1", "sig", now=T0, expires_at=expires)
    assert not deliveries().claim_delivery(
        caller.org_id, "T1", "sig", now=T0 + timedelta(minutes=1), expires_at=expires
    )
    assert deliveries().claim_delivery(new_org().org_id, "T1", "sig", now=T0, expires_at=expires)

    deliveries().release_delivery(caller.org_id, "T1", "sig")
    assert deliveries().claim_delivery(caller.org_id, "T1", "sig", now=T0, expires_at=expires)
    late = expires + timedelta(seconds=1)
    assert deliveries().claim_delivery(caller.org_id, "T1", "sig", now=late, expires_at=late + timedelta(minutes=5))


def _key(caller, at=T0) -> ApiKey:
    return ApiKey(
        id=new_id("key", at), org_id=caller.org_id, name="ci", scopes=["read:incidents"], secret_hash="x", created_at=at
    )


def test_a_key_is_revoked_once_and_only_by_its_organisation(caller):
    key = _key(caller)
    access().put_api_key(key)

    assert access().revoke_api_key(new_org().org_id, key.id, T0) is None
    assert access().revoke_api_key(caller.org_id, key.id, T0 + timedelta(minutes=1)).revoked_at == T0 + timedelta(
        minutes=1
    )
    assert access().revoke_api_key(caller.org_id, key.id, T0 + timedelta(minutes=2)).revoked_at == T0 + timedelta(
        minutes=1
    )
    assert [k.id for k in access().list_api_keys(caller.org_id, limit=10, start=None).items] == [key.id]


def test_requests_are_counted_up_to_the_limit_per_window(caller):
    key = _key(caller)
    counts = [access().count_request(key.id, 100, 3, expires_at=300) for _ in range(4)]

    assert counts == [1, 2, 3, None]
    assert access().count_request(key.id, 101, 3, expires_at=301) == 1
