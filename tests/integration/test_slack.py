"""Slack's `/incident` slash command through its handler: requests signed with Slack's own code (slack_sdk), the
workspace selecting the organisation, each command's answer (a Block Kit message) and what it wrote."""

import base64
import copy
import itertools
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import Clock, SignatureVerifier

from flare import clock
from flare.store import incidents as incidents_store
from tests.support import incident_of, new_service
from tests.support.invoking import EVENTS, ROOT, LambdaContext, Reply, handler_of, invoke

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
NOW = str(int(T0.timestamp()))
TEAM, OTHER_TEAM = "T0ACME0001", "T0GLOBEX01"
SECRET, OTHER_SECRET = "acme-slack-signing-secret-0001", "globex-slack-signing-secret-02"
USER = "U0ALICE001"
VECTOR = json.loads((ROOT / "tests" / "fixtures" / "vendors" / "slack" / "official-doc-vector.golden.json").read_text())


class FlareClock(Clock):
    """slack_sdk's clock reading Flare's (fixed) one."""

    def now(self) -> float:
        return clock.now().timestamp()


@pytest.fixture(autouse=True)
def fixed_clock(table):
    """'Now' is T0, a millisecond later at each read (so creation order is id order)."""
    ticks = itertools.count()
    clock.set_clock(lambda: T0 + next(ticks) * timedelta(milliseconds=1))
    yield
    clock.set_clock(None)


@pytest.fixture
def workspace(org) -> dict:
    return connect(org, TEAM, SECRET)


@pytest.fixture
def other_workspace(other_org) -> dict:
    return connect(other_org, OTHER_TEAM, OTHER_SECRET)


def connect(org, team: str, secret: str):
    body = {"type": "slack", "name": "Slack", "team_id": team, "signing_secret": secret}
    reply = invoke("create_integration", org.api_key, body=body)
    assert reply.status == 201, reply.body
    return reply.body


def slack_escaped(typed: str) -> str:
    """The text as Slack sends it: `&`, `<` and `>` as HTML entities."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def form(typed: str, *, team: str = TEAM, user: str = USER, command: str = "/incident") -> str:
    """A slash-command request body with all of Slack's fields."""
    return urlencode(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": team,
            "team_domain": "acme",
            "channel_id": "C0INCIDENTS",
            "channel_name": "incidents",
            "user_id": user,
            "user_name": "alice",
            "command": command,
            "text": slack_escaped(typed),
            "api_app_id": "A0FLARE001",
            "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/{team}/1234567890/abcdefABCDEF",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    )


def signed(body: str, *, secret: str = SECRET, timestamp: str = NOW) -> dict[str, str]:
    signature = SignatureVerifier(secret, clock=FlareClock()).generate_signature(timestamp=timestamp, body=body)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def send(body: str, headers: dict[str, str]) -> Reply:
    reply = invoke("receive_slack_command", None, raw_body=body, headers=headers)
    if reply.status == 200:  # every answer is a Slack message: plain text and Block Kit sections
        assert reply.body["text"].strip(), reply.body
        assert reply.body["blocks"], reply.body
        for block in reply.body["blocks"]:
            assert block["type"] == "section" and block["text"]["type"] == "mrkdwn", block
            assert 0 < len(block["text"]["text"]) <= 3000, block
    return reply


def slack(typed: str, *, team: str = TEAM, user: str = USER, secret: str = SECRET, timestamp: str = NOW) -> Reply:
    """`/incident <typed>` from `user` in workspace `team`, signed with `secret` at `timestamp`."""
    body = form(typed, team=team, user=user)
    return send(body, signed(body, secret=secret, timestamp=timestamp))


def blocks_text(reply: Reply) -> str:
    return "\n".join(block["text"]["text"] for block in reply.body["blocks"])


def said(reply: Reply) -> str:
    """Everything the answer says (plain text and blocks)."""
    return reply.body["text"] + "\n" + blocks_text(reply)


def assert_unverified(reply: Reply) -> None:
    assert reply.status == 401, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.body["status"] == 401
    assert "not verified" in reply.body["detail"]


# ---- Slack's own example and signing ----------------------------------------------------------------------


