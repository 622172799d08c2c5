"""Maintenances: scheduled windows, their transitions by hand and by the scheduler, and their timeline."""
