"""The HTTP glue every function shares (entry: the Lambda entry point and error handling; params: the caller
and shared parameters; body: the body's checks; responses; idempotency; routes: factories of routes that would
otherwise be near-copies). A handler module is described in flare.http.entry."""