def test_slacks_published_example_request_is_verified_and_answered_with_help(org):
    connect(org, "T1DC2JH3J", VECTOR["signing_secret"])
    headers = VECTOR["headers"]
    at = datetime.fromtimestamp(int(headers["X-Slack-Request-Timestamp"]), UTC)
    clock.set_clock(lambda: at)
    verifier = SignatureVerifier(VECTOR["signing_secret"], clock=FlareClock())
    assert verifier.is_valid_request(VECTOR["body"], headers)  # Slack's own code agrees with its example
    expected = VECTOR["expected_signature_per_slack_docs"]
    assert verifier.generate_signature(timestamp=headers["X-Slack-Request-Timestamp"], body=VECTOR["body"]) == expected

    reply = send(VECTOR["body"], headers)

    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "ephemeral"
    assert "/webhook-collect declare" in blocks_text(reply)  # the usage, with the command as it was typed


def test_the_sample_event_is_slacks_example_request():
    event = json.loads((EVENTS / "receive_slack_command.json").read_text())
    assert event["body"] == VECTOR["body"]
    for name in ("X-Slack-Request-Timestamp", "X-Slack-Signature"):
        assert event["headers"][name] == VECTOR["headers"][name]


def test_our_signed_requests_pass_slacks_own_check(workspace):
    body = form("status")
    headers = signed(body)
    assert SignatureVerifier(SECRET, clock=FlareClock()).is_valid_request(body, headers)
    assert slack("status").status == 200


# ---- declare ----------------------------------------------------------------------------------------------


def test_declare_files_a_published_incident_in_channel(org, workspace):
    checkout = new_service(org, "Checkout API")
    payments = new_service(org, "Payments")

    reply = slack('declare Checkout is returning 502s sev:P1 service:"checkout api" service:PAYMENTS')

    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "in_channel"
    assert "INC-1" in reply.body["text"] and "INC-1" in blocks_text(reply)
    assert "Checkout is returning 502s" in reply.body["text"]
    filed = incident_of(org, "INC-1")
    assert filed["title"] == "Checkout is returning 502s"
    assert filed["lifecycle"] == "active"
    assert filed["severity"] == "critical"
    assert filed["status"] == "investigating"
    assert [service["id"] for service in filed["affected_services"]] == [checkout, payments]
    assert [message["created_by"] for message in filed["messages"]] == [f"slack:{USER}"]
    # Who filed it: the Slack user, named as Slack sent the name.
    assert filed["created_by"] == {"type": "slack_user", "id": USER, "name": "alice"}
    stored, _messages = incidents_store.get_incident(org.organisation_id, filed["id"])
    assert stored.created_by.id == USER


def test_declare_without_severity_is_minor(org, workspace):
    assert slack("declare Search is slow").body["response_type"] == "in_channel"
    assert incident_of(org, "INC-1")["severity"] == "minor"


@pytest.mark.parametrize(
    ("typed", "explained"),
    [
        ("declare Checkout down service:nope", "`nope`"),
        ('declare Checkout down service:"Checkout API" service:Nope', "Nope"),
        ("declare Checkout down sev:apocalyptic", "apocalyptic"),
        ("declare", "title"),
        ("declare sev:major service:checkout", "title"),
        ("declare " + "x" * 256, "255"),
        ("delcare Checkout down", "delcare"),
        ("update INC-9 identified Bad deploy", "INC-9"),
        ("update 9 Still looking", "INC-9"),
        ("resolve INC-9 Rolled back", "INC-9"),
        ("update", "update INC-42"),
        ("update INC-1", "What is the update"),
        ("resolve checkout", "resolve INC-42"),
    ],
)
def test_a_mistake_is_explained_with_usage_and_writes_nothing(org, workspace, table, typed, explained):
    new_service(org, "Checkout API")
    before = table.items()

    reply = slack(typed)

    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "ephemeral"
    assert explained in reply.body["text"]
    assert "/incident declare" in blocks_text(reply)  # the usage
    assert table.items() == before


# ---- update and resolve -----------------------------------------------------------------------------------


@pytest.fixture
def declared(org, workspace) -> dict:
    assert slack("declare Checkout is down sev:major").status == 200
    return incident_of(org, "INC-1")


def test_update_with_a_status_posts_that_message_and_changes_the_status(org, declared):
    reply = slack("update INC-1 identified Bad deploy, rolling back", user="U0BOB0002")

    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "in_channel"
    assert "INC-1" in reply.body["text"] and "identified" in reply.body["text"]
    after = incident_of(org, "INC-1")
    assert after["status"] == "identified"
    [message] = [message for message in after["messages"] if message["type"] == "identified"]
    assert message["description"] == "Bad deploy, rolling back"
    assert message["created_by"] == "slack:U0BOB0002"


