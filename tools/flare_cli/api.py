"""A small client of Flare's HTTP API (httpx): base URL, API key, problems as exceptions, polite retries."""

import time
from typing import Any
from urllib.parse import quote

import httpx

TIMEOUT_SECONDS = 10.0
# 429 (rate limited) and 503 (busy) are retried when the request may be repeated safely: a GET, or a POST with an
# Idempotency-Key (the API replays its first answer). At most this many retries, each after Retry-After seconds.
RETRIED_STATUSES = frozenset({429, 503})
MAX_RETRIES = 2
MAX_RETRY_WAIT_SECONDS = 30.0
DEFAULT_RETRY_WAIT_SECONDS = 1.0


class ProblemError(Exception):
    """The API refused the request: an RFC 9457 problem (or, from a proxy, any other non-2xx answer)."""

    def __init__(self, status: int, title: str, detail: str, errors: list[tuple[str, str]]):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ProblemError":
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "detail" not in body:
            text = " ".join(response.text.split())[:200]
            return cls(response.status_code, response.reason_phrase, text or f"HTTP {response.status_code}", [])
        errors = [(str(error.get("field", "")), str(error.get("message", ""))) for error in body.get("errors") or []]
        return cls(response.status_code, str(body.get("title", response.reason_phrase)), str(body["detail"]), errors)


class ApiUnreachable(Exception):
    """No answer from the API: DNS, connection refused, TLS, timeout."""


def path_segment(value: str) -> str:
    """An id or reference (`inc_…`, `INC-42`) as one URL path segment."""
    return quote(value, safe="")


class FlareApi:
    """Flare's API at `base_url` (the deployment's URL, without /api/v1), as the holder of `api_key`."""

    def __init__(self, base_url: str, api_key: str, *, transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "flare-cli"},
            timeout=TIMEOUT_SECONDS,
            transport=transport,
        )

    def __enter__(self) -> "FlareApi":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """The parsed JSON of a 2xx answer (None when it has no body); raises ProblemError or ApiUnreachable."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        repeatable = method == "GET" or (method == "POST" and idempotency_key is not None)
        for attempt in range(MAX_RETRIES + 1):
            response = self._send(method, path, json=json, params=params, headers=headers)
            wait = self._retry_wait(response) if repeatable and attempt < MAX_RETRIES else None
            if wait is None:
                break
            time.sleep(wait)
        if not response.is_success:
            raise ProblemError.from_response(response)
        return response.json() if response.content else None

    def every(self, path: str, items: str, params: dict[str, Any]) -> list[Any]:
        """Every item of a paginated list: its pages in order, following next_cursor."""
        collected: list[Any] = []
        cursor = None
        while True:
            page = self.request("GET", path, params={**params, "cursor": cursor} if cursor else params)
            collected += page[items]
            cursor = page.get("next_cursor")
            if not cursor:
                return collected

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise ApiUnreachable(
                f"cannot reach {self.base_url}: no answer within {TIMEOUT_SECONDS:g} s ({type(error).__name__})"
            ) from error
        except httpx.TransportError as error:
            raise ApiUnreachable(f"cannot reach {self.base_url}: {error or type(error).__name__}") from error

    @staticmethod
    def _retry_wait(response: httpx.Response) -> float | None:
        """Seconds to wait before repeating this answer's request, or None not to repeat it."""
        if response.status_code not in RETRIED_STATUSES:
            return None
        retry_after = response.headers.get("Retry-After")
        if retry_after is None:
            return DEFAULT_RETRY_WAIT_SECONDS
        try:
            seconds = float(retry_after)
        except ValueError:  # an HTTP date: Flare sends seconds, so this is some proxy; do not guess
            return None
        return max(seconds, 0.0) if seconds <= MAX_RETRY_WAIT_SECONDS else None
