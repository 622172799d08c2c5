"""Slack announcements, decided: which events post, what each post says (text and Block Kit blocks), and to which
channels. Pure: one organisation's events in, posts out (alerting.announcements queues and sends them).

What posts:

- `incident.published`: the announcement (title, severity, status, services, reference, who declared it, and the
  public status page's link when a page shows the incident). It opens the incident's thread in each channel.
- `incident.message_posted`: a follow-up with the message, headed by its type (Identified, Monitoring, Resolved,
  Update…), mentioning the Slack user who posted it.
- `incident.updated`: a follow-up when the severity or the title changed (the other fields are not news in a
  channel).
- `incident.resolved` and `incident.reopened` never post on their own. Every resolution is written together with
  its `resolved` timeline message (POST …/resolve, a PATCH with a status, a message of type resolved, a receiver's
  resolve), and every reopening with the status message that reopened it (a message, a PATCH, a receiver's repeat
  within its cooldown): that message's post is the resolution's or the reopening's post, with the words and the
  person. One change therefore posts once, whether the stream hands its records over in one batch or in two (no
  double post for a resolution and its resolved message). Within one batch the events of one change (one incident,
  one time: a change writes the incident and its messages with the same timestamp) make one post: a severity or
  title change made along with a message rides in that message's post, and the initial message of an incident
  filed published is part of its announcement. A reopening's message is headed "Reopened": the batch's latest
  message on the incident, at or before the reopening, of the status it reopened to (a message posted to a
  resolved incident is stamped a moment before the incident's change it causes).
- Drafts never post: nothing reaches Slack before the incident is published, and a message posted while it was a
  draft is not posted later. Other events (created, status_changed, deleted, maintenances, services) do not post.

User text (titles, descriptions, service names) is escaped as Slack requires (alerting.slack_text), so it can
neither link nor ping; the one exception is a user mention `<@U…>` inside a message, which Flare itself writes (the
slash command's "Declared in Slack by <@U…>") and which only names a person.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flare.alerting.slack_text import escaped, mention_of_user, message_text

MAX_SECTION = 3000  # Block Kit: a section's text
MAX_FIELD = 2000  # Block Kit: each of a section's fields
MAX_TEXT = 4000  # the message's `text` (notifications); Slack truncates far later, readers much sooner
MAX_SERVICE_CHANNELS = 50
WEBHOOK_CHANNEL = "incoming-webhook"  # an incoming webhook's own channel, which Flare does not know
# The incident fields whose change is news in a channel.
NEWS_FIELDS = ("severity", "title")

SEVERITY_MARK = {
    "critical": ":red_circle:",
    "major": ":large_orange_circle:",
    "minor": ":large_yellow_circle:",
    "low": ":large_blue_circle:",
    "maintenance": ":wrench:",
}
HEADLINES = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "update": "Update",
}
MARKS = {"resolved": ":white_check_mark:", "reopened": ":repeat:", "updated": ":pencil2:"}


class EventLike(Protocol):
    """An event as the catalogue makes it (flare.events.catalogue.Event): only what the rules read."""

    id: str
    type: str
    occurred_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class Post:
    """One post to make in every channel of every integration that announces."""

    event_id: str  # the event it stands for: with the integration and the channel, its delivery's id
    incident_id: str
    reference: str  # INC-7 (the id for incidents filed before references)
    announcement: bool  # opens the incident's thread in a channel; else a follow-up in it
    service_ids: tuple[str, ...]  # the incident's services, which choose the channels
    text: str  # notifications and clients without blocks (escaped)
    blocks: list[dict[str, Any]]


# ---- integration settings --------------------------------------------------------------------------------


def settings_problem(
    kind: str,
    bot_token: str | None,
    incoming_webhook_url: str | None,
    default_channel: str | None,
    service_channels: Mapping[str, str],
) -> tuple[str, str] | None:
    """What is wrong with an integration's announcement settings taken together, as (field, why); None if nothing.
    Empty values are absent."""
    given = {
        "bot_token": bot_token,
        "incoming_webhook_url": incoming_webhook_url,
        "default_channel": default_channel,
        "service_channels": service_channels,
    }
    if kind != "slack":
        for field, value in given.items():
            if value:
                return field, f"is for slack integrations only, not {kind}"
        return None
    if bot_token and incoming_webhook_url:
        return "incoming_webhook_url", "cannot go with bot_token: announce with a bot token or an incoming webhook"
    if incoming_webhook_url and (default_channel or service_channels):
        field = "default_channel" if default_channel else "service_channels"
        return field, "is not used with incoming_webhook_url: an incoming webhook posts to the channel it was made for"
    if bot_token and not default_channel:
        return "default_channel", "is required with bot_token: the channel (C0123ABCD or #name) announcements go to"
    if not bot_token and (default_channel or service_channels):
        field = "default_channel" if default_channel else "service_channels"
        return field, "needs bot_token: the bot token is what posts to channels"
    return None


def channels_for(
    service_ids: tuple[str, ...], default_channel: str | None, service_channels: Mapping[str, str]
) -> list[str]:
    """Where an incident is posted: the channels of its services that have one, else the default channel; each
    channel once, in the order of the incident's services."""
    mapped = [service_channels[service] for service in service_ids if service in service_channels]
    chosen = mapped or ([default_channel] if default_channel else [])
    return list(dict.fromkeys(chosen))


