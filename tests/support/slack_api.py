"""A local stand-in of Slack for the outbound side: the Web API's `chat.postMessage` and incoming webhooks, answering
as Slack does, so that tests drive the real client library (slack_sdk) at it. Point the functions at it with
SLACK_API_URL=<url>/api/ (and `flare.settings.forget()`); an incoming webhook URL is `webhook_url(...)`.

What Slack answers (https://api.slack.com/methods/chat.postMessage, https://api.slack.com/messaging/webhooks):
- chat.postMessage: HTTP 200 with `{"ok": true, "channel": <channel id>, "ts": <ts>, "message": {...}}`, or HTTP 200
  with `{"ok": false, "error": <code>}` (not_authed, invalid_auth, channel_not_found, not_in_channel…); past its
  rate limit, HTTP 429 with `Retry-After` (seconds) and `{"ok": false, "error": "ratelimited"}`.
- an incoming webhook: HTTP 200 `ok` (text), or an error status with the code as text (403 invalid_token, 404
  no_service…); past the rate limit, HTTP 429 with `Retry-After`.
Every request is recorded (answered or refused), with when it arrived.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    """One request Slack received."""

    path: str
    token: str | None
    channel: str | None
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    user_agent: str
    at: float  # time.monotonic() on arrival
    status: int = 200  # the HTTP status answered
    error: str | None = None  # the error answered (None: posted)
    ts: str | None = None  # the posted message's ts
    channel_id: str | None = None  # the channel it was posted in, by id

    @property
    def posted(self) -> bool:
        return self.error is None

    @property
    def said(self) -> str:
        """Everything the post says: its text and every text of its blocks."""
        return "\n".join([self.text or "", *_texts(self.blocks or [])])


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        return found + [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


@dataclass
class SlackApi:
    """The stand-in: channels by name and id, tokens it knows, webhooks, and what it is told to refuse."""

    channels: dict[str, str] = field(
        default_factory=lambda: {"#incidents": "C0INCIDENTS", "#payments": "C0PAYMENTS", "#search": "C0SEARCH01"}
    )
    invalid_tokens: set[str] = field(default_factory=set)
    not_in_channel: set[str] = field(default_factory=set)  # channel ids the app may not post in
    webhooks: dict[str, str] = field(default_factory=dict)  # path → the channel id it posts in
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    _rate_limited: int = 0
    _retry_after: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _sequence: int = 0

    # ---- control -------------------------------------------------------------------------------------------

    def start(self) -> "SlackApi":
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                stand_in._answer(self, self.rfile.read(length))

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True, name="slack-stand-in").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def api_url(self) -> str:
        """SLACK_API_URL for this stand-in."""
        return self.url + "/api/"

    def webhook_url(self, channel_id: str = "C0WEBHOOK1", path: str = "/services/T0ACME0001/B0FLARE001/xyz") -> str:
        """An incoming webhook that posts in `channel_id`."""
        self.webhooks[path] = channel_id
        return self.url + path

    def rate_limit(self, requests: int, retry_after: int) -> None:
        """Answer the next `requests` requests 429 with this Retry-After."""
        with self._lock:
            self._rate_limited, self._retry_after = requests, retry_after

    @property
    def posts(self) -> list[Request]:
        """The requests that posted a message, in the order they arrived."""
        with self._lock:
            return [request for request in self.requests if request.posted]

    def in_channel(self, channel_id: str) -> list[Request]:
        return [post for post in self.posts if post.channel_id == channel_id]

    # ---- answering -------------------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        arrived = time.monotonic()
        kind = handler.headers.get("Content-Type", "")
        if "json" in kind:
            body = json.loads(raw or b"{}")
        else:  # a form (clients may send one): blocks as JSON text
            body = {name: values[-1] for name, values in parse_qs(raw.decode()).items()}
            if isinstance(body.get("blocks"), str):
                body["blocks"] = json.loads(body["blocks"])
        authorization = handler.headers.get("Authorization", "")
        request = Request(
            path=handler.path,
            token=authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else body.get("token"),
            channel=body.get("channel"),
            text=body.get("text"),
            blocks=body.get("blocks"),
            thread_ts=body.get("thread_ts"),
            user_agent=handler.headers.get("User-Agent", ""),
            at=arrived,
        )
        with self._lock:
            self.requests.append(request)
            limited = self._rate_limited > 0
            if limited:
                self._rate_limited -= 1
            if handler.path == "/api/chat.postMessage":
                status, answer = self._post_message(request, limited)
            elif handler.path in self.webhooks:
                status, answer = self._webhook(request, limited)
            else:
                status, answer = 404, "no_service"
        payload = (json.dumps(answer) if isinstance(answer, dict) else answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json" if isinstance(answer, dict) else "text/html")
        handler.send_header("Content-Length", str(len(payload)))
        if status == 429:
            handler.send_header("Retry-After", str(self._retry_after))
        handler.end_headers()
        handler.wfile.write(payload)

    def _refused(self, request: Request, status: int, error: str) -> tuple[int, Any]:
        request.status, request.error = status, error
        return status, {"ok": False, "error": error} if request.path.startswith("/api/") else error

    def _next_ts(self) -> str:
        self._sequence += 1
        return f"{1_795_000_000 + self._sequence}.{self._sequence:06d}"

    def _post_message(self, request: Request, limited: bool) -> tuple[int, Any]:
        if limited:
            return self._refused(request, 429, "ratelimited")
        if not request.token:
            return self._refused(request, 200, "not_authed")
        if not request.token.startswith("xoxb-") or request.token in self.invalid_tokens:
            return self._refused(request, 200, "invalid_auth")
        channel = request.channel or ""
        channel_id = self.channels.get(channel, channel if channel in self.channels.values() else None)
        if channel_id is None:
            return self._refused(request, 200, "channel_not_found")
        if channel_id in self.not_in_channel:
            return self._refused(request, 200, "not_in_channel")
        if not (request.text or request.blocks):
            return self._refused(request, 200, "no_text")
        request.ts, request.channel_id = self._next_ts(), channel_id
        message = {"type": "message", "subtype": "bot_message", "text": request.text, "ts": request.ts}
        if request.thread_ts:
            message["thread_ts"] = request.thread_ts
        return 200, {"ok": True, "channel": channel_id, "ts": request.ts, "message": message}

    def _webhook(self, request: Request, limited: bool) -> tuple[int, Any]:
        if limited:
            return self._refused(request, 429, "rate_limited")
        if not (request.text or request.blocks):
            return self._refused(request, 400, "invalid_payload")
        request.ts, request.channel_id = self._next_ts(), self.webhooks[request.path]
        return 200, "ok"
