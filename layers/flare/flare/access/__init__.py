"""Access: organisations, API keys, authentication and per-key rate limits."""
