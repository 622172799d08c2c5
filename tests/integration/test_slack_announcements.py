"""Slack announcements end to end on the embedded AWS: a Slack integration with a bot token (or an incoming webhook),
incidents changed through the API and Slack's slash command → the table's stream → the event publisher → the
outbound queue → the deliverer → slack_sdk, the real client library, posting to a local stand-in of Slack
(tests/support/slack_api.py). Also the integration's PATCH."""

import hashlib
import hmac
import itertools
import json
import re
import time
from urllib.parse import urlencode

import pytest
import slack_sdk
import slack_sdk.webhook

from flare import settings
from flare.alerting import announcements
from flare.events.outbound import DONE, Attempt
from flare.messaging import queue as outbound_queue
from tests.support import new_incident, new_service, scoped_key
from tests.support.invoking import invoke
from tests.support.outbound import deliver_outbound, retry_waiting
from tests.support.slack_api import SlackApi

TOKEN = "xoxb-1234567890-0987654321-FlareTestToken"
TEAM, SECRET, ALICE = "T0ACME0001", "acme-slack-signing-secret-0001", "U0ALICE001"


@pytest.fixture
def slack(table, monkeypatch):
    """The Slack stand-in, the functions pointed at it; posts are not paced (but in the test of pacing)."""
    stand_in = SlackApi().start()
    monkeypatch.setenv("SLACK_API_URL", stand_in.api_url)
    settings.forget()
    monkeypatch.setattr(announcements, "PACE_SECONDS", 0)
    yield stand_in
    stand_in.stop()
    settings.forget()


def connect(org, **fields) -> dict:
    """A Slack integration (POST /integrations) with these announcement settings."""
    body = {"type": "slack", "name": "acme workspace", "team_id": TEAM, "signing_secret": SECRET} | fields
    reply = invoke("create_integration", org.api_key, body=body)
    assert reply.status == 201, reply.body
    return reply.body


def patch(org, integration_id: str, body, **options):
    return invoke(
        "update_integration", org.api_key, path_params={"integration_id": integration_id}, body=body, **options
    )


def declared(org, **fields) -> dict:
    """A published incident (POST /incidents)."""
    return new_incident(org, publish=True, **fields)


def post_message(org, incident_id: str, kind: str, text: str) -> None:
    reply = invoke(
        "create_incident_message",
        org.api_key,
        path_params={"incident_id": incident_id},
        body={"type": kind, "description": text},
    )
    assert reply.status == 201, reply.body


def resolve(org, incident_id: str, text: str) -> None:
    reply = invoke(
        "resolve_incident", org.api_key, path_params={"incident_id": incident_id}, body={"description": text}
    )
    assert reply.status == 200, reply.body


_commands = itertools.count()


def slash(typed: str, user: str = ALICE) -> dict:
    """`/incident <typed>` from `user`, signed now with the workspace's signing secret, as Slack sends it."""
    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": "C0INCIDENTS",
            "user_id": user,
            "user_name": "alice",
            "command": "/incident",
            "text": typed,
            "trigger_id": f"trigger-{next(_commands)}",
        }
    )
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    reply = invoke("receive_slack_command", None, raw_body=body, headers=headers)
    assert reply.status == 200, reply.body
    return reply.body


# ---- announcements and their threads ----------------------------------------------------------------------------


def test_a_published_incident_is_announced_with_its_facts_by_the_real_slack_client(org, slack, table):
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    checkout = new_service(org, "Checkout API")
    incident = declared(
        org,
        title="Checkout returns 502s",
        severity="critical",
        affected_services=[checkout],
        initial_message={"type": "investigating", "description": "Looking into elevated 502s."},
    )
    deliver_outbound(table)

    (post,) = slack.posts
    assert post.path == "/api/chat.postMessage" and post.token == TOKEN
    assert post.channel == "#incidents" and post.channel_id == "C0INCIDENTS" and post.thread_ts is None
    assert "slackclient/" in post.user_agent  # slack_sdk's WebClient made the request
    assert incident["reference"] == "INC-1"
    for fact in ("INC-1", "Checkout returns 502s", "Critical", "Checkout API", "Looking into elevated 502s."):
        assert fact in post.said, fact
    assert all(block["type"] in ("section", "context") for block in post.blocks)


