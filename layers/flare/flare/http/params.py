"""What a route declares besides its body: the caller (a dependency), the signed request, shared parameters.

def get_thing(thing_id: str, caller: Annotated[Caller, authorized("read:incidents")]) -> Response[ThingOut]:
"""

import base64
from dataclasses import dataclass

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from flare.access.auth import Caller
from flare.errors import Unauthorized
from flare.fields import MAX_IDEMPOTENCY_KEY, MAX_PAGE
from flare.preconditions import IF_MATCH_PATTERN


def authorized(scope: str) -> Depends:
    """The calling organisation and key, as the gateway's authorizer resolved them; 403 without `scope`."""

    def caller(request: Request) -> Caller:
        context = request.resolved_event.request_context.authorizer.raw_event or {}
        if not context.get("org_id") or not context.get("key_id"):
            raise Unauthorized("no authorized caller")
        who = Caller(
            org_id=context["org_id"],
            key_id=context["key_id"],
            scopes=frozenset(context.get("scopes", "").split()),
            key_name=context.get("key_name"),
        )
        who.require(scope)
        return who

    caller.__name__ = f"caller_with_{scope.replace(':', '_')}"
    return Depends(caller)


@dataclass(frozen=True)
class SignedRequest:
    """The body exactly as sent (signatures are computed over these bytes) and the headers, names in lower case."""

    body: bytes
    headers: dict[str, str]


def _signed_request(request: Request) -> SignedRequest:
    event = request.resolved_event
    if event.body is None:
        raw = b""
    else:
        raw = base64.b64decode(event.body) if event.is_base64_encoded else event.body.encode("utf-8", "surrogatepass")
    return SignedRequest(raw, {name.lower(): value for name, value in (event.headers or {}).items()})


SIGNED_REQUEST = Depends(_signed_request)

IDEMPOTENCY_KEY = Header(
    alias="Idempotency-Key",
    min_length=1,
    max_length=MAX_IDEMPOTENCY_KEY,
    pattern=r"^[\x20-\x7e]+$",
    description="1-255 printable ASCII characters. Replays the first response to this key for 24 hours, to the API "
    "key that sent it (same key with another body, or from another API key: 422)",
)
IF_MATCH = Header(
    alias="If-Match",
    # Documented, not enforced here: preconditions.check_if_match answers a malformed one with a 400.
    json_schema_extra={"pattern": IF_MATCH_PATTERN},
    description='ETag of the version you edit: "3", W/"3", a comma-separated list of them, or * (stale: 412; '
    "not an entity tag: 400)",
)
LIMIT = Query(ge=1, le=MAX_PAGE, description="Page size (1-100)")
CURSOR = Query(description="next_cursor of the previous page")
