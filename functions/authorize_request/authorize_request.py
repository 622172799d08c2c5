"""API Gateway REQUEST authorizer: `Authorization: Bearer <key>` → organisation, key and scopes.

API Gateway caches the answer per Authorization header (template.yaml, AuthorizerCacheSeconds), so the
policy allows the whole API: a cached answer is reused for every route, and each function enforces its
route's scope. Raising "Unauthorized" is how a REQUEST authorizer makes API Gateway answer 401.
"""

from flare.access import auth
from flare.errors import Unauthorized
from flare.observability import logger


def handler(event: dict, context: object) -> dict:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    try:
        caller = auth.authenticate(headers.get("authorization"))
    except Unauthorized as refused:
        logger.info("unauthorized", extra={"reason": refused.detail})
        raise Exception("Unauthorized") from None  # API Gateway's contract for a 401
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path → every method and path of this stage
    api_arn = "/".join(event["methodArn"].split("/")[:2])
    return {
        "principalId": caller.key_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{api_arn}/*/*"}],
        },
        "context": {
            "org_id": caller.org_id,
            "key_id": caller.key_id,
            "key_name": caller.key_name,  # recorded as who filed an incident
            "scopes": " ".join(sorted(caller.scopes)),
            # API Gateway hands context values to the functions as strings.
            "rate_limit_per_minute": str(caller.rate_limit_per_minute),
        },
    }
