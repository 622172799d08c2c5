"""`flare incident …`: file, read, list, update, publish and resolve incidents through the API."""

import argparse
import json
from typing import TYPE_CHECKING, Any

from flare_cli.commands import add_command, add_idempotency_key, emit, fields, note, service_names

if TYPE_CHECKING:
    from flare_cli.api import FlareApi

UNRESOLVED_STATUSES = ["investigating", "identified", "monitoring"]
PAGE_SIZE = 100  # the API's largest


def json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from error
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def key_value(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def _metadata(args: argparse.Namespace) -> dict[str, Any] | None:
    return dict(args.meta) if args.meta else args.metadata


def _given(**values: Any) -> dict[str, Any]:
    """The request fields the user gave (the API's defaults stand for the others)."""
    return {name: value for name, value in values.items() if value is not None and value is not False}


def reference(incident: dict[str, Any]) -> str:
    """How people call an incident: its short reference (INC-42) where the API gives one, else its id."""
    return incident.get("reference") or incident["id"]


def lines(incidents: list[dict[str, Any]]) -> str:
    """One line per incident: reference (or id), severity, status, lifecycle, title."""
    width = max((len(reference(incident)) for incident in incidents), default=0)
    return "\n".join(
        f"{reference(incident):<{width}}  {incident['severity']:<11} {incident['status']:<13} "
        f"{incident['lifecycle']:<8} {incident['title']}"
        for incident in incidents
    )


def block(incident: dict[str, Any]) -> str:
    dedupe_key = " / ".join(filter(None, [incident.get("source"), incident.get("external_id")]))
    messages = incident.get("messages") or []
    latest = f"{messages[0]['type']}: {messages[0]['description']}" if messages else None
    rows = [
        ("id", incident["id"] if reference(incident) != incident["id"] else None),
        ("severity", incident["severity"]),
        ("status", f"{incident['status']} ({incident['lifecycle']})"),
        ("services", service_names(incident["affected_services"])),
        ("source", dedupe_key),
        ("occurrences", incident["occurrences"] if dedupe_key else None),
        ("tags", ", ".join(incident["tags"])),
        ("metadata", json.dumps(incident["metadata"], ensure_ascii=False) if incident["metadata"] else None),
        ("created", incident["created_at"]),
        ("resolved", incident.get("resolved_at")),
        ("latest", latest),
    ]
    return f"{reference(incident)}  {incident['title']}\n{fields(rows)}"


def _path(incident: str, action: str = "") -> str:
    from flare_cli.api import path_segment

    return f"/incidents/{path_segment(incident)}{action}"


def create(api: "FlareApi", args: argparse.Namespace) -> int:
    body = _given(
        title=args.title,
        severity=args.severity,
        description=args.description,
        affected_services=args.services,
        publish=args.publish,
        status=args.status,
        source=args.source,
        external_id=args.external_id,
        tags=args.tags,
        metadata=_metadata(args),
    )
    if args.message is not None:
        body["initial_message"] = {"type": args.status or "investigating", "description": args.message}
    emit(api.request("POST", "/incidents", json=body, idempotency_key=args.idempotency_key), args.json, block)
    return 0


def get(api: "FlareApi", args: argparse.Namespace) -> int:
    emit(api.request("GET", _path(args.incident)), args.json, block)
    return 0


def list_(api: "FlareApi", args: argparse.Namespace) -> int:
    params = _given(
        status=args.statuses,
        severity=args.severity,
        lifecycle=args.lifecycle,
        service=args.service,
        tag=args.tag,
        limit=args.limit,
    )
    if args.all:
        page = {"incidents": api.every("/incidents", "incidents", params), "next_cursor": None}
    else:
        page = api.request("GET", "/incidents", params=params)
    emit(page, args.json, lambda listed: lines(listed["incidents"]))
    if page["next_cursor"] and not args.json:
        note("more incidents match: pass --all to list them all")
    return 0


def update(api: "FlareApi", args: argparse.Namespace) -> int:
    body = _given(
        title=args.title,
        severity=args.severity,
        description=args.description,
        status=args.status,
        message=args.message,
        affected_services=args.services,
        tags=args.tags,
        metadata=_metadata(args),
    )
    if not body:
        args.parser.error("nothing to change: give at least one of the options")
    emit(api.request("PATCH", _path(args.incident), json=body), args.json, block)
    return 0


def publish(api: "FlareApi", args: argparse.Namespace) -> int:
    emit(api.request("POST", _path(args.incident, "/publish"), idempotency_key=args.idempotency_key), args.json, block)
    return 0


def resolve(api: "FlareApi", args: argparse.Namespace) -> int:
    by_id = args.incident is not None
    by_key = args.source is not None and args.external_id is not None
    half_a_key = (args.source is None) != (args.external_id is None)
    if by_id == by_key or half_a_key:
        args.parser.error("give an incident ID, or both --source and --external-id")
    if by_key:
        query = {
            "status": UNRESOLVED_STATUSES,
            "source": args.source,
            "external_id": args.external_id,
            "limit": PAGE_SIZE,
        }
        targets = [incident["id"] for incident in api.every("/incidents", "incidents", query)]
        if not targets:
            note(f"no unresolved incident has source {args.source!r} and external id {args.external_id!r}")
            return 0
    else:
        targets = [args.incident]
    body = _given(description=args.message)
    for incident in targets:
        resolved = api.request("POST", _path(incident, "/resolve"), json=body, idempotency_key=args.idempotency_key)
        emit(resolved, args.json, block)
    return 0


def add_commands(commands: argparse._SubParsersAction, api_options: argparse.ArgumentParser) -> None:
    incident = commands.add_parser("incident", help="incidents (through the API)")
    actions = incident.add_subparsers(dest="incident_command", required=True, metavar="COMMAND")

    def command(name: str, run: Any, summary: str, description: str | None = None) -> argparse.ArgumentParser:
        return add_command(actions, api_options, name, run, summary, description)

    def incident_id(parser: argparse.ArgumentParser, **kwargs: Any) -> None:
        parser.add_argument("incident", metavar="ID", help="an incident id (inc_…) or reference (INC-42)", **kwargs)

    def content(parser: argparse.ArgumentParser, replaces: str = "") -> None:
        parser.add_argument("--severity", help="critical, major, minor, low, maintenance (or an alias: P1, Sev 2…)")
        parser.add_argument("--description")
        parser.add_argument(
            "--service", dest="services", action="append", metavar="SVC_ID", help=f"an affected service{replaces}"
        )
        parser.add_argument("--tag", dest="tags", action="append", metavar="TAG", help=f"a tag{replaces}")
        metadata = parser.add_mutually_exclusive_group()
        metadata.add_argument("--metadata", type=json_object, metavar="JSON", help=f"a JSON object{replaces}")
        metadata.add_argument(
            "--meta", type=key_value, action="append", metavar="KEY=VALUE", help=f"a metadata string{replaces}"
        )

    create_ = command("create", create, "file an incident (a draft unless --publish)")
    create_.add_argument("--title", required=True)
    content(create_)
    create_.add_argument("--publish", action="store_true", help="publish at once (lifecycle active)")
    create_.add_argument("--status", help="investigating (default), identified, monitoring, resolved")
    create_.add_argument("--message", help="the first timeline message (of type --status)")
    create_.add_argument("--source", help="with --external-id: while that incident is unresolved, a repeat returns it")
    create_.add_argument("--external-id", metavar="ID")
    add_idempotency_key(create_)

    incident_id(command("get", get, "show an incident and its latest message"))

    list_parser = command("list", list_, "list incidents, newest first")
    list_parser.add_argument("--status", dest="statuses", action="append", help="repeat to match any of several")
    list_parser.add_argument("--severity")
    list_parser.add_argument("--lifecycle", help="draft, active or resolved")
    list_parser.add_argument("--service", metavar="SVC_ID")
    list_parser.add_argument("--tag")
    list_parser.add_argument("--limit", type=int, metavar="N", help="page size (1-100, default 50)")
    list_parser.add_argument("--all", action="store_true", help="follow next_cursor to the last page")

    update_ = command("update", update, "change an incident (PATCH); --status needs --message")
    incident_id(update_)
    update_.add_argument("--title")
    content(update_, replaces=" (repeat for several; replaces the current ones)")
    update_.add_argument("--status", help="investigating, identified, monitoring, resolved")
    update_.add_argument("--message", help="a timeline message: of type --status, else an update")

    publish_ = command("publish", publish, "publish a draft incident")
    incident_id(publish_)
    add_idempotency_key(publish_)

    resolve_ = command(
        "resolve",
        resolve,
        "resolve an incident, by ID or by --source and --external-id",
        description="Resolve an incident: the one named by ID, or the unresolved one filed with --source and "
        "--external-id (GET /incidents?source=…&external_id=…). Finding none is not an error: it prints a note "
        "and exits 0.",
    )
    incident_id(resolve_, nargs="?")
    resolve_.add_argument("--source")
    resolve_.add_argument("--external-id", metavar="ID")
    resolve_.add_argument("--message", help="the resolved message (default: the API's)")
    add_idempotency_key(resolve_)
