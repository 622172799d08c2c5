"""`flare maintenance …`: schedule, list, start, complete and cancel maintenance windows through the API."""

import argparse
from typing import TYPE_CHECKING, Any

from flare_cli.commands import add_command, add_idempotency_key, emit, fields, note, service_names

if TYPE_CHECKING:
    from flare_cli.api import FlareApi


def _window(maintenance: dict[str, Any]) -> str:
    return f"{maintenance['scheduled_start_at']} → {maintenance['scheduled_end_at']}"


def one_line(maintenance: dict[str, Any]) -> str:
    return f"{maintenance['id']:<30} {maintenance['status']:<11} {_window(maintenance)}  {maintenance['title']}"


def block(maintenance: dict[str, Any]) -> str:
    automatic = [name for name in ("auto_start", "auto_complete") if maintenance[name]]
    timeline = maintenance.get("timeline") or []
    latest = None
    if timeline:
        event = timeline[0]
        latest = f"{event['type']} by {event['actor']}" + (f": {event['message']}" if event.get("message") else "")
    rows = [
        ("status", maintenance["status"]),
        ("window", _window(maintenance)),
        ("scheduler", ", ".join(automatic) or "off (start and complete it by hand)"),
        ("services", service_names(maintenance["affected_services"])),
        ("latest", latest),
    ]
    return f"{maintenance['id']}  {maintenance['title']}\n{fields(rows)}"


def _path(maintenance: str, action: str = "") -> str:
    from flare_cli.api import path_segment

    return f"/maintenances/{path_segment(maintenance)}{action}"


def create(api: "FlareApi", args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"title": args.title, "scheduled_start_at": args.start, "scheduled_end_at": args.end}
    if args.services:
        body["affected_services"] = args.services
    if args.description is not None:
        body["description"] = args.description
    if args.no_auto_start:
        body["auto_start"] = False
    if args.no_auto_complete:
        body["auto_complete"] = False
    emit(api.request("POST", "/maintenances", json=body, idempotency_key=args.idempotency_key), args.json, block)
    return 0


def get(api: "FlareApi", args: argparse.Namespace) -> int:
    emit(api.request("GET", _path(args.maintenance)), args.json, block)
    return 0


def list_(api: "FlareApi", args: argparse.Namespace) -> int:
    params = {name: value for name, value in (("status", args.statuses), ("limit", args.limit)) if value is not None}
    if args.all:
        page = {"maintenances": api.every("/maintenances", "maintenances", params), "next_cursor": None}
    else:
        page = api.request("GET", "/maintenances", params=params)
    emit(page, args.json, lambda listed: "\n".join(one_line(item) for item in listed["maintenances"]))
    if page["next_cursor"] and not args.json:
        note("more maintenances match: pass --all to list them all")
    return 0


def transition(api: "FlareApi", args: argparse.Namespace) -> int:
    body = {"message": args.message} if args.message is not None else {}
    moved = api.request(
        "POST", _path(args.maintenance, f"/{args.action}"), json=body, idempotency_key=args.idempotency_key
    )
    emit(moved, args.json, block)
    return 0


def add_commands(commands: argparse._SubParsersAction, api_options: argparse.ArgumentParser) -> None:
    maintenance = commands.add_parser("maintenance", help="maintenance windows (through the API)")
    actions = maintenance.add_subparsers(dest="maintenance_command", required=True, metavar="COMMAND")

    def maintenance_id(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("maintenance", metavar="ID", help="a maintenance id (mnt_…)")

    create_ = add_command(
        actions, api_options, "create", create, "schedule a maintenance: it starts and completes by itself"
    )
    create_.add_argument("--title", required=True)
    create_.add_argument("--start", required=True, metavar="RFC3339", help="scheduled start, e.g. 2026-05-01T22:00Z")
    create_.add_argument("--end", required=True, metavar="RFC3339", help="scheduled end")
    create_.add_argument("--service", dest="services", action="append", metavar="SVC_ID", help="an affected service")
    create_.add_argument("--description")
    create_.add_argument("--no-auto-start", action="store_true", help="the scheduler does not start it")
    create_.add_argument("--no-auto-complete", action="store_true", help="the scheduler does not complete it")
    add_idempotency_key(create_)

    maintenance_id(add_command(actions, api_options, "get", get, "show a maintenance and its latest event"))

    list_parser = add_command(actions, api_options, "list", list_, "list maintenances")
    list_parser.add_argument(
        "--status", dest="statuses", action="append", help="scheduled, in_progress, completed, cancelled (repeatable)"
    )
    list_parser.add_argument("--limit", type=int, metavar="N", help="page size (1-100, default 50)")
    list_parser.add_argument("--all", action="store_true", help="follow next_cursor to the last page")

    for action, summary in (
        ("start", "start a scheduled maintenance now"),
        ("complete", "complete a maintenance in progress"),
        ("cancel", "cancel a scheduled maintenance"),
    ):
        parser = add_command(actions, api_options, action, transition, summary)
        parser.set_defaults(action=action)
        maintenance_id(parser)
        parser.add_argument("--message", help="recorded on the timeline with the transition")
        add_idempotency_key(parser)
