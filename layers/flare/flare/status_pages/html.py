"""The status page as people read it: server-rendered HTML that works with JavaScript off, from the snapshot.

Every piece of text that a user wrote (names, titles, messages) goes through `_text`: titles and messages are
attacker-controlled as far as a reader's browser is concerned. The one stylesheet is inline and allowed by its
hash in the Content-Security-Policy (STYLE_HASH), so the page loads nothing else and runs no script. Status is
always said in words beside its colour and symbol.
"""

import base64
import hashlib
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from flare.status_pages.snapshot import PublicComponent, Snapshot, page_status, uptime_days, worst

UPTIME_DAYS_SHOWN = 90  # the bar's length at most (a page's history_days may be longer)
LABEL = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
BANNER = {
    "operational": "All systems operational",
    "degraded_performance": "Some systems are degraded",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Maintenance in progress",
}
SYMBOL = {
    "operational": "✓",
    "degraded_performance": "▲",
    "partial_outage": "◆",
    "major_outage": "✕",
    "under_maintenance": "◷",
}
_CELL = {
    "operational": "o",
    "degraded_performance": "d",
    "partial_outage": "p",
    "major_outage": "m",
    "under_maintenance": "u",
    None: "n",
}
INCIDENT_STATUS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
}

# Colours meet WCAG AA (4.5:1) for their text in both schemes.
STYLE = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1b1b;--muted:#595959;--line:#d0d0d0;--card:#f6f6f6;
--o:#1a7f37;--d:#8a6100;--p:#b35900;--m:#c62828;--u:#1f5fbf;--n:#8c8c8c}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#ececec;--muted:#b0b0b0;--line:#3a3a3a;
--card:#1e1e1e;--o:#4cc36b;--d:#e0b341;--p:#f0964a;--m:#ff7070;--u:#7fb0ff;--n:#777}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main,header,footer{max-width:52rem;margin:0 auto;padding:1rem}a{color:inherit}
a:focus-visible{outline:3px solid var(--u);outline-offset:2px}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin:2rem 0 .5rem}h3{font-size:1rem;margin:0}
.banner{border:2px solid currentColor;border-radius:.5rem;padding:.75rem 1rem;font-weight:700;font-size:1.15rem}
.s-operational{color:var(--o)}.s-degraded_performance{color:var(--d)}.s-partial_outage{color:var(--p)}
.s-major_outage{color:var(--m)}.s-under_maintenance{color:var(--u)}
ul.plain{list-style:none;padding:0;margin:0}.card{background:var(--card);border:1px solid var(--line);
border-radius:.5rem;padding:.75rem 1rem;margin:.5rem 0}.row{display:flex;flex-wrap:wrap;gap:.25rem 1rem;
justify-content:space-between;align-items:baseline}.muted{color:var(--muted);font-size:.9rem}
.status{font-weight:600;white-space:nowrap}.bar{display:flex;gap:1px;height:1.5rem;margin:.4rem 0 .2rem}
.bar i{flex:1;border-radius:1px;background:var(--n)}.bar .o{background:var(--o)}.bar .d{background:var(--d)}
.bar .p{background:var(--p)}.bar .m{background:var(--m)}.bar .u{background:var(--u)}
.update{border-left:3px solid var(--line);padding-left:.75rem;margin:.75rem 0}.update p{margin:.25rem 0;
white-space:pre-line;overflow-wrap:anywhere}nav.pages{display:flex;justify-content:space-between;margin:1.5rem 0}
""".strip()
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def _text(value: object) -> str:
    return escape(str(value), quote=True)


class Pages:
    """The HTML pages of one snapshot. `page_path`: the page's own path as readers reach it (/status/<slug>,
    behind the API's stage or domain), which every link starts from."""

    def __init__(self, snapshot: Snapshot, page_path: str, now: datetime) -> None:
        self.snapshot, self.page_path, self.now = snapshot, page_path, now
        self.zone = ZoneInfo(snapshot.time_zone)
        self._names = {component.id: component.name for component in snapshot.components}

    # ---- pieces -------------------------------------------------------------------------------------------

    def _time(self, at: datetime | None) -> str:
        if at is None:
            return ""
        local = at.astimezone(self.zone)
        utc = at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M UTC")
        shown = f"{local:%d %b %Y, %H:%M} {local.tzname()}"
        return f'<time datetime="{_text(at.isoformat())}" title="{_text(utc)}">{_text(shown)}</time>'

    def _status(self, status: str) -> str:
        return (
            f'<span class="status s-{status}"><span aria-hidden="true">{SYMBOL[status]}</span> {LABEL[status]}</span>'
        )

    def _components_of(self, component_ids: list[str]) -> str:
        names = [self._names[component_id] for component_id in component_ids if component_id in self._names]
        return f'<p class="muted">Affects: {_text(", ".join(names))}</p>' if names else ""

    def _updates(self, updates) -> str:
        return "".join(
            f'<div class="update"><h3>{_text(INCIDENT_STATUS.get(update.status, update.status))}</h3>'
            f'<p>{_text(update.body)}</p><p class="muted">{self._time(update.created_at)}</p></div>'
            for update in updates
        )

    def _record_card(self, record, *, with_updates: bool, heading: str = "h3") -> str:
        link = f"{self.page_path}/incidents/{_text(getattr(record, 'reference', None) or record.id)}"
        when = (
            f"Scheduled {self._time(record.scheduled_for)} – {self._time(record.scheduled_until)}"
            if hasattr(record, "scheduled_for")
            else f"Started {self._time(record.started_at)}"
        )
        return (
            f'<li class="card"><div class="row"><{heading}><a href="{link}">{_text(record.title)}</a></{heading}>'
            f'<span class="status">{_text(INCIDENT_STATUS[record.status])}</span></div>'
            f'<p class="muted">{when}</p>{self._components_of(record.component_ids)}'
            f"{self._updates(record.updates) if with_updates else ''}</li>"
        )

    def _uptime(self, component: PublicComponent, today: date) -> str:
        days = uptime_days(component, today, min(self.snapshot.history_days, UPTIME_DAYS_SHOWN))
        cells = "".join(f"<i class={_CELL[status]}></i>" for _, status in days)
        bad = [(day, status) for day, status in days if status not in ("operational", None)]
        known = sum(1 for _, status in days if status is not None)
        with_data = f"{known} day{'s' if known != 1 else ''} with data"
        if not known:
            summary = "No data yet."
        elif not bad:
            summary = f"Operational on {'all' if known > 1 else 'the'} {with_data}."
        else:
            listed = "; ".join(f"{day}: {LABEL[status].lower()}" for day, status in bad[-10:])
            more = f" ({len(bad) - 10} earlier not listed)" if len(bad) > 10 else ""
            summary = f"Operational on {known - len(bad)} of {with_data}. {listed}{more}."
        return (
            f'<div class="bar" aria-hidden="true">{cells}</div>'
            f'<p class="muted">Last {len(days)} days: {_text(summary)}</p>'
        )

    def _component(self, component: PublicComponent, today: date) -> str:
        uptime = self._uptime(component, today) if self.snapshot.show_uptime else ""
        return (
            f'<li class="card"><div class="row"><strong>{_text(component.name)}</strong>'
            f"{self._status(component.status)}</div>{uptime}</li>"
        )

    def _document(self, title: str, body: str, status: int = 200) -> str:
        snapshot, path = self.snapshot, self.page_path
        feeds = (
            f'<link rel="alternate" type="application/atom+xml" title="{_text(snapshot.name)}: history (Atom)" '
            f'href="{path}/history.atom"><link rel="alternate" type="application/rss+xml" '
            f'title="{_text(snapshot.name)}: history (RSS)" href="{path}/history.rss">'
        )
        support = (
            f' · <a href="{_text(snapshot.support_url)}" rel="noopener noreferrer">Get help</a>'
            if snapshot.support_url
            else ""
        )
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{_text(title)}</title>{feeds}<style>{STYLE}</style></head><body>"
            f'<header><p><a href="{path}">{_text(snapshot.name)}</a></p></header><main>{body}</main>'
            f'<footer class="muted"><a href="{path}/history">History</a> · <a href="{path}/history.atom">Atom</a> · '
            f'<a href="{path}/history.rss">RSS</a> · <a href="{path}/api/v2/summary.json">JSON</a>{support}</footer>'
            "</body></html>"
        )

    # ---- the pages ----------------------------------------------------------------------------------------

    def status_page(self) -> str:
        snapshot = self.snapshot
        today = self.now.astimezone(self.zone).date()
        overall = page_status(snapshot)
        body = [
            f"<h1>{_text(snapshot.name)}</h1>",
            f"<p>{_text(snapshot.description)}</p>" if snapshot.description else "",
            f'<p class="banner s-{overall}" role="status"><span aria-hidden="true">{SYMBOL[overall]}</span> '
            f"{BANNER[overall]}</p>",
        ]
        active = [incident for incident in snapshot.incidents if not incident.resolved]
        if active:
            cards = "".join(self._record_card(incident, with_updates=True) for incident in active)
            body.append(_section("active", "Active incidents", f'<ul class="plain">{cards}</ul>'))
        for status, heading in (("in_progress", "Maintenance in progress"), ("scheduled", "Upcoming maintenance")):
            shown = [m for m in snapshot.maintenances if m.status == status]
            if shown:
                anchor = status.replace("_", "-")
                cards = "".join(self._record_card(m, with_updates=status == "in_progress") for m in shown)
                body.append(_section(anchor, heading, f'<ul class="plain">{cards}</ul>'))
        body.append('<section aria-labelledby="components"><h2 id="components">Components</h2>')
        grouped = {component_id for group in snapshot.groups for component_id in group.component_ids}
        by_id = {component.id: component for component in snapshot.components}
        loose = [c for c in snapshot.components if c.id not in grouped]
        if loose:
            body.append(f'<ul class="plain">{"".join(self._component(c, today) for c in loose)}</ul>')
        for group in snapshot.groups:
            members = [by_id[component_id] for component_id in group.component_ids]
            body.append(
                f'<h3 class="row">{_text(group.name)} {self._status(worst(m.status for m in members))}</h3>'
                f'<ul class="plain">{"".join(self._component(m, today) for m in members)}</ul>'
            )
        body.append("</section>")
        recent = [incident for incident in snapshot.incidents if incident.resolved][:5]
        if recent:
            cards = "".join(self._record_card(incident, with_updates=False) for incident in recent)
            more = f'<p><a href="{self.page_path}/history">All history</a></p>'
            body.append(_section("recent", "Recently resolved", f'<ul class="plain">{cards}</ul>{more}'))
        return self._document(snapshot.name, "".join(body))

    def record_page(self, given: str) -> str | None:
        """The page of one incident (by id or INC-reference) or maintenance (by id); None when not shown."""
        record = self.snapshot.incident(given) or next(
            (m for m in self.snapshot.maintenances if m.id.casefold() == given.strip().casefold()), None
        )
        if record is None:
            return None
        body = f'<ul class="plain">{self._record_card(record, with_updates=True, heading="h1")}</ul>'
        return self._document(f"{record.title} · {self.snapshot.name}", body)

    def history_page(self, month: str | None) -> str:
        """Past incidents and maintenances of one month (YYYY-MM in the page's time zone; default: the latest
        month with any), with links to the months before and after that have some."""
        snapshot = self.snapshot
        ended = [(i.resolved_at, i) for i in snapshot.incidents if i.resolved]
        ended += [(m.ended_at, m) for m in snapshot.maintenances if m.ended]
        by_month: dict[str, list] = {}
        for at, record in sorted(ended, key=lambda pair: pair[0], reverse=True):
            by_month.setdefault(f"{at.astimezone(self.zone):%Y-%m}", []).append(record)
        months = sorted(by_month, reverse=True)
        month = month or (months[0] if months else f"{self.now.astimezone(self.zone):%Y-%m}")
        records = by_month.get(month, [])
        cards = "".join(self._record_card(record, with_updates=False) for record in records)
        listing = f'<ul class="plain">{cards}</ul>' if records else "<p>Nothing happened this month.</p>"
        older = [m for m in months if m < month][:1]
        newer = [m for m in reversed(months) if m > month][:1]
        links = (
            f'<a href="{self.page_path}/history?month={older[0]}">Older ({older[0]})</a>' if older else "<span></span>"
        ) + (f'<a href="{self.page_path}/history?month={newer[0]}">Newer ({newer[0]})</a>' if newer else "")
        body = f'<h1>History: {_text(month)}</h1>{listing}<nav class="pages" aria-label="Months">{links}</nav>'
        return self._document(f"{snapshot.name}: history, {month}", body)


def _section(anchor: str, heading: str, inner: str) -> str:
    return f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{heading}</h2>{inner}</section>'


ERROR_TITLE = {400: "Bad request", 404: "Not found"}


def error_page(status: int, detail: str) -> str:
    """A page for an unknown status page or incident, or a malformed request (nothing of any page is in it)."""
    title = ERROR_TITLE.get(status, "Error")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body><main><h1>{title}</h1>"
        f"<p>{_text(detail)}</p></main></body></html>"
    )
