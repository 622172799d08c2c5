"""`python -m flare_local [--port N]`: Flare's API on this machine, no Docker needed."""

import argparse
import contextlib
import logging
import os
import threading

from flare_local.stack import LocalStack


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flare_local", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 3000)), help="default: $PORT, else 3000")
    parser.add_argument(
        "--dynamodb-port",
        type=int,
        default=int(os.environ.get("FLARE_DYNAMODB_PORT", 8000)),
        help="embedded DynamoDB port (`flare org create` looks here); default: $FLARE_DYNAMODB_PORT, else 8000",
    )
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo organisation")
    args = parser.parse_args(argv)
    _log_to_stderr()

    with LocalStack(port=args.port, seed=not args.no_seed, dynamodb_port=args.dynamodb_port) as stack:
        print(f"Flare API    {stack.base_url}/api/v1")
        print(f"API docs     {stack.base_url}/docs")
        print(f"DynamoDB     {stack.dynamodb_endpoint} (table {stack.table_name})")
        for schedule in stack.schedules.values():
            print(f"Schedule     {schedule.function.logical_id} every {schedule.rate_seconds} s (now: make sweep)")
        if stack.organisation is not None:
            print(f"Demo org     {stack.organisation.name} ({stack.organisation.organisation_id})")
            print(f"Admin key    {stack.api_key}")
            print(f"\n    export FLARE_API_KEY={stack.api_key}\n")
        print("Ctrl-C to stop.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def _log_to_stderr() -> None:
    # Not through the root logger: Powertools' Logger(service="flare") filters the root handlers for every
    # record whose logger name contains "flare", flare_local's included.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    local_logger = logging.getLogger("flare_local")
    local_logger.addHandler(handler)
    local_logger.setLevel(logging.INFO)
    local_logger.propagate = False


if __name__ == "__main__":
    main()
