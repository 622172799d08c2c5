"""The catalog: services (and the status rolled up onto them) and metrics (the signals that file incidents)."""
