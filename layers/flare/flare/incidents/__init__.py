"""Incidents: filing (and dedupe), their lifecycle, timeline and references (INC-<n>)."""
