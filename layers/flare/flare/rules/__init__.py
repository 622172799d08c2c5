"""Flare's domain rules: pure functions over plain values. No boto3, no HTTP, so they test in microseconds."""