def test_the_announcement_links_to_the_incident_on_the_status_page_that_shows_it(org, slack, table, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://abc123.execute-api.us-east-1.amazonaws.com/live")
    settings.forget()
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    shown, hidden = new_service(org, "Checkout API"), new_service(org, "Internal batch")
    page = {"slug": "acme-status", "name": "Acme status", "components": [{"group": None, "service_ids": [shown]}]}
    assert invoke("create_status_page", org.api_key, body=page).status == 201
    public = declared(org, title="Checkout returns 502s", affected_services=[shown])
    declared(org, title="Batch jobs late", affected_services=[hidden])
    deliver_outbound(table)

    linked, unlinked = slack.posts
    url = f"https://abc123.execute-api.us-east-1.amazonaws.com/live/status/acme-status/incidents/{public['id']}"
    assert f"<{url}|Status page>" in linked.said
    assert "Status page" not in unlinked.said


def test_a_post_handed_out_again_is_not_posted_twice(org, slack, table, monkeypatch):
    queued = []
    real_send = outbound_queue.send
    monkeypatch.setattr(outbound_queue, "send", lambda messages: queued.extend(messages) or real_send(messages))
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    incident = declared(org, title="Checkout returns 502s")
    post_message(org, incident["id"], "identified", "Found it.")
    deliver_outbound(table)
    assert len(slack.posts) == 2

    for message in queued:  # SQS hands each out once more (at least once)
        body = {name: value for name, value in json.loads(message.message()).items() if name != "kind"}
        assert announcements.deliver(Attempt(body, received=2)) == DONE
    assert len(slack.requests) == 2


def test_the_product_posts_with_slack_sdks_clients(org, slack, monkeypatch, table):
    made = []

    def spied(client_class):
        class Spy(client_class):
            def __init__(self, *arguments, **named):
                super().__init__(*arguments, **named)
                made.append(self)

        return Spy

    monkeypatch.setattr(slack_sdk, "WebClient", spied(slack_sdk.WebClient))
    monkeypatch.setattr(slack_sdk.webhook, "WebhookClient", spied(slack_sdk.webhook.WebhookClient))
    bot = connect(org, bot_token=TOKEN, default_channel="#incidents")
    declared(org, title="Search is slow")
    deliver_outbound(table)
    assert patch(org, bot["id"], {"bot_token": "", "default_channel": "", "incoming_webhook_url": slack.webhook_url()})
    declared(org, title="Docs are stale")
    deliver_outbound(table)

    web, webhook = made
    assert isinstance(web, slack_sdk.WebClient) and web.base_url == slack.api_url and web.token == TOKEN
    assert isinstance(webhook, slack_sdk.webhook.WebhookClient) and webhook.url == slack.webhook_url()
    assert len(slack.posts) == 2


def test_follow_ups_reply_in_the_announcements_thread_and_a_resolution_posts_once(org, slack, table):
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    incident = declared(org, title="Checkout returns 502s", severity="major")
    deliver_outbound(table)
    (announcement,) = slack.posts

    post_message(org, incident["id"], "identified", "Bad deploy; rolling back.")
    reply = invoke(
        "update_incident", org.api_key, path_params={"incident_id": incident["id"]}, body={"severity": "critical"}
    )
    assert reply.status == 200, reply.body
    resolve(org, incident["id"], "Rolled back; error rate normal.")
    post_message(org, incident["id"], "investigating", "Errors are back.")
    deliver_outbound(table)

    follow_ups = slack.posts[1:]
    assert [post.text.split(":")[0] for post in follow_ups] == [
        "INC-1 · Identified",
        "INC-1 · Updated",
        "INC-1 · Resolved",
        "INC-1 · Reopened · Investigating",
    ]
    assert all(post.thread_ts == announcement.ts for post in follow_ups)
    assert all(post.channel == "C0INCIDENTS" for post in follow_ups)  # the id Slack answered for #incidents
    assert "Severity: major → *critical*" in follow_ups[1].said
    assert "Rolled back; error rate normal." in follow_ups[2].said
    assert len(slack.requests) == 5  # nothing posted twice, nothing refused


def test_a_slash_command_declared_incident_mentions_its_slack_user(org, slack, table):
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    slash("declare Checkout returns 502s sev:major")
    slash("update INC-1 identified Bad deploy & <rollback>")
    slash("resolve INC-1 Rolled back", user="U0BOB00002")
    deliver_outbound(table)

    announcement, identified, resolved = slack.posts
    assert f"Declared by <@{ALICE}>" in announcement.said
    assert f"Declared in Slack by <@{ALICE}>." in announcement.said  # the declare's own message, its mention intact
    assert f"by <@{ALICE}>" in identified.said and "Bad deploy &amp; &lt;rollback&gt;" in identified.said
    assert "by <@U0BOB00002>" in resolved.said and resolved.thread_ts == announcement.ts


def test_incidents_go_to_their_services_channels_each_once_else_the_default(org, slack, table):
    payments, billing, search, docs = (new_service(org, name) for name in ("Payments", "Billing", "Search", "Docs"))
    connect(
        org,
        bot_token=TOKEN,
        default_channel="#incidents",
        service_channels={payments: "#payments", billing: "#payments", search: "C0SEARCH01"},
    )
    declared(org, title="Card payments fail", affected_services=[payments, billing])
    declared(org, title="Search and payments down", affected_services=[search, payments, docs])
    declared(org, title="Docs are stale", affected_services=[docs])
    deliver_outbound(table)

    assert sorted((post.channel_id, re.search(r"New incident (INC-\d+)", post.text)[1]) for post in slack.posts) == [
        ("C0INCIDENTS", "INC-3"),
        ("C0PAYMENTS", "INC-1"),
        ("C0PAYMENTS", "INC-2"),
        ("C0SEARCH01", "INC-2"),
    ]


def test_a_draft_never_posts_and_is_announced_once_published(org, slack, table):
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    draft = new_incident(org, title="Maybe a problem", initial_message={"type": "investigating", "description": "?"})
    post_message(org, draft["id"], "identified", "Found it, still a draft.")
    deliver_outbound(table)
    assert slack.requests == []

    reply = invoke("publish_incident", org.api_key, path_params={"incident_id": draft["id"]})
    assert reply.status == 200, reply.body
    post_message(org, draft["id"], "monitoring", "Public now.")
    deliver_outbound(table)

    announcement, follow_up = slack.posts
    assert "Maybe a problem" in announcement.said and "Found it" not in announcement.said
    assert "Public now." in follow_up.said and follow_up.thread_ts == announcement.ts


def test_a_429_holds_the_channel_for_retry_after_then_the_posts_arrive_in_order(org, slack, monkeypatch, table):
    held = []
    real_retry_later = outbound_queue.retry_later

    def hold(receipt: str, seconds: float) -> None:
        held.append(seconds)
        real_retry_later(receipt, seconds)

    monkeypatch.setattr(outbound_queue, "retry_later", hold)
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    slack.rate_limit(1, retry_after=7)
    incident = declared(org, title="Checkout returns 502s")
    post_message(org, incident["id"], "identified", "Found it.")
    deliver_outbound(table)

    assert [(request.status, request.error) for request in slack.requests] == [(429, "ratelimited")]
    # The announcement is held 7 s; the follow-up, released at once, still waits behind it (its FIFO group).
    assert slack.posts == [] and held == [7, 0]

    retry_waiting(table)
    announcement, follow_up = slack.posts
    assert "New incident INC-1" in announcement.text and follow_up.thread_ts == announcement.ts


def test_posts_to_one_channel_are_at_least_a_second_apart(org, slack, monkeypatch, table):
    monkeypatch.setattr(announcements, "PACE_SECONDS", 1.0)
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    incident = declared(org, title="Checkout returns 502s")
    post_message(org, incident["id"], "identified", "Found it.")
    post_message(org, incident["id"], "monitoring", "Fixed, watching.")
    deliver_outbound(table)

    arrivals = [post.at for post in slack.posts]
    assert len(arrivals) == 3
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(arrivals)), arrivals


