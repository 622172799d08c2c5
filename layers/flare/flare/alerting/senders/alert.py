"""What a sender's parser makes of one delivery: an `Alert` within the incident API's limits (flare.fields), or a
`PayloadError` naming the field that identifies the delivery and is absent or unusable."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from flare.fields import (
    MAX_AFFECTED_SERVICES,
    MAX_DESCRIPTION,
    MAX_EXTERNAL_ID,
    MAX_METADATA_BYTES,
    MAX_NAME,
    MAX_TITLE,
)

# What a parser's metadata may take, leaving the receiver room for keys of its own (integration_id …).
METADATA_BUDGET = MAX_METADATA_BYTES - 512
MAX_NOTE = 500
MAX_ALERT_DETAILS = 10  # per-alert details kept in the metadata of a group of alerts (Alertmanager, Grafana)


class PayloadError(ValueError):
    """What identifies the delivery is absent or unusable; `field` is a dotted path ("event.data.id")."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Alert:
    """What one delivery asks of Flare. dedupe_key becomes the incident's external_id; severity None means the
    sender said nothing usable (the caller applies its default); note is one timeline line (for ignore: why)."""

    action: Literal["fire", "resolve", "ignore"]
    dedupe_key: str
    title: str
    description: str
    severity: str | None
    service_names: tuple[str, ...]
    metadata: dict
    note: str
    # The sender's id of this very delivery, where it sends one (PagerDuty's event.id): a delivery seen before
    # is a replay (or the sender's redelivery) and is not acted on again.
    delivery_id: str | None = None


def new_alert(
    action: Literal["fire", "resolve", "ignore"],
    dedupe_key: str,
    title: str,
    note: str,
    *,
    description: str = "",
    severity: str | None = None,
    service_names: Iterable[str | None] = (),
    metadata: dict | None = None,
    delivery_id: str | None = None,
) -> Alert:
    """An Alert with its description, services, metadata and note cut to what an incident takes."""
    return Alert(
        delivery_id=delivery_id,
        action=action,
        dedupe_key=dedupe_key,
        title=title,
        description=truncate(description.strip(), MAX_DESCRIPTION),
        severity=severity,
        service_names=_service_names(service_names),
        metadata=_fit(metadata or {}),
        note=one_line(note, MAX_NOTE),
    )


def dedupe_key(*parts: str | None) -> str:
    """The parts joined by "/"; past 255 characters, a prefix and the whole key's sha256 (stable and unique)."""
    key = "/".join(part for part in parts if part)
    if len(key) <= MAX_EXTERNAL_ID:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: MAX_EXTERNAL_ID - len(digest) - 1]}#{digest}"


# ---- text ------------------------------------------------------------------------------------------------


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str, limit: int) -> str:
    return truncate(" ".join(text.split()), limit)


def first_line(candidates: Iterable[str | None], fallback: str) -> str:
    """The first non-blank candidate as a title (one line, cut to fit), else `fallback`."""
    for candidate in candidates:
        if candidate and candidate.strip():
            return one_line(candidate, MAX_TITLE)
    return one_line(fallback, MAX_TITLE)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# ---- services --------------------------------------------------------------------------------------------


def _service_names(candidates: Iterable[str | None]) -> tuple[str, ...]:
    # Only what could be a Flare service name (1..100 characters), at most as many as an incident can affect.
    names = (name.strip() for name in candidates if name)
    unique = dict.fromkeys(name for name in names if 0 < len(name) <= MAX_NAME)
    return tuple(unique)[:MAX_AFFECTED_SERVICES]


def tagged_services(tags: Iterable[str]) -> list[str]:
    """Names from "service:<name>" tags (Datadog and Opsgenie)."""
    return [tag.split(":", 1)[1] for tag in tags if tag.strip().casefold().startswith("service:")]


# ---- metadata --------------------------------------------------------------------------------------------


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def _shrink(value: Any, max_text: int, max_items: int) -> Any:
    if isinstance(value, str):
        return truncate(value, max_text)
    if isinstance(value, dict):
        items = list(value.items())[:max_items]
        return {truncate(key, max_text): _shrink(item, max_text, max_items) for key, item in items}
    if isinstance(value, list):
        return [_shrink(item, max_text, max_items) for item in value[:max_items]]
    return value


# Ever harder trims, tried in turn until the metadata fits; the first one changes nothing.
_TRIM_STEPS = ((None, None), (1000, 50), (200, 20), (50, 10), (20, 5))
_MIN_ALERT_DETAILS = 3


def _fit(metadata: dict) -> dict:
    """The metadata within METADATA_BUDGET: per-alert details beyond the first few are dropped first (counted
    in alerts_omitted), then long strings and collections are cut, harder at each step."""
    for step, (max_text, max_items) in enumerate(_TRIM_STEPS):
        if max_text is None:
            trimmed = dict(metadata)
        else:
            trimmed = {key: _shrink(value, max_text, max_items) for key, value in metadata.items()}
            trimmed["trimmed"] = True
        alerts = trimmed.get("alerts")
        if alerts is not None:
            trimmed["alerts"] = alerts = list(alerts)
            trimmed["alerts_omitted"] = metadata["alerts_omitted"] + len(metadata["alerts"]) - len(alerts)
            keep = 0 if step == len(_TRIM_STEPS) - 1 else _MIN_ALERT_DETAILS
            while _json_size(trimmed) > METADATA_BUDGET and len(alerts) > keep:
                alerts.pop()
                trimmed["alerts_omitted"] += 1
        if _json_size(trimmed) <= METADATA_BUDGET:
            return trimmed
    return {"trimmed": True}
