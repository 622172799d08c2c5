"""The store: the only code that talks to DynamoDB. One table (keys: the data model); one module per aggregate
(access, incidents and their claims, services, metrics, maintenances, integrations, deliveries, idempotency),
on shared pieces (client, codec, labelled transactions, queries, errors)."""
