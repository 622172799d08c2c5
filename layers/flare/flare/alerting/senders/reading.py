"""How every sender's body is read: strictly for what identifies the delivery, liberally for everything else.

Each parser takes the JSON-decoded body and a severity mapping (the caller's complete mapping: usually the
sender's `default_severity_mapping` updated with the organisation's overrides). Nothing but `PayloadError` is
ever raised, whatever the JSON, and that only over what identifies the delivery:

- The body must be a JSON object. What says which alert it is and what happened to it must be there and
  usable (each sender's module says which fields those are). Ids may be strings or numbers (a number stands
  for its decimal string: 7 and "7" are one key); event names must be strings. Null is absent. A list, an
  object or a boolean in one of these places is refused, naming the field: guessing an identity from it could
  merge unrelated alerts or split one, which no later delivery can undo.
- Everything else is read only for mapping (severity, services, title, description) or metadata, and never
  refuses a delivery: a number or boolean where text is expected is read as its JSON text (3 → "3", true →
  "true", 3.0 → "3"), a list as its first item that has a text form (["P1"] → "P1"), text where a number is
  expected as the number if it is one ("2" → 2), an object of labels that is not one as no labels, a label
  or tag that has no text form is left out, `alerts` that is not a list as no per-alert details, tags given
  as one string as its comma-separated parts, and anything else unusable (an object where text is expected,
  NaN, a number too large to be a count) as absent. Unknown fields are ignored.

Severity mappings' keys match case-insensitively; anything unmapped goes through the vocabulary's aliases, so
"critical", "P2", "sev3" and "DOWN" work everywhere.
"""

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from flare.alerting.senders.alert import PayloadError
from flare.fields import SEVERITY_RANK, parse_severity

# The P1…P5 scale's default mapping (Datadog, PagerDuty, Opsgenie).
PRIORITIES = {"p1": "critical", "p2": "major", "p3": "minor", "p4": "low", "p5": "low"}

_MAX_INTEGER = 2**63  # counts are far smaller: a larger one is dropped, which keeps json.dumps cheap
_UNWRAP_DEPTH = 4  # how many levels of lists a value read for mapping or metadata is looked for in
_EXACT_FLOAT = 2**53  # an integral float below this is read as the integer it is (3.0 → "3")
_COUNT = re.compile(r"^[+-]?[0-9]{1,18}$")
_BARE_PRIORITY = re.compile(r"^[1-5]$")


# ---- severities ------------------------------------------------------------------------------------------


def map_severity(value: str | None, mapping: dict[str, str]) -> str | None:
    """The Flare severity for a sender's value: `mapping` first (keys casefolded), then the vocabulary's aliases,
    else None (the sender said nothing usable)."""
    if not isinstance(value, str) or not value.strip():
        return None
    # Later keys win, so `defaults | overrides` lets an override "Critical" replace the default "critical".
    folded = {key.strip().casefold(): severity for key, severity in mapping.items()}
    for candidate in (folded.get(value.strip().casefold()), value):
        try:
            return parse_severity(candidate)
        except ValueError:
            pass  # unmapped, or mapped to nothing valid: try the vocabulary's aliases
    return None


def map_priority(value: str | None, mapping: dict[str, str]) -> str | None:
    """map_severity for a P1…P5 scale (Datadog, Opsgenie): a bare 1…5 (the number 3 or the text "3") maps as
    P1…P5 does, the organisation's mapping for "P3" included, unless `mapping` has a key for the bare number."""
    bare = value.strip() if value is not None and _BARE_PRIORITY.match(value.strip()) else None
    if bare and bare not in {key.strip().casefold() for key in mapping}:
        value = f"P{bare}"
    return map_severity(value, mapping)


def most_severe(severities: Iterable[str | None]) -> str | None:
    return min((s for s in severities if s), key=SEVERITY_RANK.__getitem__, default=None)


# ---- lenient values --------------------------------------------------------------------------------------


