"""A corpus of bad request bodies, sent to every operation of docs/openapi.json that takes one.

Generated from the spec (an operation added later is covered without editing this file). Every request is
authorised (a demo-organisation key with every scope) and aimed at real resources, so what is refused is
the body. Each bad body must be answered with a 4xx RFC 9457 problem, never a 5xx, and must leave the table
as it was: a full Scan before and after (rate-limit counters aside, since every request counts) is
identical, idempotency records included (the POSTs carry an Idempotency-Key).

| class | bodies | answer |
| --- | --- | --- |
| malformed | truncated JSON, `NaN` | 400 |
| content type | valid JSON sent as text/plain or as a form | 415 |
| oversized | valid JSON over 256 KiB | 413 |
| deeply nested | 10,000 levels of `[` | 400 |
| wrong types | each top-level property with a value of another type; the body as an array | 422 |
| huge numbers | each top-level property, and a key in each free-form object, as `1e400` | 422 |
| | a 5000-digit integer (beyond Python's 4300-digit limit) | 400 |

Strings with NUL, bidirectional controls, emoji or a lone surrogate (sent as the escape `"\\ud800"`, which
cannot be UTF-8) go in each free-text property, each time on fresh resources. They may be refused (a 4xx
problem; sent again between the two Scans, to fresh copies of their resources, they must leave the table
unchanged) or, where they are valid input, accepted: then the exact string comes back in the answer and
when the resource is read again.
"""

import itertools
import json
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from tests.e2e.openapi_cases import (
    OPERATIONS,
    Organisation,
    assert_problem,
    body_schema,
    header_names,
    object_schema,
    operation_id,
    request_body,
    resolve,
)

BODY_OPERATIONS = [operation for operation in OPERATIONS if body_schema(*operation) is not None]
MAX_BODY_BYTES = 256 * 1024
JSON = "application/json"
HUGE_FLOAT = "1e400"
HUGE_INTEGER = "9" * 5000
_SLOT = "\u0001slot\u0001"  # where a raw JSON literal goes
_UNIQUE = itertools.count(1)


def properties(method: str, path: str) -> dict[str, dict]:
    """Top-level properties of the body, each as its non-null alternative (`anyOf: [X, null]` → X)."""
    schema = object_schema(body_schema(method, path))
    return {name: object_schema(resolve(prop)) for name, prop in schema.get("properties", {}).items()}


def wrong_value(schema: dict) -> Any:
    """A JSON value of another type than the schema's (and not one that lax parsing would coerce to it)."""
    kind = schema.get("type")
    return {
        "string": 12345,
        "integer": "not a number",
        "number": "not a number",
        "boolean": {"not": "a boolean"},  # "yes", "true" and 1 would pass as booleans
        "array": "not an array",
        "object": ["not", "an", "object"],
    }.get(kind, ...)


def is_free_text(schema: dict) -> bool:
    return schema.get("type") == "string" and not ({"enum", "format", "pattern", "const"} & schema.keys())


def is_free_form_object(schema: dict) -> bool:
    return schema.get("type") == "object" and bool(schema.get("additionalProperties"))


def with_raw(body: dict, name: str, literal: str, *, nested: bool = False) -> bytes:
    """The body as JSON with property `name` (or a key inside it) set to a raw JSON literal."""
    body = body | {name: {"n": _SLOT} if nested else _SLOT}
    return json.dumps(body).replace(json.dumps(_SLOT), literal).encode()


