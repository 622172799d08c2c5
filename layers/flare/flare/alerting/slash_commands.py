"""`/incident …` as typed in Slack: the text after the command, parsed into what to do, or a mistake to explain.

    /incident declare <title> [sev:<severity>] [service:<name>]…   (service:"Name with spaces" works)
    /incident update <ref> [investigating|identified|monitoring] <text>
    /incident resolve <ref> [text]
    /incident status
    /incident help

Slack sends the text with `&`, `<` and `>` escaped as HTML entities; they are unescaped here, so a title reads as
typed. Options may go anywhere in a declare; everything else is the title.
"""

import re
from dataclasses import dataclass

from flare.fields import SEVERITY_HELP, incident_reference, parse_severity, reference_number

USAGE = (
    "/incident declare <title> [sev:<severity>] [service:<name>]…\n"
    "/incident update <INC-n> [investigating|identified|monitoring] <text>\n"
    "/incident resolve <INC-n> [text]\n"
    "/incident status\n"
    "/incident help"
)
UPDATE_STATUSES = ("investigating", "identified", "monitoring")
MAX_TITLE = 255
MAX_TEXT = 10_000
# An option (sev:major, service:checkout, service:"Checkout API", service:“Checkout API”) with the space before it.
_OPTION = re.compile(r"""(?:^|\s+)(sev|severity|service):(?:"([^"]*)"|“([^”]*)”|(\S+))""", re.IGNORECASE)


@dataclass(frozen=True)
class Declare:
    title: str
    severity: str | None
    services: tuple[str, ...]


@dataclass(frozen=True)
class Update:
    reference: str  # INC-<n>
    status: str | None  # None: a note (`update` message) that changes no status
    text: str


@dataclass(frozen=True)
class Resolve:
    reference: str
    text: str | None


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Mistake:
    """What was wrong, said to the person who typed it (with the usage)."""

    reason: str


Command = Declare | Update | Resolve | Status | Help | Mistake


def unescape(text: str) -> str:
    """Slack's escaping of slash-command text undone (&amp; last, so "&amp;lt;" stays "&lt;")."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _word(text: str) -> tuple[str, str]:
    """The first word and the rest (words end at any whitespace: Shift+Enter makes a line break)."""
    first, rest = re.match(r"(\S*)\s*(.*)", text, re.DOTALL).groups()
    return first, rest


def parse(text: str) -> Command:
    text = unescape(text or "").strip()
    verb, rest = _word(text)
    verb = verb.casefold()
    if verb in ("", "help"):
        return Help()
    if verb == "declare":
        return _declare(rest)
    if verb == "update":
        return _update(rest)
    if verb == "resolve":
        return _resolve(rest)
    if verb == "status":
        return Status()
    return Mistake(f"I don't know `{_shown(verb)}`.")


def reference(given: str) -> str | None:
    """`INC-42` (also `inc-42`, `42`) as INC-42; None when it is not a reference."""
    return incident_reference(reference_number(given, bare=True))


def _declare(rest: str) -> Command:
    severity, services = None, []
    for match in _OPTION.finditer(rest):
        name = match.group(1).casefold()
        value = next(group for group in match.groups()[1:] if group is not None).strip()
        if name == "service":
            if not value:
                return Mistake('`service:` needs a service name: `service:checkout` or `service:"Checkout API"`.')
            services.append(value)
            continue
        try:
            severity = parse_severity(value)
        except ValueError:
            return Mistake(f"`{_shown(value)}` is not a severity: {SEVERITY_HELP}.")
    title = " ".join(_OPTION.sub(" ", rest).split())
    if not title:
        return Mistake("An incident needs a title: `/incident declare Checkout is returning 502s sev:major`.")
    if len(title) > MAX_TITLE:
        return Mistake(f"The title is {len(title)} characters long; at most {MAX_TITLE}, please.")
    return Declare(title=title, severity=severity, services=tuple(dict.fromkeys(services)))


def _update(rest: str) -> Command:
    given, text = _word(rest)
    ref = reference(given)
    if ref is None:
        return Mistake("Say which incident to update: `/incident update INC-42 identified Bad deploy, rolling back`.")
    first, after = _word(text)
    status = first.casefold() if first.casefold() in UPDATE_STATUSES else None
    text = (after if status else text).strip()
    if not text:
        return Mistake(f"What is the update? `/incident update {ref} {status or 'monitoring'} Error rate is falling`.")
    if len(text) > MAX_TEXT:
        return Mistake(f"The update is {len(text)} characters long; at most {MAX_TEXT}, please.")
    return Update(reference=ref, status=status, text=text)


def _resolve(rest: str) -> Command:
    given, text = _word(rest)
    ref = reference(given)
    if ref is None:
        return Mistake("Say which incident to resolve: `/incident resolve INC-42 Rolled back`.")
    text = text.strip()
    if len(text) > MAX_TEXT:
        return Mistake(f"The message is {len(text)} characters long; at most {MAX_TEXT}, please.")
    return Resolve(reference=ref, text=text or None)


def _shown(text: str) -> str:
    """Typed text quoted back in a reply: short, and without backticks that would break the formatting."""
    text = text.replace("`", "'")
    return text if len(text) <= 40 else text[:39] + "…"
