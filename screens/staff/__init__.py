"""The staff console's screens: one module each (login, review queue, reject reason)."""
