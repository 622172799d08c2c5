"""Outbound events: every committed change of an incident, a maintenance or a service's status becomes events
(`catalogue`), derived from the table's change stream (`derivation`, pure), put on the EventBridge bus and fanned
out to each outbound channel (`publishing`, `outbound`): webhook subscriptions (flare.webhooks) and Slack
announcements (flare.alerting.announcements). docs/events.md is the catalogue."""