def test_update_without_a_status_is_a_note(org, declared):
    reply = slack("update inc-1 Still looking at the load balancer")

    assert reply.body["response_type"] == "in_channel"
    after = incident_of(org, "INC-1")
    assert after["status"] == "investigating"
    assert after["messages"][0]["type"] == "update"
    assert after["messages"][0]["description"] == "Still looking at the load balancer"
    assert after["messages"][0]["created_by"] == f"slack:{USER}"


def test_resolve_with_text(org, declared):
    reply = slack("resolve 1 Rolled back the deploy", user="U0BOB0002")

    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "in_channel"
    assert reply.body["text"] == "INC-1 resolved: Checkout is down"
    assert "Rolled back the deploy" in blocks_text(reply)
    after = incident_of(org, "INC-1")
    assert (after["status"], after["lifecycle"]) == ("resolved", "resolved")
    assert after["messages"][0]["type"] == "resolved"
    assert after["messages"][0]["description"] == "Rolled back the deploy"
    assert after["messages"][0]["created_by"] == "slack:U0BOB0002"


def test_resolve_without_text_says_who_resolved_it(org, declared):
    assert slack("resolve INC-1").body["response_type"] == "in_channel"
    after = incident_of(org, "INC-1")
    assert after["status"] == "resolved"
    assert after["messages"][0]["description"] == f"Resolved in Slack by <@{USER}>."


# ---- status, help, unknown commands -----------------------------------------------------------------------


def test_status_lists_the_active_incidents_only(org, other_org, workspace):
    checkout = new_service(org, "Checkout API")
    for typed in ("declare Checkout is down sev:critical", 'declare Search is slow service:"Checkout API"'):
        assert slack(typed).body["response_type"] == "in_channel"  # INC-1, INC-2
    slack("declare Emails are late")  # INC-3
    assert slack("resolve INC-3").body["response_type"] == "in_channel"
    invoke("create_incident", org.api_key, body={"title": "A draft nobody sees"})  # INC-4, a draft
    invoke("create_incident", other_org.api_key, body={"title": "Globex is down", "publish": True})

    reply = slack("status")

    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "ephemeral"
    shown = blocks_text(reply)
    assert "🔴 *INC-1* · Checkout is down · investigating" in shown
    assert "*INC-2* · Search is slow · investigating · services Checkout API" in shown
    for hidden in ("INC-3", "Emails are late", "INC-4", "draft", "Globex"):
        assert hidden not in said(reply), hidden
    assert checkout not in shown  # services by name


def test_status_with_nothing_active(workspace):
    reply = slack("status")
    assert reply.body["response_type"] == "ephemeral"
    assert "No active incidents" in reply.body["text"]


@pytest.mark.parametrize("typed", ["help", "", "HELP"])
def test_help_is_the_usage(workspace, typed):
    reply = slack(typed)
    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "ephemeral"
    for verb in ("declare", "update", "resolve", "status", "help"):
        assert f"/incident {verb}" in blocks_text(reply)


def test_an_unknown_command_is_explained(workspace):
    reply = slack("panic now")
    assert reply.status == 200, reply.body
    assert reply.body["response_type"] == "ephemeral"
    assert "`panic`" in reply.body["text"]
    assert "/incident status" in blocks_text(reply)


# ---- verification: refused requests do nothing ------------------------------------------------------------


def test_a_bad_signature_is_refused_and_nothing_is_written(org, workspace, table):
    before = table.items()
    assert_unverified(slack("declare Checkout is down", secret="not-the-signing-secret"))
    body = form("declare Checkout is down")
    tampered = form("declare Checkout is on fire")
    assert_unverified(send(tampered, signed(body)))
    assert table.items() == before


@pytest.mark.parametrize(("age", "accepted"), [(360, False), (-360, False), (299, True), (-299, True)])
def test_a_timestamp_more_than_5_minutes_away_is_refused(org, workspace, table, age, accepted):
    before = table.items()
    reply = slack("declare Checkout is down", timestamp=str(int(T0.timestamp()) - age))
    if accepted:
        assert reply.status == 200, reply.body
    else:
        assert_unverified(reply)
        assert table.items() == before


def test_a_timestamp_that_is_not_a_number_is_refused(workspace):
    assert_unverified(slack("status", timestamp="yesterday"))


