"""Domain errors. The HTTP glue turns each into an RFC 9457 problem with the status named here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class FlareError(Exception):
    status = 500
    title = "Internal Server Error"
    type = "about:blank"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadRequest(FlareError):
    status, title, type = 400, "Bad Request", "/problems/bad-request"


class Unauthorized(FlareError):
    status, title, type = 401, "Unauthorized", "/problems/unauthorized"


class Forbidden(FlareError):
    status, title, type = 403, "Forbidden", "/problems/forbidden"


class NotFound(FlareError):
    status, title, type = 404, "Not Found", "/problems/not-found"


class MethodNotAllowed(FlareError):
    status, title, type = 405, "Method Not Allowed", "/problems/method-not-allowed"

    def __init__(self, method: str, path: str, allowed: tuple[str, ...]):
        super().__init__(
            f"{path} does not take {method}; it takes {', '.join(allowed)}", headers={"Allow": ", ".join(allowed)}
        )


class Conflict(FlareError):
    status, title, type = 409, "Conflict", "/problems/conflict"


class PreconditionFailed(FlareError):
    status, title, type = 412, "Precondition Failed", "/problems/precondition-failed"


class PayloadTooLarge(FlareError):
    status, title, type = 413, "Payload Too Large", "/problems/payload-too-large"


class UnsupportedMediaType(FlareError):
    status, title, type = 415, "Unsupported Media Type", "/problems/unsupported-media-type"


class ValidationFailed(FlareError):
    status, title, type = 422, "Request validation failed", "/problems/validation-error"

    def __init__(self, errors: list[FieldError]):
        noun = "field is" if len(errors) == 1 else "fields are"
        super().__init__(f"{len(errors)} {noun} invalid")
        self.errors = errors

    @classmethod
    def of(cls, field: str, message: str) -> "ValidationFailed":
        return cls([FieldError(field, message)])


class RateLimited(FlareError):
    status, title, type = 429, "Too Many Requests", "/problems/rate-limited"


class Unavailable(FlareError):
    status, title, type = 503, "Service Unavailable", "/problems/unavailable"

    def __init__(self, detail: str, *, retry_after: int = 1):
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