def test_an_incoming_webhook_posts_follow_ups_as_new_messages_naming_the_reference(org, slack, table):
    hook = connect(org, incoming_webhook_url=slack.webhook_url("C0WEBHOOK1"))
    assert (hook["announces"], hook["announces_with"], hook["default_channel"]) == (True, "incoming_webhook", None)
    incident = declared(org, title="Checkout returns 502s")
    post_message(org, incident["id"], "identified", "Found it.")
    resolve(org, incident["id"], "Fixed.")
    deliver_outbound(table)

    posts = slack.in_channel("C0WEBHOOK1")
    assert len(posts) == 3 and all(post.path.startswith("/services/") for post in posts)
    assert all(post.thread_ts is None and post.token is None for post in posts)
    assert all("INC-1" in post.text for post in posts)
    assert "New incident INC-1" in posts[0].text and posts[2].text.startswith("INC-1 · Resolved: Fixed.")


def test_a_refused_post_is_dropped_and_a_later_follow_up_starts_the_thread(org, slack, table):
    connect(org, bot_token=TOKEN, default_channel="#incidents")
    slack.not_in_channel.add("C0INCIDENTS")
    incident = declared(org, title="Checkout returns 502s")
    deliver_outbound(table)
    assert [request.error for request in slack.requests] == ["not_in_channel"]
    assert retry_waiting(table) == 0  # dropped, not retried

    slack.not_in_channel.clear()  # the app was invited
    post_message(org, incident["id"], "identified", "Found it.")
    post_message(org, incident["id"], "monitoring", "Watching.")
    deliver_outbound(table)

    first, second = slack.posts
    assert first.thread_ts is None and first.text.startswith("INC-1 · Identified: Found it.")
    assert second.thread_ts == first.ts