def corpus(method: str, path: str, valid: Any) -> dict[str, list["Sent"]]:
    """class → the bad requests of that class."""
    text = json.dumps(valid).encode()
    valid_object = valid if isinstance(valid, dict) else {}
    props = properties(method, path)
    padding = "x" * (MAX_BODY_BYTES + 1024)
    return {
        "malformed": [
            Sent("truncated", text[: max(1, len(text) // 2)] if len(text) > 2 else b'{"', JSON, 400),
            Sent("NaN", b'{"a": NaN}', JSON, 400),
        ],
        "content type": [
            Sent("JSON as text/plain", text, "text/plain", 415),
            Sent("JSON as a form", text, "application/x-www-form-urlencoded", 415),
        ],
        "oversized": [Sent("over 256 KiB", json.dumps(valid_object | {"padding": padding}).encode(), JSON, 413)],
        "deeply nested": [Sent("10,000 [", b"[" * 10_000 + b"]" * 10_000, JSON, 400)],
        "wrong types": [Sent("an array", b"[]", JSON, 422)]
        + [
            Sent(f"{name}: {json.dumps(wrong)}", json.dumps(valid_object | {name: wrong}).encode(), JSON, 422, name)
            for name, schema in props.items()
            if (wrong := wrong_value(schema)) is not ...
        ],
        # 1e400 parses (as infinity) and must be refused by each property; a 5000-digit integer cannot be parsed
        # at all, wherever it is.
        "huge numbers": [Sent("5000 digits", with_raw(valid_object, "n", HUGE_INTEGER), JSON, 400)]
        + [Sent(f"{name}: 1e400", with_raw(valid_object, name, HUGE_FLOAT), JSON, 422, name) for name in props]
        + [
            Sent(f"{name}.n: 1e400", with_raw(valid_object, name, HUGE_FLOAT, nested=True), JSON, 422, name)
            for name, schema in props.items()
            if is_free_form_object(schema)
        ],
    }


@dataclass
class Sent:
    label: str
    content: bytes
    content_type: str
    status: int | None  # None: any 4xx
    field: str | None = None  # the property a 422 must name


# ---- unusual strings --------------------------------------------------------------------------------------

UNUSUAL = {
    "NUL": "nul\u0000byte",
    "bidirectional controls": "\u202eexe.txt\u202c \u200f\u05e9\u05dc\u05d5\u05dd",  # RLO … PDF, RLM Hebrew
    "emoji with ZWJ": "\U0001f525 \U0001f469\u200d\U0001f692",
    "lone surrogate": "\ud800",
}


def free_text_properties(method: str, path: str) -> list[str]:
    return [name for name, schema in properties(method, path).items() if is_free_text(schema)]


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def read_back(api: httpx.Client, response: httpx.Response, target: str) -> Any:
    """What a GET answers for the resource the request created or changed: at its Location, else its path,
    else the path's parent (`…/{id}/resolve` → `…/{id}`)."""
    candidates = [response.headers.get("Location", "").removeprefix("/api/v1"), target, target.rsplit("/", 1)[0]]
    for candidate in filter(None, candidates):
        got = api.get(candidate)
        if got.status_code == 200:
            return got.json()
    raise AssertionError(f"nothing to read back for {target}")


# ---- the test ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=operation_id)
def test_bad_input_is_refused_with_a_problem_and_changes_nothing(operation, fuzz_stack, fuzz_key, fuzz_table):
    """1. Each unusual string in each free-text property, each time on fresh resources: accepted and read back
    exactly, or refused with a problem. 2. The whole corpus, and the refused strings again (on fresh copies of
    their resources), between two full Scans of the table: each refused again, and the table unchanged. (Two
    Scans per operation: a Scan costs about a millisecond per item on the embedded DynamoDB.)"""
    method, path = operation
    idempotent = "idempotency-key" in header_names(method, path)
    failures: list[str] = []

    def send(api: httpx.Client, target: str, sent: Sent) -> httpx.Response:
        headers = {"Content-Type": sent.content_type}
        if idempotent:  # a refused request must not leave an idempotency record either
            headers["Idempotency-Key"] = f"bad-input-{next(_UNIQUE)}"
        return api.request(method, target, content=sent.content, headers=headers)

    def check(response: httpx.Response, sent: Sent) -> None:
        try:
            assert_problem(response, sent.status)
            if sent.field:
                fields = [error["field"] for error in response.json().get("errors", [])]
                assert any(f == sent.field or f.startswith(f"{sent.field}.") for f in fields), f"errors on {fields}"
        except AssertionError as failure:
            failures.append(f"{sent.label}: {failure}")

    refused: list[Sent] = []
    with fuzz_stack.client(fuzz_key) as api:
        for name in free_text_properties(method, path):
            for label, unusual in UNUSUAL.items():
                owner = Organisation(fuzz_stack, fuzz_key, "unusual")  # fresh: an accepted request may change it
                target = owner.path(path)
                value = f"{unusual} {next(_UNIQUE)}"  # unique: service names must be
                body = (request_body(method, path, owner.examples) or {}) | {name: value}
                # ensure_ascii: a lone surrogate can only be sent as its escape.
                sent = Sent(f"{name}: {label}", json.dumps(body, ensure_ascii=True).encode(), JSON, None)
                response = send(api, target, sent)
                if 200 <= response.status_code < 300:
                    if value not in strings_in(response.json()):
                        failures.append(f"{sent.label}: {value!r} accepted but answered {response.text}")
                    elif value not in strings_in(read_back(api, response, target)):
                        failures.append(f"{sent.label}: {value!r} accepted but read back differently")
                else:
                    check(response, sent)
                    refused.append(replace(sent, status=response.status_code))  # and so again, unchanged

        owner = Organisation(fuzz_stack, fuzz_key, "bad input")
        target = owner.path(path)
        corpus_cases = [
            replace(sent, label=f"{kind}: {sent.label}")
            for kind, cases in corpus(method, path, request_body(method, path, owner.examples)).items()
            for sent in cases
        ]
        replays = [(Organisation(fuzz_stack, fuzz_key, "unusual").path(path), sent) for sent in refused]
        before = fuzz_table.snapshot()
        for sent in corpus_cases:
            check(send(api, target, sent), sent)
        for replay_target, sent in replays:
            check(send(api, replay_target, sent), sent)
        after = fuzz_table.snapshot()

    assert not failures, "\n".join(failures)
    assert after == before, "refused requests changed the table"
