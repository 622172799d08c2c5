"""Severity, status and message vocabulary, and the lenient input aliases alerting and chat tools send."""

import re

SEVERITIES = ("critical", "major", "minor", "low", "maintenance")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES, start=1)}
SEVERITY_HELP = "must be one of critical, major, minor, low, maintenance (also 1-4, Sev 1-4, P1-P4, DOWN, DEGRADED)"

STATUSES = ("investigating", "identified", "monitoring", "resolved")
STATUS_HELP = "must be one of investigating, identified, monitoring, resolved (also open)"

MESSAGE_TYPES = ("investigating", "identified", "monitoring", "resolved", "update")
MESSAGE_TYPE_HELP = "must be one of investigating, identified, monitoring, resolved, update"

LIFECYCLES = ("draft", "active", "resolved")

_RANKED_ALIAS = re.compile(r"^(?:sev[\s_-]?|p)?([1-4])$")
_WORD_ALIASES = {"down": "critical", "degraded": "minor"}


def parse_severity(value: object) -> str:
    """Canonical severity for any accepted spelling; ValueError (with the accepted list) otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(SEVERITY_HELP)
    text = str(value).strip().lower()
    if text in SEVERITY_RANK:
        return text
    if text in _WORD_ALIASES:
        return _WORD_ALIASES[text]
    match = _RANKED_ALIAS.match(text)
    if match:
        return SEVERITIES[int(match.group(1)) - 1]
    raise ValueError(SEVERITY_HELP)


def parse_status(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(STATUS_HELP)
    text = value.strip().lower()
    if text == "open":
        return "investigating"
    if text in STATUSES:
        return text
    raise ValueError(STATUS_HELP)


def parse_message_type(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(MESSAGE_TYPE_HELP)
    text = value.strip().lower()
    if text == "open":
        return "investigating"
    if text in MESSAGE_TYPES:
        return text
    raise ValueError(MESSAGE_TYPE_HELP)