def test_a_bad_token_or_a_deleted_integration_posts_nothing_more(org, slack, table):
    bot = connect(org, bot_token=TOKEN, default_channel="#incidents")
    slack.invalid_tokens.add(TOKEN)
    declared(org, title="Checkout returns 502s")
    deliver_outbound(table)
    assert [request.error for request in slack.requests] == ["invalid_auth"]

    slack.invalid_tokens.clear()
    declared(org, title="Search is slow")
    deliver_outbound(table)
    assert len(slack.posts) == 1

    assert invoke("delete_integration", org.api_key, path_params={"integration_id": bot["id"]}).status == 204
    declared(org, title="Docs are stale")
    deliver_outbound(table)
    assert len(slack.posts) == 1


# ---- PATCH /integrations/{id} -----------------------------------------------------------------------------------


def test_patch_adds_announcements_to_a_workspace_and_never_shows_the_token(org, slack, table):
    workspace = connect(org)
    assert (workspace["announces"], workspace["version"]) == (False, 1) and "bot_token" not in workspace

    reply = patch(
        org, workspace["id"], {"bot_token": TOKEN, "default_channel": "#incidents", "name": "acme"}, headers={}
    )
    assert reply.status == 200, reply.body
    assert reply.headers["ETag"] == '"2"'
    changed = reply.body
    assert (changed["announces"], changed["announces_with"], changed["default_channel"]) == (
        True,
        "bot_token",
        "#incidents",
    )
    assert changed["name"] == "acme" and changed["team_id"] == TEAM and changed["signed"] is True
    shown = invoke("get_integration", org.api_key, path_params={"integration_id": workspace["id"]})
    listed = invoke("list_integrations", org.api_key).body["integrations"]
    for body in (changed, shown.body, listed[0]):
        assert TOKEN not in str(body) and SECRET not in str(body)
        assert "bot_token" not in body and "signing_secret" not in body
    assert shown.headers["ETag"] == '"2"'

    declared(org, title="Checkout returns 502s")
    deliver_outbound(table)
    assert len(slack.posts) == 1
    assert "INC-2" in slash("declare Search is slow")["text"]  # the slash commands still answer


def test_patch_switches_from_a_bot_token_to_a_webhook_and_off(org, slack, table):
    bot = connect(org, bot_token=TOKEN, default_channel="#incidents")
    url = slack.webhook_url()

    both = patch(org, bot["id"], {"incoming_webhook_url": url})
    assert both.status == 422 and both.problem_fields == ["incoming_webhook_url"], both.body
    switched = patch(org, bot["id"], {"bot_token": "", "default_channel": "", "incoming_webhook_url": url})
    assert switched.status == 200, switched.body
    assert (switched.body["announces_with"], switched.body["default_channel"]) == ("incoming_webhook", None)

    off = patch(org, bot["id"], {"incoming_webhook_url": ""})
    assert off.status == 200 and off.body["announces"] is False and off.body["version"] == 3
    declared(org, title="Nobody hears this")
    deliver_outbound(table)
    assert slack.requests == []