@pytest.mark.parametrize("dropped", ["X-Slack-Signature", "X-Slack-Request-Timestamp"])
def test_missing_signature_headers_are_refused(org, workspace, table, dropped):
    before = table.items()
    body = form("declare Checkout is down")
    event = copy.deepcopy(json.loads((EVENTS / "receive_slack_command.json").read_text()))
    headers = {name: value for name, value in (event["headers"] | signed(body)).items() if name != dropped}
    event |= {"body": body, "headers": headers, "multiValueHeaders": {name: [v] for name, v in headers.items()}}

    result = handler_of("receive_slack_command")(event, LambdaContext())

    assert result["statusCode"] == 401, result
    assert dropped in json.loads(result["body"])["detail"]
    assert table.items() == before


def test_empty_signature_headers_are_refused(workspace):
    body = form("status")
    assert_unverified(send(body, signed(body) | {"X-Slack-Signature": ""}))
    assert_unverified(send(body, signed(body) | {"X-Slack-Request-Timestamp": ""}))


def test_an_unknown_workspace_is_refused(workspace, table):
    before = table.items()
    assert_unverified(slack("declare Checkout is down", team="T0NOBODY01"))
    assert table.items() == before


def test_another_workspaces_secret_does_not_sign_for_this_one(workspace, other_workspace, table):
    before = table.items()
    assert_unverified(slack("declare Checkout is down", team=TEAM, secret=OTHER_SECRET))
    assert table.items() == before


def test_a_deleted_integration_no_longer_answers(org, workspace):
    deleted = invoke("delete_integration", org.api_key, path_params={"integration_id": workspace["id"]})
    assert deleted.status == 204, deleted.body
    assert_unverified(slack("status"))


def test_a_form_is_required(workspace, table):
    before = table.items()
    body = json.dumps({"team_id": TEAM, "user_id": USER, "text": "declare Checkout is down"})
    reply = send(body, signed(body) | {"Content-Type": "application/json"})
    assert reply.status == 415, reply.body
    assert reply.body["status"] == 415
    assert table.items() == before


# ---- organisations and workspaces -------------------------------------------------------------------------


def test_each_workspace_acts_on_its_own_organisation_only(org, other_org, workspace, other_workspace):
    slack("declare Acme checkout is down", team=TEAM, secret=SECRET)
    slack("declare Globex mail is down", team=OTHER_TEAM, secret=OTHER_SECRET)

    acme, globex = slack("status"), slack("status", team=OTHER_TEAM, secret=OTHER_SECRET)
    assert "Acme checkout" in said(acme) and "Globex" not in said(acme)
    assert "Globex mail" in said(globex) and "Acme" not in said(globex)

    reply = slack("resolve INC-1 Fixed", team=OTHER_TEAM, secret=OTHER_SECRET)
    assert reply.body["text"] == "INC-1 resolved: Globex mail is down"
    assert incident_of(other_org, "INC-1")["status"] == "resolved"
    assert incident_of(org, "INC-1")["status"] == "investigating"


def test_a_workspace_connects_to_one_organisation_only(org, other_org, workspace):
    again = {"type": "slack", "name": "Slack again", "team_id": TEAM, "signing_secret": "another-secret-123"}
    for key in (org.api_key, other_org.api_key):
        reply = invoke("create_integration", key, body=again)
        assert reply.status == 409, reply.body
        assert TEAM in reply.body["detail"]
    slack("declare Checkout is down")
    assert incident_of(org, "INC-1")["title"] == "Checkout is down"  # still the first organisation's


# ---- text as typed ----------------------------------------------------------------------------------------

TRICKY = "🔥 \"Checkout\" & <script>alert(1)</script> 決済 שלום 'quoted'"


def test_declare_keeps_the_title_as_typed_and_escapes_it_in_the_reply(org, workspace):
    reply = slack(f"declare {TRICKY} sev:major")

    assert reply.status == 200, reply.body
    assert incident_of(org, "INC-1")["title"] == TRICKY
    escaped = slack_escaped(TRICKY)
    assert escaped in reply.body["text"] and escaped in blocks_text(reply)
    assert "<script>" not in said(reply)


