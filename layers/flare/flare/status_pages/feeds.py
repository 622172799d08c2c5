"""The page's history as feeds (Atom 1.0 and RSS 2.0): one entry per incident or maintenance shown, revised in
place as it changes (a stable id; `updated` moves), linking to its page. ElementTree escapes every text."""

from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree

from flare.clock import iso
from flare.status_pages.html import INCIDENT_STATUS
from flare.status_pages.snapshot import Snapshot

ATOM = "http://www.w3.org/2005/Atom"


def _records(snapshot: Snapshot) -> list:
    """Incidents and maintenances, most recently changed first."""
    return sorted([*snapshot.incidents, *snapshot.maintenances], key=lambda record: record.updated_at, reverse=True)


def _summary(record) -> str:
    latest = record.updates[0].body if record.updates else ""
    return f"{INCIDENT_STATUS[record.status]}: {latest}".strip().rstrip(":")


def _entry_id(snapshot: Snapshot, record) -> str:
    return f"urn:flare:status-page:{snapshot.page_id}:{record.id}"


def _link(page_url: str, record) -> str:
    return f"{page_url}/incidents/{getattr(record, 'reference', None) or record.id}"


def _serialised(root: ElementTree.Element) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def atom(snapshot: Snapshot, page_url: str) -> bytes:
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")

    def add(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str):
        child = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        child.text = text
        return child

    add(feed, "id", f"urn:flare:status-page:{snapshot.page_id}")
    add(feed, "title", f"{snapshot.name}: history")
    add(feed, "updated", iso(snapshot.updated_at))
    add(feed, "link", rel="alternate", type="text/html", href=page_url)
    add(feed, "link", rel="self", type="application/atom+xml", href=f"{page_url}/history.atom")
    add(add(feed, "author"), "name", snapshot.name)
    for record in _records(snapshot):
        entry = add(feed, "entry")
        add(entry, "id", _entry_id(snapshot, record))
        add(entry, "title", record.title)
        add(entry, "updated", iso(record.updated_at))
        add(entry, "published", iso(getattr(record, "published_at", None) or record.created_at))
        add(entry, "link", rel="alternate", type="text/html", href=_link(page_url, record))
        add(entry, "summary", _summary(record), type="text")
    return _serialised(feed)


def _rfc822(at: datetime) -> str:
    return format_datetime(at, usegmt=True)


def rss(snapshot: Snapshot, page_url: str) -> bytes:
    root = ElementTree.Element("rss", {"version": "2.0"})
    channel = ElementTree.SubElement(root, "channel")

    def add(parent: ElementTree.Element, tag: str, text: str, **attributes: str) -> ElementTree.Element:
        child = ElementTree.SubElement(parent, tag, attributes)
        child.text = text
        return child

    add(channel, "title", f"{snapshot.name}: history")
    add(channel, "link", page_url)
    add(channel, "description", snapshot.description or f"Incidents and maintenances of {snapshot.name}")
    add(channel, "lastBuildDate", _rfc822(snapshot.updated_at))
    for record in _records(snapshot):
        item = ElementTree.SubElement(channel, "item")
        add(item, "title", record.title)
        add(item, "link", _link(page_url, record))
        add(item, "guid", _entry_id(snapshot, record), isPermaLink="false")
        add(item, "pubDate", _rfc822(record.updated_at))
        add(item, "description", _summary(record))
    return _serialised(root)
