"""SQLAlchemy models, engines and migrations for the kiosk and the registry."""
