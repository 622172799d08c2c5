"""Webhook subscriptions: an organisation's endpoints that receive its events, signed the Standard Webhooks way.
`models` (requests, records, responses), `rules` (pure: retries, what an answer means, which addresses are
reachable), `use_cases` (the admin API), `delivery` (the outbound channel: which deliveries events call for, and
one attempt of a delivery), `sending` (one HTTP request, SSRF-safe), `port`."""
