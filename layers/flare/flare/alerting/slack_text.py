"""Slack's text rules, for every message Flare writes to Slack (slash command replies in alerting.slack,
announcements in alerting.announcements_rules): user text escaped so it can neither link nor ping, and mentions
written only for real Slack user ids."""

import re

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,30})&gt;")


def escaped(text: str) -> str:
    """User text in a Slack message: `&`, `<` and `>` as Slack requires, so that it can neither link nor ping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message_text(description: str) -> str:
    """A timeline message's text: escaped, but for user mentions (<@U…>), which Flare's slash command writes."""
    return _ESCAPED_MENTION.sub(r"<@\1>", escaped(description))


def mention(user: str) -> str:
    """<@U…> for a Slack user id; anything else only as (escaped) text."""
    return f"<@{user}>" if SLACK_USER_ID.match(user) else escaped(user)


def mention_of_user(created_by: str | None) -> str | None:
    """<@U…> for a message's author recorded as a Slack user (`slack:U…`); None for anyone else."""
    kind, _, user = (created_by or "").partition("slack:")
    return f"<@{user}>" if not kind and SLACK_USER_ID.match(user) else None