def test_update_keeps_the_message_as_typed_newlines_included(org, declared):
    typed = f"line one {TRICKY}\nline two & <b>bold</b>\n\nline four"

    reply = slack(f"update INC-1 monitoring {typed}")

    assert reply.status == 200, reply.body
    message = incident_of(org, "INC-1")["messages"][0]
    assert (message["type"], message["description"]) == ("monitoring", typed)
    assert "<script>" not in said(reply) and "<b>" not in said(reply)
    assert slack_escaped("& <b>bold</b>") in blocks_text(reply)


def test_resolve_keeps_the_message_as_typed(org, declared):
    reply = slack('resolve INC-1 Fixed <@U0BOB0002>\'s & "typo" ✅')

    assert incident_of(org, "INC-1")["messages"][0]["description"] == 'Fixed <@U0BOB0002>\'s & "typo" ✅'
    assert "<@U0BOB0002>" not in blocks_text(reply)  # typed text cannot ping


def test_the_answer_mentions_who_declared_it(workspace):
    reply = slack("declare Checkout is down", user="U0BOB0002")
    assert "declared by <@U0BOB0002>" in blocks_text(reply)  # Slack's mention syntax, from the signed user_id


def test_a_base64_encoded_body_is_verified_on_its_bytes(org, workspace):
    body = form("declare Checkout is down é")
    event = copy.deepcopy(json.loads((EVENTS / "receive_slack_command.json").read_text()))
    headers = event["headers"] | signed(body)
    event |= {
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
    }

    result = handler_of("receive_slack_command")(event, LambdaContext())

    assert result["statusCode"] == 200, result
    assert incident_of(org, "INC-1")["title"] == "Checkout is down é"


# ---- bugs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["declare Checkout is down sev:<!channel>", "<!here> please"])
def test_typed_text_quoted_in_a_mistake_is_escaped_in_the_blocks(workspace, typed):
    reply = slack(typed)
    assert reply.body["response_type"] == "ephemeral"
    assert "<!" not in blocks_text(reply)
    assert "&lt;!" in blocks_text(reply)


def test_an_unknown_service_name_is_escaped_once_in_the_text(workspace):
    reply = slack('declare Checkout is down service:"R&D <tools>"')
    assert reply.body["response_type"] == "ephemeral"
    assert "`R&amp;D &lt;tools&gt;`" in blocks_text(reply)
    assert "`R&amp;D &lt;tools&gt;`" in reply.body["text"]


@pytest.mark.parametrize("body", ["", "text=status", f"team_id={TEAM}&text=status"])
def test_an_unsigned_request_is_refused_whatever_its_form(workspace, body):
    assert_unverified(send(body, {"Content-Type": "application/x-www-form-urlencoded"}))


# ---- replays ------------------------------------------------------------------------------------------------


def test_a_replayed_declare_files_one_incident(org, workspace):
    body = form("declare Checkout is down sev:major")
    headers = signed(body)

    first = send(body, headers)
    replayed = send(body, headers)

    assert first.body["response_type"] == "in_channel"
    assert (replayed.status, replayed.body["response_type"]) == (200, "ephemeral")
    assert "received before" in replayed.body["text"]
    listed = invoke("list_incidents", org.api_key, query={}).body["incidents"]
    assert [item["title"] for item in listed] == ["Checkout is down"]


def test_a_replayed_resolve_does_not_act_again(org, workspace):
    slack("declare Checkout is down")
    body = form("resolve INC-1 Rolled back")
    headers = signed(body)
    assert send(body, headers).body["response_type"] == "in_channel"
    assert slack("update INC-1 investigating It is back").body["response_type"] == "in_channel"

    again = send(body, headers)

    assert "received before" in again.body["text"]
    assert incident_of(org, "INC-1")["status"] == "investigating"


def test_the_same_words_typed_again_are_a_new_request(org, workspace):
    """Only the very same signed request is a replay: typing it again is signed anew (another timestamp)."""
    assert slack("declare Checkout is down", timestamp=NOW).body["response_type"] == "in_channel"
    later = str(int(NOW) + 1)
    assert slack("declare Checkout is down", timestamp=later).body["response_type"] == "in_channel"
    assert [item["title"] for item in invoke("list_incidents", org.api_key, query={}).body["incidents"]] == [
        "Checkout is down",
        "Checkout is down",
    ]


def test_a_user_id_that_is_not_slacks_is_never_a_mention(org, workspace):
    reply = slack("declare Checkout is down", user="<!channel>")

    assert reply.body["response_type"] == "in_channel"
    assert "<!channel>" not in json.dumps(reply.body)
    assert "&lt;!channel&gt;" in blocks_text(reply)
