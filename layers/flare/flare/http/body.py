"""The body's checks, before routing: Powertools would otherwise accept forms, mis-parse other charsets and
recurse into any depth. The entry point (http.entry) runs them on every request that reads its body."""

import base64
import json
from typing import Any

from flare.errors import BadRequest, FlareError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from flare.fields import MAX_BODY_BYTES, MAX_JSON_DEPTH
from flare.http.responses import JSON


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


FORM = "application/x-www-form-urlencoded"


def check_body(event: dict[str, Any], form: bool = False) -> FlareError | None:
    """The body's size and type: JSON, or (`form`) a form as Slack sends it."""
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body)
        except ValueError:
            return BadRequest("the body is not valid base64")
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        return PayloadTooLarge(f"the body must be at most {MAX_BODY_BYTES} bytes")
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    media_type, _, parameters = (headers.get("content-type") or JSON).partition(";")
    content_type = media_type.strip().lower()
    charset = _charset(parameters)
    if charset not in (None, "utf-8", "utf8"):
        return UnsupportedMediaType(f"send the body in UTF-8, not {charset}")
    try:
        # Strictly: json.loads would also take UTF-16 and UTF-32 bytes, which the resolver then fails to read.
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadRequest("the body is not valid UTF-8")
    if form:
        return None if content_type == FORM else UnsupportedMediaType(f"send a form ({FORM}), not {content_type}")
    if content_type != JSON and not (content_type.startswith("application/") and content_type.endswith("+json")):
        return UnsupportedMediaType(f"send JSON with Content-Type: application/json, not {content_type}")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        return BadRequest(f"the body is not valid JSON: {str(error)[:200]}")
    if too_deep := _deeper_than(document, MAX_JSON_DEPTH):
        return ValidationFailed.of(
            too_deep, f"is nested more than {MAX_JSON_DEPTH} levels deep (the limit of any body)"
        )
    return None


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _deeper_than(document: Any, limit: int) -> str | None:
    """The top-level member (or "body") under which `document` nests deeper than `limit` levels, else None.
    Iterative: the bodies it looks at are the ones too deep for recursion."""
    pending = [(document, 0, None)]
    while pending:
        node, depth, top = pending.pop()
        if isinstance(node, dict | list):
            if depth + 1 > limit:
                return top or "body"
            children = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in children:
                pending.append((child, depth + 1, top if top is not None else str(key)))
    return None


def said_as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The event with a Content-Type that check_body accepted as JSON said as plain `application/json`:
    Powertools only parses lower-case `application/json…` and would answer 415 to `Application/JSON` or
    `application/merge-patch+json`, which are JSON too."""
    if not event.get("body"):
        return event

    def said(name: str, value: Any, json_value: Any) -> Any:
        return json_value if name.lower() == "content-type" else value

    headers = {name: said(name, value, JSON) for name, value in (event.get("headers") or {}).items()}
    multi = {name: said(name, value, [JSON]) for name, value in (event.get("multiValueHeaders") or {}).items()}
    return event | {"headers": headers, "multiValueHeaders": multi}