# ---- posts -----------------------------------------------------------------------------------------------


def posts_for(events: list[EventLike], links: Mapping[str, str] | None = None) -> list[Post]:
    """The posts an organisation's events call for, in event order. `links`: incident id → the URL of its public
    status page, for announcements."""
    links = links or {}
    changes: dict[tuple[str, datetime], list[EventLike]] = {}
    for event in events:
        if event.type.startswith("incident.") and "incident" in event.data:
            changes.setdefault((event.data["incident"]["id"], event.occurred_at), []).append(event)
    reopening = _reopening_messages(events)
    posts: list[Post] = []
    for (_incident_id, at), change in changes.items():
        posts += _posts_of_change(change, at, links, reopening)
    return posts


def _reopening_messages(events: list[EventLike]) -> set[str]:
    """The message events that reopened their incident: for each `incident.reopened`, the latest message of the
    batch on that incident, posted at or before the reopening, whose type is the status it reopened to."""
    messages = [event for event in events if event.type == "incident.message_posted"]
    found: set[str] = set()
    for event in (e for e in events if e.type == "incident.reopened"):
        incident = event.data["incident"]
        candidates = [
            message
            for message in messages
            if message.data["incident"]["id"] == incident["id"]
            and message.data["message"]["type"] == incident["status"]
            and message.occurred_at <= event.occurred_at
            and message.id not in found
        ]
        if candidates:
            found.add(max(candidates, key=lambda message: message.occurred_at).id)
    return found


def _posts_of_change(
    change: list[EventLike], at: datetime, links: Mapping[str, str], reopening: set[str]
) -> list[Post]:
    incident = change[-1].data["incident"]  # each event holds the incident as the change (or later) left it
    if not _public_at(incident, at):
        return []
    published = next((event for event in change if event.type == "incident.published"), None)
    messages = [event for event in change if event.type == "incident.message_posted"]
    news = [
        line for event in change if event.type == "incident.updated" for line in _news(event.data.get("changes") or {})
    ]
    posts = []
    if published is not None:
        first = messages.pop(0) if messages else None
        posts.append(announcement(published.id, incident, first and first.data["message"], links.get(incident["id"])))
    for position, event in enumerate(messages):
        lead = position == 0
        posts.append(
            follow_up(
                event.id, incident, event.data["message"], reopened=event.id in reopening, news=news if lead else []
            )
        )
    if news and not messages and published is None:
        updated = next(event for event in change if event.type == "incident.updated")
        posts.append(follow_up(updated.id, incident, None, news=news))
    return posts


