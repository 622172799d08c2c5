"""The data model: every key of the one table, built here and nowhere else.

`DATA_MODEL` lists each kind of item with its keys, built by the functions below from placeholders; the table
in docs/design.md ("Data model") is checked against it by tests/unit/test_data_model.py. '#' sorts before
letters, so a descending Query of a record's partition returns the record first and then its newest timeline
entries. Every key of an organisation's data embeds the organisation (API keys carry it in the item), so another
organisation's id simply is not found.
"""

import hashlib
from dataclasses import dataclass

from flare.incidents.dedupe import dedupe_key_text

GSI1 = "GSI1"  # an organisation's collections, newest first: GSI1PK = ORG#<org>#<COLLECTION>, GSI1SK = <id>
GSI2 = "GSI2"  # the maintenance schedule (sparse): GSI2PK = SCHEDULE, GSI2SK = <due>#<org>#<mnt>

ORG_SK = "ORG"
KEY_SK = "KEY"
INCIDENT_SK = "INCIDENT"
MESSAGE_SK_PREFIX = "#MSG#"
INCIDENT_NUMBER_SK = "INCIDENT_NUMBER"
REFERENCE_SK = "REF"
DEDUPE_SK = "DEDUPE"
DELIVERY_SK = "DELIVERY"
SLACK_TEAM_SK = "SLACK_TEAM"
SERVICE_SK = "SERVICE"
SERVICE_NAME_SK = "SERVICE_NAME"
SERVICE_NAME_MARK = "#SVCNAME#"
MAINTENANCE_SK = "MAINTENANCE"
EVENT_SK_PREFIX = "#EVT#"
METRIC_SK = "METRIC"
INTEGRATION_SK = "INTEGRATION"
STATUS_PAGE_SK = "STATUS_PAGE"
SLUG_SK = "SLUG"
WEBHOOK_SK = "WEBHOOK"
WEBHOOK_DELIVERY_SK_PREFIX = "#DLV#"
SLACK_THREAD_SK = "SLACK_THREAD"
SCHEDULE_PK = "SCHEDULE"
IDEMPOTENCY_PK = "IDEMPOTENCY"


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def api_key_pk(key_id: str) -> str:
    return f"KEY#{key_id}"


def rate_pk(key_id: str) -> str:
    return f"RATE#{key_id}"


def incident_pk(org_id: str, incident_id: str) -> str:
    return f"ORG#{org_id}#INC#{incident_id}"


def reference_pk(org_id: str, number: int | str) -> str:
    return f"ORG#{org_id}#REF#{number}"


def pair_digest(first: str | None, second: str) -> str:
    """The key-safe digest of a pair of strings (dedupe.dedupe_key_text: distinct pairs, distinct texts)."""
    return hashlib.sha256(dedupe_key_text(first, second).encode("utf-8", "surrogatepass")).hexdigest()


def dedupe_pk(org_id: str, digest: str) -> str:
    """The claim on a dedupe key: `digest` is pair_digest(source, external_id)."""
    return f"ORG#{org_id}#DEDUPE#{digest}"


def delivery_pk(org_id: str, digest: str) -> str:
    """One delivery of one sender: `digest` is pair_digest(its integration or Slack workspace, delivery id)."""
    return f"ORG#{org_id}#DELIVERY#{digest}"


def slack_team_pk(team_id: str) -> str:
    return f"SLACKTEAM#{team_id}"


def service_pk(org_id: str, service_id: str) -> str:
    return f"ORG#{org_id}#SVC#{service_id}"


def service_name_pk(org_id: str, name: str) -> str:
    return f"ORG#{org_id}{SERVICE_NAME_MARK}{name.casefold()}"


def maintenance_pk(org_id: str, maintenance_id: str) -> str:
    return f"ORG#{org_id}#MNT#{maintenance_id}"


def schedule_sk(due: str, org_id: str, maintenance_id: str) -> str:
    return f"{due}#{org_id}#{maintenance_id}"


def metric_pk(org_id: str, metric_id: str) -> str:
    return f"ORG#{org_id}#MET#{metric_id}"


def integration_pk(org_id: str, integration_id: str) -> str:
    return f"ORG#{org_id}#INT#{integration_id}"


def status_page_pk(org_id: str, page_id: str) -> str:
    return f"ORG#{org_id}#SPG#{page_id}"


def slug_pk(slug: str) -> str:
    """A status page's slug, claimed across the whole deployment: it is the page's public URL."""
    return f"SLUG#{slug}"


def webhook_pk(org_id: str, webhook_id: str) -> str:
    """A webhook subscription; its deliveries are timeline entries of its partition (#DLV#<delivery>)."""
    return f"ORG#{org_id}#WHK#{webhook_id}"


