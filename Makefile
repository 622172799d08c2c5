# Flare: `make dev` runs the local stack, `make test` runs every check. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
export UV_PYTHON_DOWNLOADS := never
export PORT ?= 3000

.PHONY: dev test setup lint alertmanager node-clients browser sweep sam-build sam-local-events sam-invoke sam-api unit integration e2e fuzz bench openapi requirements format clean

setup: .venv/.synced

# uv itself comes from PyPI into the interpreter that .python-version selects (3.13).
.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
# Bytecode for every installed package, written once at install: where PYTHONDONTWRITEBYTECODE is set (as on this
# machine) each process the tests start (local stack, CLI) would otherwise compile moto, boto3 and pydantic again
# (measured: 2.3 s of imports per process without, 1.4 s with).
	UV_COMPILE_BYTECODE=1 $(UV) sync --frozen
	@touch $@

dev: setup
	$(UV) run --frozen python -m flare_local

# Two processes at once (CI and this machine have two cores) (measured from a clone: 9.5 to 12.9 minutes in all):
# the e2e tier (HTTP against local stacks) in one, the integration tier with the unit, use-case and contract tiers
# and the real-Alertmanager e2e test in the other (the IAM check in tests/integration reads what every integration
# test did in its process); the second one's output follows. `make test SERIAL=1` runs everything in one process. (pytest-xdist's loadgroup, which could keep the
# integration suite on one worker, silently drops the tests Schemathesis generates: tests/e2e/test_schemathesis.py.)
test: setup lint alertmanager node-clients browser
ifdef SERIAL
	$(UV) run --frozen pytest
else
	@log=$$(mktemp); $(UV) run --frozen pytest tests/integration tests/unit tests/use_cases tests/contract \
		tests/e2e/test_real_alertmanager.py >"$$log" 2>&1 & others=$$!; \
	$(UV) run --frozen pytest tests/e2e --ignore=tests/e2e/test_real_alertmanager.py; e2e=$$?; \
	wait $$others; status=$$?; echo "--- tests/integration, unit, use_cases, contract, e2e/test_real_alertmanager.py"; cat "$$log"; rm -f "$$log"; \
	test $$e2e -eq 0 -a $$status -eq 0
endif

# Real clients of other ecosystems the e2e tests run unchanged (tests/e2e/node: a Statuspage API client and axe-core),
# from the npm registry, pinned by its package-lock.json.
node-clients: tests/e2e/node/node_modules/.package-lock.json

tests/e2e/node/node_modules/.package-lock.json: tests/e2e/node/package-lock.json
	@command -v npm >/dev/null || { echo "make test: no npm on PATH; the npm client tests will be skipped"; exit 0; }; \
		npm ci --prefix tests/e2e/node --no-audit --no-fund --silent && touch $@

# The real-Alertmanager e2e test (tests/e2e/test_real_alertmanager.py) needs Debian's prometheus-alertmanager:
# installed with apt where it can be (as root, or with sudo that needs no password), else the test is skipped. The
# package's own service is stopped and disabled: the test runs its own Alertmanager, on a free port.
alertmanager:
	@command -v alertmanager >/dev/null || { tools/apt-install.sh prometheus-alertmanager prometheus-alertmanager \
		"the real-Alertmanager e2e test" && if command -v prometheus-alertmanager >/dev/null; then \
		{ systemctl disable --now prometheus-alertmanager || service prometheus-alertmanager stop; } >/dev/null 2>&1 \
		|| true; fi; }

# The browser tests (tests/e2e/test_status_page_browser.py) drive Debian's Chromium with Playwright (from PyPI, its
# own browsers never downloaded): installed like Alertmanager, else those tests are skipped.
browser:
	@tools/apt-install.sh chromium chromium "the status page browser tests"

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen cfn-lint template.yaml
# SAM's own validation and an IaC security scan, each isolated by uv (like README's `uvx --from aws-sam-cli`) so
# that neither changes the project's locked environment; pinned, so that a new release cannot fail `make test`.
# Neither needs AWS credentials; checkov's --skip-download keeps it off the network (Prisma Cloud's mappings).
	SAM_CLI_TELEMETRY=0 $(UV) tool run --python 3.13 --from aws-sam-cli==1.170.0 \
		sam validate --lint --region us-east-1 -t template.yaml
	$(UV) tool run --python 3.13 --from checkov==3.3.30 \
		checkov -f template.yaml --framework cloudformation --quiet --compact --skip-download
	$(UV) export --frozen --quiet --no-dev --no-emit-project --no-hashes --no-header --format requirements-txt \
		| diff -u layers/flare/requirements.txt - \
		|| (echo "layers/flare/requirements.txt is out of date: run make requirements" && exit 1)

# sam local against the running `make dev` stack (README, "sam local"; needs Docker): build for this machine,
# write the env file and real events, then invoke one function (FUNCTION=get_incident) or serve the API.
sam-build: setup
	$(UV) run --frozen python -m flare_local.sam_local build

sam-local-events: setup
	$(UV) run --frozen python -m flare_local.sam_local events

sam-invoke: setup
	@test -n "$(FUNCTION)" || { echo "make sam-invoke FUNCTION=<functions/ directory, e.g. get_incident>"; exit 2; }
	$(UV) run --frozen python -m flare_local.sam_local invoke $(FUNCTION)

sam-api: setup
	$(UV) run --frozen python -m flare_local.sam_local start-api --port $${SAM_PORT:-3001}

# Run the maintenance scheduler of the running `make dev` stack now (it also runs every minute by itself).
sweep: setup
	$(UV) run --frozen python -m flare_local.run_schedule SweepMaintenancesFunction

unit integration e2e: setup
	$(UV) run --frozen pytest tests/$@

# Fuzz every operation of the OpenAPI document far harder than `make test` does: FLARE_FUZZ_EXAMPLES cases per
# operation (default 500) from a fresh seed, which each failure names (FLARE_FUZZ_SEED=<n> draws them again).
fuzz: setup
	FLARE_FUZZ_EXAMPLES=$${FLARE_FUZZ_EXAMPLES:-500} $(UV) run --frozen pytest tests/e2e/test_schemathesis.py

# Measure the figures of BENCHMARKS.md (about 27 minutes; `python -m flare_bench --help` for one figure).
bench: setup
	$(UV) run --frozen python -m flare_bench

openapi: setup
	$(UV) run --frozen python -m flare_local.openapi_spec

requirements: setup
	$(UV) export --frozen --quiet --no-dev --no-emit-project --no-hashes --no-header --format requirements-txt \
		-o layers/flare/requirements.txt

format: setup
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

clean:
	rm -rf .venv .pytest_cache .ruff_cache .aws-sam
