"""`python -m flare_local [--port N]`: Flare's API on this machine, no Docker needed."""

import argparse
import contextlib
import logging
import os
import threading

from flare_local import sam_local
from flare_local.stack import LocalStack, seed_demo_status_page


def _port_number(value: str) -> int:
    if not value.strip().isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0 to 65535)")
    return int(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flare_local", description=__doc__)
    # String defaults go through `type` too: a $PORT that is not a number is argparse's one-line error (naming the
    # option the variable stands for), not a traceback.
    parser.add_argument(
        "--port", type=_port_number, default=os.environ.get("PORT", "3000"), help="default: $PORT, else 3000"
    )
    parser.add_argument(
        "--dynamodb-port",
        type=_port_number,
        default=os.environ.get("FLARE_DYNAMODB_PORT", "8000"),
        help="embedded DynamoDB port (`flare org create` looks here); default: $FLARE_DYNAMODB_PORT, else 8000",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("FLARE_HOST", "127.0.0.1"),
        help="address the API binds (its /_local controls have no auth); default: $FLARE_HOST, else 127.0.0.1",
    )
    parser.add_argument(
        "--dynamodb-host",
        default=os.environ.get("FLARE_DYNAMODB_HOST", "127.0.0.1"),
        help="address the embedded DynamoDB binds: 0.0.0.0 lets sam local's containers reach it on a Linux "
        "Docker host (it has no auth: anyone who reaches it can read and write it); default: "
        "$FLARE_DYNAMODB_HOST, else 127.0.0.1",
    )
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo organisation")
    args = parser.parse_args(argv)
    if problem := _dev_api_key_problem(os.environ.get("FLARE_DEV_API_KEY")):
        parser.exit(2, f"{parser.prog}: {problem}\n")
    _log_to_stderr()

    stack = LocalStack(
        port=args.port,
        host=args.host,
        seed=not args.no_seed,
        dynamodb_port=args.dynamodb_port,
        dynamodb_host=args.dynamodb_host,
    )
    try:
        stack.start()
    except OSError as error:  # the port is taken, the address is not this machine's
        parser.exit(1, f"{parser.prog}: could not start the local stack: {error}\n")
    state = sam_local.write_state(stack, args.dynamodb_host)  # for `make sam-local-events`
    try:
        status_page = seed_demo_status_page(stack) if stack.organisation is not None else None
        print(f"Flare API    {stack.base_url}/api/v1")
        print(f"API docs     {stack.base_url}/docs")
        print(f"DynamoDB     {stack.dynamodb_endpoint} (table {stack.table_name}; bound to {args.dynamodb_host})")
        for schedule in stack.schedules.values():
            print(f"Schedule     {schedule.function.logical_id} every {schedule.rate_seconds} s (now: make sweep)")
        if stack.organisation is not None:
            print(f"Demo org     {stack.organisation.name} ({stack.organisation.organisation_id})")
            print(f"Admin key    {stack.api_key}")
            print(f"Status page  {status_page}")
            print(f"\n    export FLARE_API_KEY={stack.api_key}\n")
        print("Ctrl-C to stop.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    finally:
        state.unlink(missing_ok=True)
        stack.stop()


def _dev_api_key_problem(pinned: str | None) -> str | None:
    """Why FLARE_DEV_API_KEY cannot be the demo key, in one line; None when it is unset or well-formed."""
    if not pinned:
        return None
    from flare.access.auth import split_key

    try:
        split_key(pinned)
    except ValueError:
        return (
            "FLARE_DEV_API_KEY must read flare_key_<26-character ULID>_<64 hex digits>, as the key `make dev` "
            "prints (unset it to get a new one)"
        )
    return None


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
