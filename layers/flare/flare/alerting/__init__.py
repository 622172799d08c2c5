"""Alerting: integrations, the alert senders and their receivers, and Slack's slash commands."""
