"""Slack announcements' storage, on both stores: changing an integration (its version, its workspace's copy, the
services it names), the organisation's announcing integrations, and where incidents were announced (threads)."""

from datetime import timedelta

import pytest

from flare.alerting.models import SlackThread
from flare.alerting.port import integrations, threads
from flare.catalog.port import services
from flare.ids import new_id
from flare.store.errors import ServiceMissing, Stale
from tests.contract.conftest import make_service, new_org
from tests.contract.test_alerting_and_access_storage import integration
from tests.support import T0

TOKEN = "xoxb-1234567890-abcdefghij"


def announcing(caller, **settings):
    made = integration(caller, "slack", team_id=f"T{new_id('x')[-10:]}").model_copy(update=settings)
    integrations().create_integration(made)
    return made


def test_an_integration_changes_only_from_the_version_it_was_read_at(caller):
    slack = announcing(caller)
    after = slack.model_copy(
        update={"name": "renamed", "bot_token": TOKEN, "default_channel": "#incidents", "version": 2, "updated_at": T0}
    )
    integrations().update_integration(slack, after)

    assert integrations().get_integration(caller.org_id, slack.id) == after
    assert integrations().slack_integration(slack.team_id) == after  # the workspace's copy follows
    with pytest.raises(Stale):
        integrations().update_integration(slack, after.model_copy(update={"name": "lost", "version": 2}))
    assert integrations().get_integration(caller.org_id, slack.id).name == "renamed"


def test_an_integration_must_name_real_services_for_its_channels(caller):
    checkout = make_service(caller, "Checkout")
    missing = new_id("svc")
    with pytest.raises(ServiceMissing):
        announcing(caller, bot_token=TOKEN, default_channel="#i", service_channels={missing: "#p"})

    slack = announcing(caller, bot_token=TOKEN, default_channel="#i", service_channels={checkout.id: "#p"})
    with pytest.raises(ServiceMissing) as refused:
        integrations().update_integration(
            slack, slack.model_copy(update={"service_channels": {checkout.id: "#p", missing: "#q"}, "version": 2})
        )
    assert refused.value.service_id == missing
    assert integrations().get_integration(caller.org_id, slack.id).service_channels == {checkout.id: "#p"}


def test_a_service_deleted_since_the_integration_named_it_does_not_stop_a_change(caller):
    checkout, search = make_service(caller, "Checkout"), make_service(caller, "Search")
    slack = announcing(
        caller,
        bot_token=TOKEN,
        default_channel="#i",
        default_services=[checkout.id],
        service_channels={search.id: "#s"},
    )
    services().delete_service(checkout)
    services().delete_service(services().get_service(caller.org_id, search.id))

    renamed = slack.model_copy(update={"name": "renamed", "version": 2})
    integrations().update_integration(slack, renamed)
    assert integrations().get_integration(caller.org_id, slack.id) == renamed


def test_the_announcing_integrations_are_the_organisations_slack_ones_with_a_token_or_a_webhook(caller):
    bot = announcing(caller, bot_token=TOKEN, default_channel="#incidents")
    hook = announcing(caller, incoming_webhook_url="https://hooks.slack.com/services/T0/B0/x")
    announcing(caller)  # slash commands only
    integrations().create_integration(integration(caller, "alertmanager"))
    announcing(new_org(), bot_token=TOKEN, default_channel="#incidents")

    found = integrations().announcing_integrations(caller.org_id)
    assert sorted(i.id for i in found) == sorted([bot.id, hook.id])
    assert {i.id: i for i in found}[bot.id] == bot
    assert integrations().announcing_integrations(new_org().org_id) == []


def test_a_thread_is_the_first_post_in_a_channel_and_remembers_every_post(caller):
    slack = announcing(caller, bot_token=TOKEN, default_channel="#incidents")
    incident_id = new_id("inc")
    expires = T0 + timedelta(days=90)

    assert threads().integration_and_thread(caller.org_id, slack.id, incident_id, "#incidents") == (slack, None)
    threads().record_post(
        caller.org_id,
        incident_id,
        slack.id,
        "#incidents",
        delivery_id="slk_1",
        ts="1795000001.000001",
        channel_id="C0INCIDENTS",
        expires_at=expires,
    )
    threads().record_post(
        caller.org_id,
        incident_id,
        slack.id,
        "#incidents",
        delivery_id="slk_2",
        ts="1795000002.000002",
        channel_id="C0OTHER",
        expires_at=expires,
    )

    found, thread = threads().integration_and_thread(caller.org_id, slack.id, incident_id, "#incidents")
    assert found == slack
    assert thread == SlackThread("1795000001.000001", "C0INCIDENTS", frozenset({"slk_1", "slk_2"}))
    assert threads().integration_and_thread(caller.org_id, slack.id, incident_id, "#payments")[1] is None
    assert threads().integration_and_thread(caller.org_id, slack.id, new_id("inc"), "#incidents")[1] is None
    assert threads().integration_and_thread(new_org().org_id, slack.id, incident_id, "#incidents") == (None, None)


def test_a_webhooks_posts_are_remembered_without_a_thread(caller):
    hook = announcing(caller, incoming_webhook_url="https://hooks.slack.com/services/T0/B0/x")
    incident_id = new_id("inc")
    for made in ("slk_1", "slk_2"):
        threads().record_post(
            caller.org_id,
            incident_id,
            hook.id,
            "incoming-webhook",
            delivery_id=made,
            ts=None,
            channel_id=None,
            expires_at=T0 + timedelta(days=90),
        )

    thread = threads().integration_and_thread(caller.org_id, hook.id, incident_id, "incoming-webhook")[1]
    assert thread == SlackThread(None, None, frozenset({"slk_1", "slk_2"}))
