"""Slack announcements' rules (alerting.announcements_rules): which events post, what each post says, where it goes,
and which settings go together. Pure: events in, posts out."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flare.alerting.announcements_rules import MAX_SECTION, channels_for, posts_for, settings_problem
from flare.alerting.slack_text import escaped, message_text

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
CHECKOUT = {"id": "svc_01KAQ60000000000000000000A", "name": "Checkout API", "status": "partial_outage"}
SEARCH = {"id": "svc_01KAQ60000000000000000000B", "name": "Search & <Browse>", "status": "operational"}
ALICE = "U0ALICE001"


@dataclass
class Event:
    """An event as the catalogue makes it (only what the rules read)."""

    type: str
    occurred_at: datetime
    data: dict[str, Any]
    id: str = field(default="")

    def __post_init__(self) -> None:
        self.id = self.id or f"evt_{self.type}_{self.occurred_at.timestamp()}"


def incident(at: datetime = T0, *, published: bool = True, **fields) -> dict[str, Any]:
    base = {
        "id": "inc_01KAQ60000000000000000000I",
        "reference": "INC-7",
        "title": "Checkout returns 502s",
        "severity": "major",
        "status": "investigating",
        "lifecycle": "active" if published else "draft",
        "affected_services": [CHECKOUT],
        "published_at": at.isoformat().replace("+00:00", "Z") if published else None,
        "created_by": {"type": "api_key", "id": "key_1", "name": "deploy bot"},
    }
    return base | fields


def message(at: datetime, kind: str = "identified", text: str = "Bad deploy; rolling back.", by: str = "key_1"):
    return {
        "id": f"msg_{at.timestamp()}",
        "incident_id": "inc_01KAQ60000000000000000000I",
        "type": kind,
        "description": text,
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "created_by": by,
    }


def published(at: datetime = T0, **fields) -> Event:
    return Event("incident.published", at, {"incident": incident(**fields)})


def posted(at: datetime, the_incident: dict, **fields) -> Event:
    return Event("incident.message_posted", at, {"incident": the_incident, "message": message(at, **fields)})


def status_event(kind: str, at: datetime, the_incident: dict) -> Event:
    return Event(kind, at, {"incident": the_incident})


def updated(at: datetime, the_incident: dict, **changes) -> Event:
    data = {"incident": the_incident, "changes": {k: {"before": b, "after": a} for k, (b, a) in changes.items()}}
    return Event("incident.updated", at, data)


def said(post) -> str:
    return post.text + "\n" + json.dumps(post.blocks)


# ---- which events post ---------------------------------------------------------------------------------------


def test_publishing_announces_the_incident_with_its_facts():
    (post,) = posts_for([published()])

    assert post.announcement and post.reference == "INC-7" and post.service_ids == (CHECKOUT["id"],)
    assert "INC-7" in post.text and "Checkout returns 502s" in post.text and "major" in post.text
    fields = "\n".join(f["text"] for f in post.blocks[1]["fields"])
    assert "*Severity*\nMajor" in fields and "*Services*\nCheckout API" in fields and "*Reference*\nINC-7" in fields
    assert "Filed by deploy bot" in said(post)


def test_the_announcement_links_to_the_status_page_when_one_shows_the_incident():
    link = "https://status.example/status/acme/incidents/inc_01KAQ60000000000000000000I"
    (post,) = posts_for([published()], {"inc_01KAQ60000000000000000000I": link})
    (unlinked,) = posts_for([published()])

    assert f"<{link}|Status page>" in said(post)
    assert "Status page" not in said(unlinked)


def test_the_initial_message_of_an_incident_filed_published_is_part_of_its_announcement():
    filed = incident()
    (post,) = posts_for([published(), posted(T0, filed, kind="investigating", text="Looking into 502s.")])

    assert post.announcement and "*Investigating:* Looking into 502s." in said(post)


def test_a_slack_user_who_declared_it_is_mentioned():
    declared = incident(created_by={"type": "slack_user", "id": ALICE, "name": "alice"})
    (post,) = posts_for([Event("incident.published", T0, {"incident": declared})])

    assert f"Declared by <@{ALICE}>" in said(post)


def test_a_message_is_a_follow_up_mentioning_its_slack_author():
    later = T0 + timedelta(minutes=5)
    (post,) = posts_for([posted(later, incident(), by=f"slack:{ALICE}")])
    (by_key,) = posts_for([posted(later, incident(), by="key_1")])

    assert not post.announcement
    assert post.text.startswith("INC-7 · Identified: Bad deploy; rolling back.") and f"<@{ALICE}>" in post.text
    assert f"by <@{ALICE}>" in said(post)
    assert "<@" not in said(by_key)


def test_drafts_never_post():
    draft = incident(published=False)
    at = T0 + timedelta(minutes=1)
    events = [
        Event("incident.created", T0, {"incident": draft}),
        posted(at, draft),
        updated(at, draft, severity=("minor", "critical")),
        status_event("incident.resolved", at, draft),
    ]
    assert posts_for(events) == []


def test_a_message_posted_while_it_was_a_draft_is_not_posted_once_it_is_published():
    publish_at = T0 + timedelta(minutes=10)
    now_public = incident(publish_at)
    events = [posted(T0 + timedelta(minutes=1), now_public), published(publish_at)]

    (post,) = posts_for(events)
    assert post.announcement and "Bad deploy" not in said(post)


def test_a_resolution_posts_once_whether_its_events_come_together_or_apart():
    at = T0 + timedelta(hours=1)
    resolved = incident(status="resolved")
    the_message = posted(at, resolved, kind="resolved", text="Rolled back.")
    the_status = status_event("incident.resolved", at, resolved)
    changed = status_event("incident.status_changed", at, resolved)

    together = posts_for([changed, the_status, the_message])
    apart = posts_for([changed, the_status]) + posts_for([the_message])

    assert [p.event_id for p in together] == [p.event_id for p in apart] == [the_message.id]
    assert together[0].text.startswith("INC-7 · Resolved: Rolled back.")
    assert ":white_check_mark:" in together[0].blocks[0]["text"]["text"]


def test_a_reopening_is_headed_reopened_in_its_messages_post():
    at = T0 + timedelta(hours=2)
    reopened = incident(status="investigating", reopen_count=1)
    the_message = posted(at, reopened, kind="investigating", text="Errors are back.")

    (post,) = posts_for([status_event("incident.reopened", at, reopened), the_message])
    (alone,) = posts_for([the_message])
    assert posts_for([status_event("incident.reopened", at, reopened)]) == []

    assert post.text.startswith("INC-7 · Reopened · Investigating: Errors are back.")
    assert post.event_id == alone.event_id == the_message.id


def test_a_message_posted_to_a_resolved_incident_reopens_it_a_moment_later_and_is_headed_reopened():
    """POST …/messages stamps the message, then changes the incident (a later timestamp)."""
    at = T0 + timedelta(hours=2)
    reopened = incident(status="identified", reopen_count=1)
    note = posted(at - timedelta(milliseconds=40), reopened, kind="update", text="A note before.")
    the_message = posted(at - timedelta(milliseconds=20), reopened, kind="identified", text="It is the cache.")
    later = posted(at + timedelta(seconds=1), reopened, kind="identified", text="Still the cache.")

    posts = posts_for([note, the_message, status_event("incident.reopened", at, reopened), later])
    assert [p.text.split(":")[0] for p in posts] == [
        "INC-7 · Update",
        "INC-7 · Reopened · Identified",
        "INC-7 · Identified",
    ]


def test_a_severity_or_title_change_is_a_follow_up_and_other_changes_are_not():
    at = T0 + timedelta(minutes=30)
    (post,) = posts_for([updated(at, incident(severity="critical"), severity=("major", "critical"))])
    assert post.text.startswith("INC-7 · Updated: Severity: major → *critical*")

    (renamed,) = posts_for([updated(at, incident(), title=("Old <b>", "New & better"))])
    assert "Title: Old &lt;b&gt; → *New &amp; better*" in renamed.text

    assert posts_for([updated(at, incident(), occurrences=(1, 2), tags=([], ["db"]))]) == []


def test_a_change_made_with_a_message_rides_in_the_messages_post():
    at = T0 + timedelta(minutes=30)
    changed = incident(severity="critical", status="identified")
    events = [updated(at, changed, severity=("major", "critical")), posted(at, changed, text="It is the database.")]

    (post,) = posts_for(events)
    assert "It is the database." in post.text and "Severity: major → *critical*" in post.text


def test_other_events_do_not_post():
    the_incident = incident()
    events = [
        Event("incident.created", T0, {"incident": the_incident}),
        Event("incident.status_changed", T0, {"incident": the_incident, "from": "investigating", "to": "identified"}),
        Event("incident.deleted", T0, {"incident": the_incident}),
        Event("maintenance.scheduled", T0, {"maintenance": {"id": "mnt_1"}}),
        Event("service.status_changed", T0, {"service": {"id": "svc_1"}}),
    ]
    assert posts_for(events) == []


def test_posts_keep_the_order_of_the_changes():
    later = [T0 + timedelta(minutes=m) for m in (1, 2, 3)]
    events = [published(), *(posted(at, incident(), text=f"note {n}") for n, at in enumerate(later))]

    posts = posts_for(events)
    assert [p.announcement for p in posts] == [True, False, False, False]
    assert [p.text.split(": ", 1)[1] for p in posts[1:]] == ["note 0", "note 1", "note 2"]


# ---- what a post says ----------------------------------------------------------------------------------------


def test_user_text_is_escaped_as_slack_requires():
    nasty = incident(title="<!channel> & <https://evil.example|click>", affected_services=[SEARCH])
    (post,) = posts_for([Event("incident.published", T0, {"incident": nasty})])

    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in post.text
    assert "Search &amp; &lt;Browse&gt;" in said(post)
    assert "<!channel>" not in said(post) and "<https://evil" not in said(post)


def test_only_user_mentions_survive_in_a_messages_text():
    assert message_text("Declared in Slack by <@U0ALICE001>.") == "Declared in Slack by <@U0ALICE001>."
    assert message_text("<!here> <#C0123ABCD> <https://x.example> a&b") == (
        "&lt;!here&gt; &lt;#C0123ABCD&gt; &lt;https://x.example&gt; a&amp;b"
    )
    assert escaped("<@U0ALICE001>") == "&lt;@U0ALICE001&gt;"


def test_long_messages_are_cut_within_block_kits_limits_never_inside_an_escape():
    long_text = "x" * (MAX_SECTION - 40) + " & more" * 200
    (post,) = posts_for([posted(T0 + timedelta(minutes=1), incident(), text=long_text)])

    section = post.blocks[0]["text"]["text"]
    assert len(section) <= MAX_SECTION and section.endswith("…")
    assert not section[:-1].endswith(("&", "&a", "&am", "&amp"))
    assert len(post.text) <= 4000


def test_an_incident_without_a_reference_is_named_by_its_id():
    (post,) = posts_for([published(reference=None)])
    assert post.reference == "inc_01KAQ60000000000000000000I"


# ---- where it goes -------------------------------------------------------------------------------------------


def test_an_incident_goes_to_its_services_channels_each_once_else_the_default():
    a, b, c, d = "svc_A", "svc_B", "svc_C", "svc_D"
    mapping = {a: "#payments", b: "#payments", c: "C0SEARCH01"}

    assert channels_for((a, b, c), "#incidents", mapping) == ["#payments", "C0SEARCH01"]
    assert channels_for((c, d), "#incidents", mapping) == ["C0SEARCH01"]
    assert channels_for((d,), "#incidents", mapping) == ["#incidents"]
    assert channels_for((), "#incidents", mapping) == ["#incidents"]
    assert channels_for((d,), None, mapping) == []


# ---- which settings go together ------------------------------------------------------------------------------

TOKEN, HOOK = "xoxb-1234567890-abcdef", "https://hooks.slack.com/services/T0/B0/x"


@pytest.mark.parametrize(
    ("kind", "settings", "problem"),
    [
        ("slack", {}, None),
        ("slack", {"bot_token": TOKEN, "default_channel": "#incidents"}, None),
        ("slack", {"bot_token": TOKEN, "default_channel": "#i", "service_channels": {"svc_A": "#p"}}, None),
        ("slack", {"incoming_webhook_url": HOOK}, None),
        ("alertmanager", {}, None),
        ("alertmanager", {"bot_token": TOKEN}, "bot_token"),
        ("grafana", {"incoming_webhook_url": HOOK}, "incoming_webhook_url"),
        ("datadog", {"default_channel": "#incidents"}, "default_channel"),
        ("opsgenie", {"service_channels": {"svc_A": "#p"}}, "service_channels"),
        ("slack", {"bot_token": TOKEN, "incoming_webhook_url": HOOK, "default_channel": "#i"}, "incoming_webhook_url"),
        ("slack", {"bot_token": TOKEN}, "default_channel"),
        ("slack", {"incoming_webhook_url": HOOK, "default_channel": "#i"}, "default_channel"),
        ("slack", {"incoming_webhook_url": HOOK, "service_channels": {"svc_A": "#p"}}, "service_channels"),
        ("slack", {"default_channel": "#incidents"}, "default_channel"),
        ("slack", {"service_channels": {"svc_A": "#p"}}, "service_channels"),
    ],
)
def test_announcement_settings_that_do_not_go_together_are_named(kind, settings, problem):
    given = {"bot_token": None, "incoming_webhook_url": None, "default_channel": None, "service_channels": {}}
    found = settings_problem(kind, **(given | settings))
    assert (found[0] if found else None) == problem
