"""Flare's benchmark: `make bench` (`python -m flare_bench`) measures the figures and writes BENCHMARKS.md.

Each figure is a ratio measured in one run, the median of at least 10 repetitions, on the machine the report
names, against a goal; a missed goal says why and what it would take.

Adding a figure (a later issue adding its own): write one function in a module of `flare_bench/figures/`
(every module there is loaded) and register it::

    from flare_bench.context import Context
    from flare_bench.registry import Section, Verdict, figure

    @figure("alerts", "Round trips per alert received", goal="≤ 2", order=50)
    def alerts(context: Context) -> Section:
        context.new_table()                      # a fresh table on the embedded DynamoDB; the store uses it
        org = context.new_org()                  # an organisation and its admin key
        ...                                      # measure (round_trips.DynamoDBCalls counts DynamoDB calls)
        return Section(markdown, [Verdict("what", "1.9", "≤ 2", met=True)])

A new endpoint's round trips need no new figure: add a `Scenario` to `round_trips.SCENARIOS` (the round-trip
figure and tests/integration/test_round_trips.py both read it) and its expected calls to that test.

Modules: `registry` (figures, sections, verdicts), `context` (options, Lambda environment, embedded DynamoDB),
`round_trips` (the DynamoDB call counter and the request scenarios, shared with the tests), `machine`,
`report` (BENCHMARKS.md), `figures/` (the figures).
"""
