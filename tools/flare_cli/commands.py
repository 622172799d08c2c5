"""What the API commands share: how they are declared, and what they print (the API's JSON, or a few lines)."""

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any


def add_command(
    actions: argparse._SubParsersAction,
    api_options: argparse.ArgumentParser,
    name: str,
    run: Callable[..., int],
    summary: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A command that talks to the API: `run(api, args)` runs it; `args.parser.error` reports a usage error."""
    parser = actions.add_parser(name, parents=[api_options], help=summary, description=description or summary)
    parser.set_defaults(run=run, parser=parser)
    return parser


def add_idempotency_key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--idempotency-key", metavar="KEY", help="sent as Idempotency-Key: a repeat within 24 hours is replayed"
    )


def emit(data: Any, as_json: bool, readable: Callable[[Any], str]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if as_json else readable(data))


def note(text: str) -> None:
    """A remark for the person at the terminal (on stderr: stdout stays what --json promises)."""
    print(f"flare: {text}", file=sys.stderr)


def fields(rows: list[tuple[str, Any]]) -> str:
    """`  label: value` lines, aligned, leaving out empty values."""
    shown = [(label, value) for label, value in rows if value not in (None, "", [], {})]
    width = max((len(label) for label, _ in shown), default=0) + 1
    return "\n".join(f"  {label + ':':<{width}} {value}" for label, value in shown)


def service_names(affected_services: list[dict[str, Any]]) -> str:
    return ", ".join(f"{service.get('name') or '(deleted)'} ({service['id']})" for service in affected_services)