def test_patch_with_if_match_changes_only_the_version_it_names(org, slack):
    bot = connect(org, bot_token=TOKEN, default_channel="#incidents")

    stale = patch(org, bot["id"], {"default_channel": "#payments"}, headers={"If-Match": '"7"'})
    assert stale.status == 412, stale.body
    done = patch(org, bot["id"], {"default_channel": "#payments"}, headers={"If-Match": '"1"'})
    assert done.status == 200 and done.body["default_channel"] == "#payments" and done.headers["ETag"] == '"2"'
    again = patch(org, bot["id"], {"default_channel": "#payments"}, headers={"If-Match": '"1"'})
    assert again.status == 412
    unchanged = patch(org, bot["id"], {"default_channel": "#payments"})
    assert unchanged.status == 200 and unchanged.body["version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cooldown_minutes": 5}, "cooldown_minutes"),
        ({"team_id": "T0OTHER001"}, "team_id"),
        ({"signing_secret": "a-new-signing-secret"}, "signing_secret"),
        ({"name": None}, "name"),
        ({"bot_token": None}, "bot_token"),
        ({"bot_token": "xoxp-user-token-1234567890"}, "bot_token"),
        ({"default_channel": "incidents"}, "default_channel"),
        ({"default_channel": "#Incidents"}, "default_channel"),
        ({"incoming_webhook_url": "https://evil.example/services/T0/B0/x"}, "incoming_webhook_url"),
        ({"incoming_webhook_url": "http://10.0.0.7/services/T0/B0/x"}, "incoming_webhook_url"),
        ({"bot_token": ""}, "default_channel"),
        ({"default_channel": ""}, "default_channel"),
        ({"service_channels": {"svc_01KAQ60000000000000000000Z": "#payments"}}, "service_channels"),
        ({"service_channels": {"not-a-service": "#payments"}}, "service_channels.not-a-service.[key]"),
        ({"service_channels": {f"svc_01KAQ6000000000000000000{n:02d}": "#p" for n in range(51)}}, "service_channels"),
    ],
)
def test_a_bad_patch_is_refused_naming_the_field_and_changes_nothing(org, slack, body, field):
    bot = connect(org, bot_token=TOKEN, default_channel="#incidents")

    reply = patch(org, bot["id"], body)
    assert reply.status == 422, reply.body
    assert any(name.startswith(field.split(".[")[0]) for name in reply.problem_fields), reply.body
    shown = invoke("get_integration", org.api_key, path_params={"integration_id": bot["id"]}).body
    assert shown["version"] == 1 and shown["default_channel"] == "#incidents" and shown["announces"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "alertmanager", "bot_token": TOKEN}, "bot_token"),
        (
            {"type": "grafana", "incoming_webhook_url": "https://hooks.slack.com/services/T0/B0/x"},
            "incoming_webhook_url",
        ),
        ({"bot_token": TOKEN}, "default_channel"),
        ({"default_channel": "#incidents"}, "default_channel"),
        (
            {"bot_token": TOKEN, "default_channel": "#i", "incoming_webhook_url": "https://hooks.slack.com/services/x"},
            "incoming_webhook_url",
        ),
    ],
)
def test_announcement_settings_that_do_not_go_together_are_refused_when_created(org, table, fields, field):
    body = {"type": "slack", "name": "acme", "team_id": TEAM, "signing_secret": SECRET} | fields
    if body["type"] != "slack":
        body = {k: v for k, v in body.items() if k not in ("team_id", "signing_secret")}
    reply = invoke("create_integration", org.api_key, body=body)
    assert reply.status == 422 and reply.problem_fields == [field], reply.body
    assert invoke("list_integrations", org.api_key).body["integrations"] == []


def test_an_integration_of_another_type_keeps_its_settings_and_takes_a_new_name(org, table):
    created = invoke(
        "create_integration", org.api_key, body={"type": "alertmanager", "name": "prod", "cooldown_minutes": 5}
    )
    reply = patch(org, created.body["id"], {"name": "production"})
    assert reply.status == 200, reply.body
    assert {k: v for k, v in reply.body.items() if k not in ("name", "version", "updated_at")} == {
        k: v for k, v in created.body.items() if k not in ("name", "version", "updated_at", "signing_secret")
    }
    refused = patch(org, created.body["id"], {"default_channel": "#incidents"})
    assert refused.status == 422 and refused.problem_fields == ["default_channel"]


def test_another_organisations_integration_is_not_found_and_only_admins_patch(org, other_org, table):
    theirs = invoke("create_integration", other_org.api_key, body={"type": "alertmanager", "name": "theirs"}).body
    assert patch(org, theirs["id"], {"name": "mine now"}).status == 404
    assert patch(org, "int_nope", {"name": "x"}).status == 404
    writer = scoped_key(org, "write:incidents")
    mine = invoke("create_integration", org.api_key, body={"type": "alertmanager", "name": "mine"}).body
    reply = invoke("update_integration", writer, path_params={"integration_id": mine["id"]}, body={"name": "renamed"})
    assert reply.status == 403
    name = invoke("get_integration", other_org.api_key, path_params={"integration_id": theirs["id"]}).body["name"]
    assert name == "theirs"


def test_an_integration_stored_before_versions_is_version_1(org, table):
    created = invoke("create_integration", org.api_key, body={"type": "alertmanager", "name": "old"}).body
    key = {"PK": {"S": f"ORG#{org.organisation_id}#INT#{created['id']}"}, "SK": {"S": "INTEGRATION"}}
    table.client.update_item(TableName=table.name, Key=key, UpdateExpression="REMOVE version, updated_at")

    shown = invoke("get_integration", org.api_key, path_params={"integration_id": created["id"]})
    assert shown.body["version"] == 1 and shown.body["updated_at"] == created["created_at"]
    reply = patch(org, created["id"], {"name": "renamed"}, headers={"If-Match": '"1"'})
    assert reply.status == 200 and reply.body["version"] == 2
