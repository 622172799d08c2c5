"""Where incidents were announced in Slack: per incident, one item per integration and channel
(ORG#<org>#SLACKTHREAD#<inc> / SLACK_THREAD#<int>#<channel>) holding the announcement's `ts` (the thread its
follow-ups go to), the channel's id as Slack answered it, and the deliveries posted there (a delivery handed out
again is not posted twice), until `expires_at` (TTL; each post moves it on)."""

from datetime import datetime

from flare.alerting.models import Integration, SlackThread
from flare.store.client import client, table_name
from flare.store.codec import key, values
from flare.store.keys import INTEGRATION_SK, SLACK_THREAD_SK, integration_pk, slack_thread_pk
from flare.store.queries import batch_get


def _key(org_id: str, incident_id: str, integration_id: str, channel: str) -> dict:
    return key(slack_thread_pk(org_id, incident_id), f"{SLACK_THREAD_SK}#{integration_id}#{channel}")


def integration_and_thread(
    org_id: str, integration_id: str, incident_id: str, channel: str
) -> tuple[Integration | None, SlackThread | None]:
    """The integration and the incident's thread in the channel, in one strongly consistent BatchGetItem."""
    integration_key = key(integration_pk(org_id, integration_id), INTEGRATION_SK)
    found = batch_get([integration_key, _key(org_id, incident_id, integration_id, channel)], consistent=True)
    integration = next((item for item in found if item["SK"] == INTEGRATION_SK), None)
    thread = next((item for item in found if item["SK"] != INTEGRATION_SK), None)
    if thread is not None:
        thread = SlackThread(thread.get("ts"), thread.get("channel_id"), frozenset(thread.get("posted") or ()))
    return (Integration.model_validate(integration) if integration else None), thread


def record_post(
    org_id: str,
    incident_id: str,
    integration_id: str,
    channel: str,
    *,
    delivery_id: str,
    ts: str | None,
    channel_id: str | None,
    expires_at: datetime,
) -> None:
    """Note a post made in the channel (one UpdateItem): the first post's `ts` and channel id become the thread;
    later ones only add their delivery."""
    expression = "SET expires_at = :expires ADD posted :posted"
    bound = {":expires": int(expires_at.timestamp()), ":posted": {delivery_id}}
    if ts is not None:
        expression = "SET expires_at = :expires, ts = if_not_exists(ts, :ts) ADD posted :posted"
        bound[":ts"] = ts
    if channel_id is not None:
        expression = expression.replace(" ADD", ", channel_id = if_not_exists(channel_id, :channel) ADD")
        bound[":channel"] = channel_id
    client().update_item(
        TableName=table_name(),
        Key=_key(org_id, incident_id, integration_id, channel),
        UpdateExpression=expression,
        ExpressionAttributeValues=values(bound),
    )