def slack_thread_pk(org_id: str, incident_id: str) -> str:
    """Where an incident was announced in Slack: one item per integration and channel, holding the thread."""
    return f"ORG#{org_id}#SLACKTHREAD#{incident_id}"


def list_pk(org_id: str, collection: str) -> str:
    """GSI1's partition of an organisation's collection (INCIDENTS, SERVICES…)."""
    return f"ORG#{org_id}#{collection}"


@dataclass(frozen=True)
class Item:
    """One kind of item: its keys (with placeholders), what it is, and its index keys."""

    pk: str
    sk: str
    what: str
    gsi: str = ""


_ORG, _KEY = "<org>", "<key>"
DATA_MODEL = (
    Item(org_pk(_ORG), ORG_SK, "organisation"),
    Item(api_key_pk(_KEY), KEY_SK, "API key (hash of the secret, scopes, org)", f"{list_pk(_ORG, 'KEYS')} / {_KEY}"),
    Item(incident_pk(_ORG, "<inc>"), INCIDENT_SK, "incident", f"{list_pk(_ORG, 'INCIDENTS')} / <inc>"),
    Item(incident_pk(_ORG, "<inc>"), MESSAGE_SK_PREFIX + "<msg>", "timeline message"),
    Item(org_pk(_ORG), INCIDENT_NUMBER_SK, "the organisation's last incident number (`last`)"),
    Item(reference_pk(_ORG, "<n>"), REFERENCE_SK, "`INC-<n>` → its incident id"),
    Item(
        dedupe_pk(_ORG, "<sha256(source, external_id)>"),
        DEDUPE_SK,
        "the dedupe claim: `incident_id`, `resolved`, `lapses_at` (epoch ms; absent: holds while unresolved)",
    ),
    Item(
        delivery_pk(_ORG, "<sha256(scope, delivery id)>"),
        DELIVERY_SK,
        "a signed delivery already acted on (PagerDuty event id, Grafana or Slack signature), until `expires_at` (TTL)",
    ),
    Item(slack_team_pk("<team>"), SLACK_TEAM_SK, "a Slack workspace's integration (copy), with its organisation"),
    Item(rate_pk(_KEY), "<window start>", "requests of an API key in a one-minute window (TTL)"),
    Item(
        service_pk(_ORG, "<svc>"),
        SERVICE_SK,
        "service, with `impacts` {incident or maintenance id: severity}",
        f"{list_pk(_ORG, 'SERVICES')} / <svc>",
    ),
    Item(service_name_pk(_ORG, "<casefolded name>"), SERVICE_NAME_SK, "a service name, held by one service"),
    Item(
        maintenance_pk(_ORG, "<mnt>"),
        MAINTENANCE_SK,
        "maintenance; GSI2 only while an automatic transition is pending",
        f"{list_pk(_ORG, 'MAINTENANCES')} / <mnt>; GSI2: {SCHEDULE_PK} / {schedule_sk('<due>', _ORG, '<mnt>')}",
    ),
    Item(maintenance_pk(_ORG, "<mnt>"), EVENT_SK_PREFIX + "<event>", "maintenance timeline entry"),
    Item(metric_pk(_ORG, "<met>"), METRIC_SK, "metric", f"{list_pk(_ORG, 'METRICS')} / <met>"),
    Item(
        integration_pk(_ORG, "<int>"),
        INTEGRATION_SK,
        "integration (with its signing secret)",
        f"{list_pk(_ORG, 'INTEGRATIONS')} / <int>",
    ),
    Item(
        status_page_pk(_ORG, "<spg>"),
        STATUS_PAGE_SK,
        "status page (its slug, components, settings)",
        f"{list_pk(_ORG, 'STATUS_PAGES')} / <spg>",
    ),
    Item(
        slug_pk("<slug>"),
        SLUG_SK,
        "a status page's slug, held by one page of one organisation (`org_id`, `page_id`), with the page's public "
        "snapshot (`snapshot`, `revision`)",
    ),
    Item(
        webhook_pk(_ORG, "<whk>"),
        WEBHOOK_SK,
        "webhook subscription (url, event types, signing secrets, health)",
        f"{list_pk(_ORG, 'WEBHOOKS')} / <whk>",
    ),
    Item(
        webhook_pk(_ORG, "<whk>"),
        WEBHOOK_DELIVERY_SK_PREFIX + "<dlv>",
        "one delivery of an event to the webhook: attempts, status, next retry, payload; until `expires_at` (TTL)",
    ),
    Item(
        slack_thread_pk(_ORG, "<inc>"),
        f"{SLACK_THREAD_SK}#<int>#<channel>",
        "the Slack message that announced the incident in a channel (its thread: `ts`, `channel_id`) and the "
        "deliveries posted there (`posted`), until `expires_at` (TTL)",
    ),
    Item(IDEMPOTENCY_PK, "<route>#<digest>", "Powertools idempotency record (TTL `expires_at`)"),
)
