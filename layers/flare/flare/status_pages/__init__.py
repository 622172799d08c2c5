"""Status pages: what an organisation shows the world of its services, incidents and maintenances."""
