"""The table's change stream in tests: delivered to the template's stream functions on demand, as Lambda's event
source mapping would deliver it (flare_local.streams), so a test sees the status pages follow its writes."""

from flare_local.streams import StreamPump
from flare_local.template import load_template
from tests.support.invoking import ROOT, LambdaContext, handler_of

_PUMPS: dict[str, StreamPump] = {}


def _function_folder(template: dict, logical_id: str) -> str:
    return template["Resources"][logical_id]["Properties"]["CodeUri"].strip("/").split("/")[-1]


def deliver_changes(table) -> int:
    """Deliver every change written to `table` (the tests' fixture) since the last call; records read."""
    pump = _PUMPS.get(table.name)
    if pump is None:
        template = load_template(ROOT / "template.yaml")
        streams = table.streams_client()
        arn = table.client.describe_table(TableName=table.name)["Table"]["LatestStreamArn"]

        def invoke(logical_id: str, event: dict) -> None:
            handler_of(_function_folder(template, logical_id))(event, LambdaContext())

        pump = _PUMPS[table.name] = StreamPump(streams, arn, template, invoke, start="TRIM_HORIZON")
    return pump.drain()
