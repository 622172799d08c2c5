"""Figure: items the scheduler's sweep reads ÷ the maintenances due, with 10,000 maintenances stored."""

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flare_bench.context import Context, quiet, write_items
from flare_bench.registry import Section, Verdict, figure
from flare_bench.round_trips import DynamoDBCalls

GOAL = 2.0
STORED = 10_000
DUE = 5  # moto copies the table on every transaction: few due per sweep keeps the run short
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def _maintenance_items(org_id: str, count: int, *, start: datetime, label: str) -> list[dict[str, Any]]:
    """`count` scheduled, auto-starting maintenances in the store's own item format, a minute apart."""
    from flare.ids import new_id
    from flare.maintenances.models import Maintenance
    from flare.store import codec as codec_store
    from flare.store import maintenances as maintenances_store

    items = []
    for index in range(count):
        begins = start + timedelta(minutes=index)
        maintenance = Maintenance(
            id=new_id("mnt", NOW - timedelta(days=1)),
            org_id=org_id,
            title=f"{label} {index}",
            description="",
            status="scheduled",
            scheduled_start_at=begins,
            scheduled_end_at=begins + timedelta(hours=1),
            auto_start=True,
            auto_complete=True,
            affected_services=[],
            created_at=NOW - timedelta(days=1),
            updated_at=NOW - timedelta(days=1),
        )
        items.append(codec_store.to_item(maintenances_store.maintenance_item(maintenance, begins)))
    return items


@figure(
    "scheduler_reads",
    f"Items the scheduler reads ÷ maintenances due, {STORED:,} stored",
    goal=f"≤ {GOAL:g}",
    order=50,
)
def scheduler_reads(context: Context) -> Section:
    from flare.maintenances import use_cases as maintenances

    context.new_table()
    org = context.new_org("maintenances")
    context.say(f"scheduler reads: seeding {STORED:,} maintenances due after the measured sweeps")
    started = time.perf_counter()
    write_items(_maintenance_items(org.organisation_id, STORED, start=NOW + timedelta(days=30), label="later"))
    seed_seconds = time.perf_counter() - started

    ratios, reads, transitions = [], [], []
    with quiet():
        for repetition in range(context.repetitions):
            due_from = NOW - timedelta(hours=2, minutes=repetition * DUE)
            write_items(_maintenance_items(org.organisation_id, DUE, start=due_from, label=f"due {repetition}"))
            with DynamoDBCalls() as calls:
                report = maintenances.sweep(NOW)
            trips = calls.trips()
            read = trips.scanned + trips.operations.count("GetItem")
            reads.append(read)
            transitions.append(len(report.transitions))
            ratios.append(read / DUE)
    ratio = statistics.median(ratios)
    met = ratio <= GOAL
    why = (
        () if met else ("The sweep reads more than the due maintenances: check `store.maintenances.due_maintenances`.",)
    )
    row = (
        f"| {STORED:,} + earlier | {DUE} | {statistics.median(reads):g} | {statistics.median(transitions):g} | "
        f"**{ratio:.2f}** | ≤ {GOAL:g} | {'yes' if met else '**no**'} |"
    )
    body = f"""\
{STORED:,} scheduled maintenances that fall due a month later are stored (written straight to the table in
the store's item format, {seed_seconds:.1f} s on moto). Each repetition adds {DUE} maintenances whose whole
window has passed and runs one sweep (`maintenances.sweep`, what the EventBridge-driven function runs), counting
with the round-trip hook the items it reads: the `ScannedCount` of its Query on the sparse schedule index
(GSI2) plus any `GetItem` (a re-read after losing a race). Median of {context.repetitions} repetitions.

| maintenances stored | due | items read (median) | transitions per sweep (median) | read ÷ due | goal | met |
| ---: | ---: | ---: | ---: | ---: | --- | --- |
{row}

Each due maintenance is read once (from the index's copy, ProjectionType ALL) and written twice (started,
then completed: its whole window passed); nothing that is not due is read, however many are stored.
"""
    return Section(body, [Verdict(f"items read ÷ due, {STORED:,} stored", f"{ratio:.2f}", f"≤ {GOAL:g}", met, why)])
