"""The `flare` command line.

flare org create NAME                      # against the local stack (make dev)
flare org create NAME --table T --region R # against a deployed stack's table (AWS credentials)
"""

import argparse
import json
import os
import sys

# The local stack's embedded DynamoDB (flare_local.stack defaults).
LOCAL_DYNAMODB_ENDPOINT = "http://127.0.0.1:8000"
LOCAL_TABLE_NAME = "flare-local"


def _org_create(args: argparse.Namespace) -> int:
    local = args.table is None
    os.environ["TABLE_NAME"] = args.table or LOCAL_TABLE_NAME
    endpoint = args.endpoint_url or (LOCAL_DYNAMODB_ENDPOINT if local else None)
    if endpoint:
        os.environ["DYNAMODB_ENDPOINT_URL"] = endpoint
        # The local stack accepts any credentials; do not require real ones to talk to it.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    if args.region:
        os.environ["AWS_DEFAULT_REGION"] = args.region
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    from botocore.exceptions import BotoCoreError, ClientError

    from flare.organisations import create_organisation

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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="flare", description="Flare's command line")
    commands = root.add_subparsers(dest="command", required=True)

    org = commands.add_parser("org", help="organisations").add_subparsers(dest="org_command", required=True)
    create = org.add_parser("create", help="create an organisation and print its first admin API key")
    create.add_argument("name")
    create.add_argument("--table", help="a deployed stack's table (Outputs: TableName); default: the local stack")
    create.add_argument("--region", help="AWS region of the table")
    create.add_argument(
        "--endpoint-url", help=f"DynamoDB endpoint (default for the local stack: {LOCAL_DYNAMODB_ENDPOINT})"
    )
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(run=_org_create)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
