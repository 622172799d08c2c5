"""Run a scheduled function of the running local stack now (`make sweep` runs the maintenance scheduler).

python -m flare_local.run_schedule [NAME] [--url http://127.0.0.1:3000]
"""

import argparse
import json
import os
import sys

import httpx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flare_local.run_schedule", description=__doc__)
    parser.add_argument("name", nargs="?", default="SweepMaintenancesFunction", help="function or schedule name")
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    args = parser.parse_args(argv)
    try:
        answer = httpx.post(f"{args.url}/_local/schedules/{args.name}/run", timeout=120)
    except httpx.TransportError as error:
        print(f"no local stack at {args.url} ({error}); start it with `make dev`", file=sys.stderr)
        return 1
    print(json.dumps(answer.json(), indent=2))
    return 0 if answer.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