def _number_text(value: int | float) -> str | None:
    """A JSON number's decimal text (integral floats as integers), or None for NaN, infinities and integers
    too long to print."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < _EXACT_FLOAT else repr(value)
    try:
        return str(value)
    except ValueError:  # past the interpreter's digit limit (json.loads refuses such numbers anyway)
        return None


def _first_usable(value: Any, read: Callable[[Any], Any], depth: int = 0) -> Any:
    """`read(value)`; for a list (a value some sender wraps), the first of its items that `read` makes something
    of, a few levels down at most."""
    if isinstance(value, list):
        if depth >= _UNWRAP_DEPTH:
            return None
        return next((found for item in value if (found := _first_usable(item, read, depth + 1)) is not None), None)
    return read(value)


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return None


def _integer_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < _MAX_INTEGER else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _EXACT_FLOAT else None
    if isinstance(value, str):
        return int(value.strip()) if _COUNT.match(value.strip()) else None
    return None


def _as_text(value: Any) -> str | None:
    """A value read for mapping or metadata, as text: a string as is, a number or boolean as its JSON text, a
    list as its first item that has a text form; None for null, an object or anything unprintable."""
    return _first_usable(value, _text_of)


def _as_integer(value: Any) -> int | None:
    """A count or number read for metadata: an integer (or an integral float, or text that is an integer)
    within range, or the first such item of a list; None otherwise."""
    return _first_usable(value, _integer_of)


def _as_object(value: Any) -> dict | None:
    """An object read for mapping or metadata, or the first object of a list; None otherwise."""
    return _first_usable(value, lambda item: item if isinstance(item, dict) else None)


def clean(text: str) -> str:
    # JSON may carry lone surrogates ("\ud800"), which no UTF-8 encoder (json, DynamoDB) accepts.
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")


def peek(value: Any, *keys: str) -> str | None:
    """A non-empty string (or a number's text) at that path, or None: for ignored events, which are read
    without complaint."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = clean(value) if isinstance(value, str) else _number_text(value)
    return text if text and text.strip() else None


# ---- objects ---------------------------------------------------------------------------------------------


class JsonObject:
    """A JSON object and its dotted path. `identifier` and `required_object` read what identifies the delivery,
    with errors that name the field; every other accessor is lenient and never raises (module docstring)."""

    def __init__(self, value: Any, path: str):
        if not isinstance(value, dict):
            raise PayloadError(path or "body", "must be a JSON object")
        self.value = value
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    # What identifies the delivery: refused, naming the field, when absent (if required) or unusable.

    def identifier(self, key: str, *, required: bool = False, numbers: bool = True) -> str | None:
        """A string, or (`numbers`: ids some senders send as numbers) a number as its decimal text."""
        value = self.value.get(key)
        if value is None:
            if required:
                raise PayloadError(self.at(key), "is required")
            return None
        if isinstance(value, str):
            text = clean(value)
        elif numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            text = _number_text(value)
            if text is None:
                raise PayloadError(self.at(key), "must be a finite number")
        else:
            raise PayloadError(self.at(key), "must be a string or a number" if numbers else "must be a string")
        if required and not text.strip():
            raise PayloadError(self.at(key), "must not be empty")
        return text

    def required_object(self, key: str) -> "JsonObject":
        value = self.value.get(key)
        if value is None:
            raise PayloadError(self.at(key), "is required")
        return JsonObject(value, self.at(key))

    # What is read for mapping or metadata: coerced where meaningful, else absent; never an error.

    def text(self, key: str) -> str | None:
        return _as_text(self.value.get(key))

    def integer(self, key: str) -> int | None:
        return _as_integer(self.value.get(key))

    def object(self, key: str) -> "JsonObject | None":
        found = _as_object(self.value.get(key))
        return None if found is None else JsonObject(found, self.at(key))

    def objects(self, key: str) -> list["JsonObject"]:
        """The objects of a list (its other items skipped); none when it is not a list."""
        value = self.value.get(key)
        if not isinstance(value, list):
            return []
        return [
            JsonObject(item, self.at(f"{key}.{index}")) for index, item in enumerate(value) if isinstance(item, dict)
        ]

    def strings(self, key: str) -> list[str]:
        """A list's items that have a text form; one string is taken as its comma-separated parts."""
        value = self.value.get(key)
        if isinstance(value, str):
            return [part.strip() for part in clean(value).split(",") if part.strip()]
        if not isinstance(value, list):
            text = _as_text(value)
            return [] if text is None else [text]
        return [text for text in map(_as_text, value) if text is not None]

    def labels(self, key: str) -> dict[str, str]:
        """A map of strings (Alertmanager's labels and annotations): values that have a text form, as text."""
        value = self.object(key)
        if value is None:
            return {}
        labels = ((clean(name), _as_text(item)) for name, item in value.value.items())
        return {name: text for name, text in labels if text is not None}
