"""`flare webhooks listen`: watch an organisation's events arrive as signed webhook deliveries.

It listens on this machine, subscribes that address through the API (the secret comes back in the answer), prints
each delivery once its signature checks out (the standardwebhooks library, as any receiver should check it), and
deletes the subscription when stopped (Ctrl-C) unless told to keep it. Against `make dev` it needs nothing more;
a deployed Flare delivers only to https addresses it can reach, so there pass `--url` (a tunnel to this port).
"""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from flare_cli.commands import add_command, note

if TYPE_CHECKING:
    from flare_cli.api import FlareApi


def summary(payload: dict[str, Any]) -> str:
    """One line per delivery: when, what, and about which record."""
    data = payload.get("data") or {}
    about = ""
    if incident := data.get("incident"):
        about = f"{incident.get('reference') or incident['id']} [{incident['status']}] {incident['title']}"
    elif maintenance := data.get("maintenance"):
        about = f"{maintenance['id']} [{maintenance['status']}] {maintenance['title']}"
    elif service := data.get("service"):
        about = f"{service['name']}: {data.get('from')} → {data.get('to')}"
    extra = ""
    if payload.get("type") == "incident.status_changed":
        extra = f" {data.get('from')} → {data.get('to')}"
    elif "changes" in data:
        extra = " (" + ", ".join(data["changes"]) + ")"
    elif message := data.get("message"):
        extra = f" {message['type']}: {message['description'][:80]}"
    return f"{payload.get('timestamp')}  {payload.get('type'):<24} {about}{extra}"


def listen(api: "FlareApi", args: argparse.Namespace) -> int:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    verifier: list[Webhook] = []  # set once subscribed; deliveries before that cannot arrive
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = verifier[0].verify(body, {name: value for name, value in self.headers.items()})
            except (WebhookVerificationError, IndexError) as error:
                self.send_response(401)
                self.end_headers()
                note(f"refused a delivery that is not signed with this subscription's secret ({error})")
                return
            self.send_response(204)
            self.end_headers()
            with lock:
                if args.json:
                    print(json.dumps({"webhook-id": self.headers.get("webhook-id"), **payload}), flush=True)
                else:
                    print(summary(payload), flush=True)

        def log_message(self, format: str, *arguments: object) -> None:
            pass

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    url = args.url or f"http://{args.host}:{server.server_address[1]}/flare-webhooks"
    body = {"url": url, "description": "flare webhooks listen"}
    if args.event_types:
        body["event_types"] = args.event_types
    subscription = api.request("POST", "/webhooks", json=body)
    verifier.append(Webhook(subscription["secret"]))
    note(f"subscribed {subscription['id']} → {url}; printing verified deliveries (Ctrl-C to stop)")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if args.keep:
            note(f"kept the subscription {subscription['id']} (secret: {subscription['secret']})")
        else:
            from flare_cli.api import path_segment

            api.request("DELETE", f"/webhooks/{path_segment(subscription['id'])}")
            note(f"deleted the subscription {subscription['id']}")
    return 0


def add_commands(commands: argparse._SubParsersAction, api_options: argparse.ArgumentParser) -> None:
    webhooks = commands.add_parser("webhooks", help="webhook subscriptions (through the API)")
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True, metavar="COMMAND")
    parser = add_command(
        actions, api_options, "listen", listen, "subscribe this machine and print each verified delivery", __doc__
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    parser.add_argument("--url", help="the address Flare should deliver to, if not http://HOST:PORT (a tunnel)")
    parser.add_argument(
        "--event-type", dest="event_types", action="append", metavar="TYPE", help="only this type (repeatable)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the subscription when stopped")
