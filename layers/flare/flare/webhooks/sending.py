"""One webhook request, SSRF-safe: the URL's name is resolved now, every address it resolves to must be one a
webhook may reach (webhooks.rules.address_allowed), and the request goes to that checked address, not to a second
lookup that could answer otherwise (DNS rebinding). TLS still verifies the certificate for the URL's name (SNI).
Redirects are never followed; a request takes at most 15 seconds."""

import socket
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit, urlunsplit

import httpx

from flare import clock, settings
from flare.webhooks.rules import TIMEOUT_SECONDS, Answer, address_allowed, retry_after_seconds

MAX_ERROR_CHARS = 300


class Refused(Exception):
    """Nothing was sent: the URL's name does not resolve (`transient`: it may later), or it resolves to an address
    webhooks may not reach (private, loopback, link-local…)."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class Sent:
    answer: Answer
    latency_ms: int


@cache
def _client() -> httpx.Client:
    # One pool per warm function; each delivery's connection is to the address checked for it.
    return httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=5), follow_redirects=False, trust_env=False)


def checked_address(url: str) -> str:
    """The address a request to `url` goes to: the first the name resolves to, once all of them are allowed."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        resolved = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"{parts.hostname} does not resolve ({error})", transient=True) from None
    addresses = list(dict.fromkeys(info[4][0] for info in resolved))
    allow_loopback = settings.settings().outbound_allow_loopback
    for address in addresses:
        if not address_allowed(address, allow_loopback=allow_loopback):
            raise Refused(f"{parts.hostname} resolves to {address}, which webhooks may not reach", transient=False)
    if not addresses:
        raise Refused(f"{parts.hostname} resolves to no address", transient=True)
    return addresses[0]


def post(url: str, body: bytes, headers: dict[str, str]) -> Sent:
    """POST `body` to `url` through its checked address; what came back and how long it took. Refused when the URL
    may not be reached (nothing is sent)."""
    parts = urlsplit(url)
    address = checked_address(url)
    host = f"[{address}]" if ":" in address else address
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rpartition("@")[2]
    started = time.monotonic()
    try:
        response = _client().post(
            pinned,
            content=body,
            headers=headers | {"Host": host_header},
            extensions={"sni_hostname": parts.hostname},
        )
    except httpx.TimeoutException:
        answer = Answer(None, f"no answer within {TIMEOUT_SECONDS} s")
    except httpx.HTTPError as error:
        answer = Answer(None, f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS])
    else:
        answer = Answer(
            response.status_code, None, retry_after_seconds(response.headers.get("retry-after"), clock.now())
        )
    return Sent(answer, int((time.monotonic() - started) * 1000))