def _public_at(incident: Mapping[str, Any], at: datetime) -> bool:
    """Whether the incident was published when the change was made (a draft's changes never post)."""
    published_at = incident.get("published_at")
    return published_at is not None and _time(published_at) <= at


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _news(changes: Mapping[str, Any]) -> list[str]:
    lines = []
    for field in NEWS_FIELDS:
        if field in changes:
            before, after = changes[field].get("before"), changes[field].get("after")
            lines.append(f"{field.capitalize()}: {escaped(str(before))} → *{escaped(str(after))}*")
    return lines


def announcement(
    event_id: str, incident: Mapping[str, Any], message: Mapping[str, Any] | None, link: str | None
) -> Post:
    reference = _reference(incident)
    mark = SEVERITY_MARK.get(incident["severity"], ":rotating_light:")
    title = escaped(incident["title"])
    services = _services(incident)
    blocks: list[dict[str, Any]] = [
        _section(f"{mark} *New incident {reference}: {title}*"),
        {
            "type": "section",
            "fields": [
                _field(f"*Severity*\n{incident['severity'].capitalize()}"),
                _field(f"*Status*\n{incident['status'].capitalize()}"),
                _field(f"*Services*\n{services or 'none named'}"),
                _field(f"*Reference*\n{reference}"),
            ],
        },
    ]
    if message is not None:
        blocks.append(_section(f"*{HEADLINES.get(message['type'], 'Update')}:* {message_text(message['description'])}"))
    context = []
    if who := filer(incident.get("created_by")):
        context.append(who)
    if link:
        context.append(f"<{link}|Status page>")
    if context:
        blocks.append(_context(" · ".join(context)))
    text = f"{mark} New incident {reference}: {title} ({incident['severity']})"
    if services:
        text += f" · {services}"
    return Post(event_id, incident["id"], reference, True, _service_ids(incident), _cut(text, MAX_TEXT), blocks)


def follow_up(
    event_id: str,
    incident: Mapping[str, Any],
    message: Mapping[str, Any] | None,
    *,
    reopened: bool = False,
    news: list[str] | None = None,
) -> Post:
    """A later post about the incident: a message (its type as the headline, "Reopened" first when it reopened
    the incident) and the news of the change it came with; or the news alone. It names the reference, so it reads
    as well outside the thread (incoming webhooks have none)."""
    reference = _reference(incident)
    news = news or []
    if message is not None:
        headline = HEADLINES.get(message["type"], "Update")
        mark = MARKS["reopened"] if reopened else MARKS.get(message["type"], ":speech_balloon:")
        headline = f"Reopened · {headline}" if reopened else headline
        body = [message_text(message["description"]), *news]
    else:
        headline, mark, body = "Updated", MARKS["updated"], news
    title = escaped(incident["title"])
    blocks: list[dict[str, Any]] = [_section(f"{mark} *{reference} · {headline}* · {title}\n" + "\n".join(body))]
    who = mention_of_user(message.get("created_by")) if message is not None else None
    if who:
        blocks.append(_context(f"by {who}"))
    text = f"{reference} · {headline}: " + " · ".join(body) + (f" (by {who})" if who else "")
    return Post(event_id, incident["id"], reference, False, _service_ids(incident), _cut(text, MAX_TEXT), blocks)


def _reference(incident: Mapping[str, Any]) -> str:
    return incident.get("reference") or incident["id"]


def _service_ids(incident: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(service["id"] for service in incident.get("affected_services") or [])


def _services(incident: Mapping[str, Any]) -> str:
    names = [escaped(service.get("name") or service["id"]) for service in incident.get("affected_services") or []]
    return _cut(", ".join(names), MAX_FIELD - 20)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, MAX_SECTION)}}


def _field(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(text, MAX_FIELD)}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, MAX_FIELD)}]}


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis saying so, never an escape (&amp;) cut in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def filer(actor: Mapping[str, Any] | None) -> str | None:
    """Who filed the incident: "Declared by <@U…>" (a Slack user, mentioned), else "Filed by" the API key's or
    the integration's name; None when it is not known."""
    if not actor:
        return None
    if actor.get("type") == "slack_user":
        who = mention_of_user(f"slack:{actor.get('id', '')}")
        return f"Declared by {who}" if who else None
    return f"Filed by {escaped(actor['name'])}" if actor.get("name") else None
