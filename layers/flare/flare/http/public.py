"""Answers of the public status page routes (no API key): one snapshot read, then cached by browsers and CDNs
(Cache-Control, ETag and 304, Last-Modified) and hardened (Content-Security-Policy without script, nosniff,
no framing, no referrer). A route handler names its media type and how it renders the page's view."""

import hashlib
import inspect
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from flare import clock, settings
from flare.errors import BadRequest, NotFound
from flare.http.entry import request_id
from flare.http.responses import problem
from flare.status_pages import feeds, public
from flare.status_pages.html import STYLE_HASH, Pages, error_page
from flare.status_pages.snapshot import Snapshot
from flare.status_pages.statuspage import DOCUMENTS, Documents

HTML = "text/html; charset=utf-8"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"

# As flare.http.routes spells it; not imported from there, which would load the idempotency machinery (and its
# store) into every public function at cold start.
PATH_PARAMETER = re.compile(r"<(\w+)>")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def cache_control() -> str:
    max_age = settings.settings().status_page_max_age
    return f"public, max-age={max_age}, stale-while-revalidate={2 * max_age}"


@dataclass(frozen=True)
class View:
    """One public request of one page: its snapshot, where readers reach the page, and now."""

    snapshot: Snapshot
    page_path: str  # /status/<slug> behind whatever stage or base path the request came through
    page_url: str  # the same, absolute
    now: datetime

    def pages(self) -> Pages:
        return Pages(self.snapshot, self.page_path, self.now)

    def documents(self) -> Documents:
        return Documents(self.snapshot, self.page_url)


def _location(app: APIGatewayRestResolver, slug: str) -> tuple[str, str]:
    """The page's path and URL as the reader used them: API Gateway's request path carries the stage (or the
    custom domain's base path) before the route's own path; the domain is the one API Gateway answered on."""
    event = app.current_event
    context = event.raw_event.get("requestContext") or {}
    full_path, route_path = context.get("path") or event.path, event.path
    prefix = full_path[: -len(route_path)] if route_path and full_path.endswith(route_path) else ""
    domain = context.get("domainName") or event.headers.get("host") or "localhost"
    scheme = (event.headers.get("x-forwarded-proto") or "https").split(",")[0].strip()
    path = f"{prefix}/status/{slug}"
    return path, f"{scheme}://{domain}{path}"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    given = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in given or etag in given


def answer(
    app: APIGatewayRestResolver, slug: str, media_type: str, render: Callable[[View], str | bytes | None]
) -> Response:
    """The page's view rendered as `media_type` (200, or 304 when the reader has it), else 404 in the route's
    own media (an HTML page, or a JSON problem)."""
    snapshot = public.shown(slug)
    if snapshot is None:
        return error(app, media_type, 404, "There is no status page at this address.")
    path, url = _location(app, slug)
    now = clock.now()
    event = app.current_event
    # A herd asks a warm function for the same page again and again: what it rendered is kept until the page
    # changes (a new build), or the page's day does (the uptime bar ends today).
    today = now.astimezone(ZoneInfo(snapshot.time_zone)).date()
    key = (snapshot.page_id, snapshot.built_at, url, event.path, str(event.query_string_parameters), today)
    if (rendered := _rendered.get(key)) is None:
        body = render(View(snapshot, path, url, now))
        content = body if isinstance(body, bytes) else body.encode() if body is not None else None
        etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"' if content is not None else ""
        rendered = _rendered.keep(key, (content, etag))
    content, etag = rendered
    if content is None:
        return error(app, media_type, 404, "This status page shows nothing at this address.")
    headers = SECURITY_HEADERS | {
        "ETag": etag,
        "Last-Modified": format_datetime(snapshot.updated_at, usegmt=True),
        "Cache-Control": cache_control(),
    }
    if media_type == JSON:
        headers["Access-Control-Allow-Origin"] = "*"  # widgets read Statuspage JSON from other origins
    if _matches(app.current_event.headers.get("if-none-match"), etag):
        return Response(304, None, "", headers=headers)
    return Response(200, media_type, content.decode(), headers=headers)


class _Rendered:
    """The last answers rendered, by what they were rendered from (a few pages' worth)."""

    def __init__(self, size: int = 64) -> None:
        self._size, self._kept = size, OrderedDict()

    def get(self, key):
        if key in self._kept:
            self._kept.move_to_end(key)
        return self._kept.get(key)

    def keep(self, key, value):
        self._kept[key] = value
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return value


_rendered = _Rendered()


def error(app: APIGatewayRestResolver, media_type: str, status: int, detail: str) -> Response:
    """An error of a public route: a JSON problem on the JSON routes, a page everywhere else."""
    headers = SECURITY_HEADERS | {"Cache-Control": cache_control()}
    if media_type == JSON:
        response = problem(NotFound(detail) if status == 404 else BadRequest(detail), request_id(app))
        response.headers.update(headers)
        return response
    return Response(status, HTML, error_page(status, detail), headers=headers)


def public_route(
    app: APIGatewayRestResolver,
    name: str,
    path: str,
    media_type: str,
    render: Callable[..., str | bytes | None],
    **documentation: Any,
) -> None:
    """GET <path> (its first parameter the slug): `render(view, *the other path parameters)`."""
    slug, *others = PATH_PARAMETER.findall(path)
    if slug != "slug":
        raise ValueError(f"{path}: a public route's first parameter is the slug")

    def route(**arguments: str) -> Response:
        return answer(app, arguments["slug"], media_type, lambda view: render(view, *(arguments[o] for o in others)))

    parameters = [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, annotation=str) for p in [slug, *others]]
    route.__name__ = route.__qualname__ = name
    route.__signature__ = inspect.Signature(parameters, return_annotation=Response[str])
    route.__annotations__ = {p: str for p in [slug, *others]} | {"return": Response[str]}
    responses = {200: {"description": "The page", "content": {media_type.split(";")[0]: {}}}}
    app.get(path, responses=responses, **documentation)(route)


def statuspage_route(app: APIGatewayRestResolver, name: str, document: str) -> None:
    """GET /status/<slug>/api/v2/<document>: one of Statuspage's public documents (statuspage.DOCUMENTS)."""
    public_route(
        app,
        name,
        f"/status/<slug>/api/v2/{document}",
        JSON,
        lambda view: json.dumps(DOCUMENTS[document](view.documents()), ensure_ascii=False),
        summary=f"Statuspage-compatible {document}",
        description="Field for field as Atlassian Statuspage's public status API (v2); docs/status-pages.md maps "
        "Flare's vocabulary onto Statuspage's.",
        tags=["public status pages"],
    )


_FEEDS = {"atom": (ATOM, feeds.atom), "rss": (RSS, feeds.rss)}


def feed_route(app: APIGatewayRestResolver, name: str, kind: str) -> None:
    """GET /status/<slug>/history.<kind>: the page's incidents and maintenances as an Atom or RSS 2.0 feed."""
    media_type, render = _FEEDS[kind]
    public_route(
        app,
        name,
        f"/status/<slug>/history.{kind}",
        media_type,
        lambda view: render(view.snapshot, view.page_url),
        summary=f"A status page's history ({'Atom' if kind == 'atom' else 'RSS'})",
        tags=["public status pages"],
    )
