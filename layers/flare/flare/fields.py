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


# ---- short references -----------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^(INC-)?([1-9][0-9]{0,17})$", re.IGNORECASE)


def incident_reference(number: int | None) -> str | None:
    """An incident's short reference: INC-<its number in the organisation>."""
    return f"INC-{number}" if number is not None else None


def reference_number(given: str, *, bare: bool = False) -> int | None:
    """The number of `INC-42` (any case), or of `42` too when `bare`; None when `given` is not a reference."""
    match = _REFERENCE.match(given or "")
    if not match or (match.group(1) is None and not bare):
        return None
    return int(match.group(2))
