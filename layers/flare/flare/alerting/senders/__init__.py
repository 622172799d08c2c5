"""The alert senders: every alerting tool whose webhook Flare receives, one module each, collected in `SENDERS`.

Everything that varies by sender is derived from here: the integration types (alerting.models, which adds
Slack: an integration type, but slash commands rather than alerts), which of them sign, the receivers' titles,
parsers, default severity mappings and signature checks (alerting.receiving). Adding a sender is its module
here (declaring `SENDER`), its function folder functions/receive_<name>/, its template.yaml function and its
sample event events/receive_<name>.json.

Pure: no boto3, no HTTP; the shared reading rules are in `reading` and `alert`.
"""

from flare.alerting.senders import alertmanager, datadog, grafana, opsgenie, pagerduty
from flare.alerting.senders.sender import Sender

# In the order the integration types are listed (and documented in docs/openapi.json).
SENDERS: dict[str, Sender] = {
    sender.name: sender
    for sender in (alertmanager.SENDER, grafana.SENDER, datadog.SENDER, pagerduty.SENDER, opsgenie.SENDER)
}
