"""The `flare` command line.

flare org create NAME                      # against the local stack (make dev)
flare org create NAME --table T --region R # against a deployed stack's table (AWS credentials)

flare incident create|get|list|update|publish|resolve …   # through the API: FLARE_API_URL, FLARE_API_KEY
flare maintenance create|get|list|start|complete|cancel …
flare webhooks listen                                        # print this organisation's events as they happen

Exit status: 0 done, 1 the API refused (its problem's detail on stderr) or could not be reached, 2 usage or
configuration error. The API commands need httpx (`pip install 'flare[cli]'`); `flare org create` does not.
"""

import argparse
import json
import os
import sys

from flare_cli import incidents, maintenances, webhooks

# The local stack's embedded DynamoDB (flare_local's defaults; `make dev` moves its port with FLARE_DYNAMODB_PORT).
LOCAL_DYNAMODB_ENDPOINT = "http://127.0.0.1:8000"
LOCAL_TABLE_NAME = "flare-local"


def local_dynamodb_endpoint() -> str:
    """Where `make dev`'s DynamoDB listens: port $FLARE_DYNAMODB_PORT (as the local stack reads it), else 8000."""
    port = os.environ.get("FLARE_DYNAMODB_PORT", "").strip()
    if not port:
        return LOCAL_DYNAMODB_ENDPOINT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"flare: FLARE_DYNAMODB_PORT must be a port number, not {port!r}")
    return f"http://127.0.0.1:{int(port)}"


def _org_create(args: argparse.Namespace) -> int:
    local = args.table is None
    os.environ["TABLE_NAME"] = args.table or LOCAL_TABLE_NAME
    endpoint = args.endpoint_url or (local_dynamodb_endpoint() if local else None)
    if endpoint:
        os.environ["LOCAL_AWS_ENDPOINT_URL"] = endpoint
        # The local stack accepts any credentials; do not require real ones to talk to it.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    if args.region:
        os.environ["AWS_DEFAULT_REGION"] = args.region
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    from botocore.exceptions import BotoCoreError, ClientError

    from flare.access.organisations import create_organisation

    try:
        created = create_organisation(args.name)
    except (BotoCoreError, ClientError) as error:
        where = f"table {os.environ['TABLE_NAME']}" + (f" at {endpoint}" if endpoint else "")
        hint = " (is `make dev` running?)" if local else ""
        print(f"flare: could not create the organisation in {where}{hint}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps({"organisation_id": created.organisation_id, "name": created.name, "api_key": created.api_key})
        )
    else:
        print(f"organisation {created.name} ({created.organisation_id})")
        print(f"admin API key (shown once, keep it safe): {created.api_key}")
    return 0


def _api_options() -> argparse.ArgumentParser:
    """The options of every command that talks to the API."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--api-url", metavar="URL", help="the deployment's base URL (default: $FLARE_API_URL)")
    options.add_argument("--api-key", metavar="KEY", help="an API key (default: $FLARE_API_KEY)")
    options.add_argument("--json", action="store_true", help="print the API's JSON")
    return options


def _run_api_command(args: argparse.Namespace) -> int:
    """Run an API command with the configured client: problems and network errors become exit status 1."""
    url = args.api_url or os.environ.get("FLARE_API_URL")
    key = args.api_key or os.environ.get("FLARE_API_KEY")
    settings = (
        ("FLARE_API_URL", url, "--api-url", "the deployment's base URL, e.g. http://127.0.0.1:3000"),
        ("FLARE_API_KEY", key, "--api-key", "an API key"),
    )
    missing = [(name, flag, what) for name, value, flag, what in settings if not value]
    for name, flag, what in missing:
        print(f"flare: {name} is not set: export it ({what}) or pass {flag}", file=sys.stderr)
    if missing:
        return 2
    try:
        from flare_cli.api import ApiUnreachable, FlareApi, ProblemError
    except ModuleNotFoundError as error:
        if error.name != "httpx":
            raise
        print("flare: the API commands need httpx: pip install 'flare[cli]'", file=sys.stderr)
        return 2
    try:
        with FlareApi(url, key) as api:
            return args.run(api, args)
    except ProblemError as problem:
        print(f"flare: {problem.detail} ({problem.status} {problem.title})", file=sys.stderr)
        for field, message in problem.errors:
            print(f"flare:   {field}: {message}", file=sys.stderr)
        return 1
    except ApiUnreachable as error:
        print(f"flare: {error}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="flare",
        description="Flare's command line. The API commands read FLARE_API_URL (the deployment's base URL, "
        "e.g. http://127.0.0.1:3000) and FLARE_API_KEY. Exit status: 0 done, 1 the API refused or could not be "
        "reached, 2 usage or configuration error.",
    )
    commands = root.add_subparsers(dest="command", required=True)

    org = commands.add_parser("org", help="organisations").add_subparsers(dest="org_command", required=True)
    create = org.add_parser("create", help="create an organisation and print its first admin API key")
    create.add_argument("name")
    create.add_argument("--table", help="a deployed stack's table (Outputs: TableName); default: the local stack")
    create.add_argument("--region", help="AWS region of the table")
    create.add_argument(
        "--endpoint-url",
        help=f"DynamoDB endpoint (default for the local stack: {LOCAL_DYNAMODB_ENDPOINT}, or the port in "
        "$FLARE_DYNAMODB_PORT)",
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(run=_org_create)

    api_options = _api_options()
    incidents.add_commands(commands, api_options)
    maintenances.add_commands(commands, api_options)
    webhooks.add_commands(commands, api_options)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args) if args.command == "org" else _run_api_command(args)
    except BrokenPipeError:  # `flare incident list | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
