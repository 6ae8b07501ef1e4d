"""The registry's HTTP endpoints, one router per area (mounted under ``/v1``)."""
