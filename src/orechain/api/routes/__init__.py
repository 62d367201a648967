"""API route modules, one per area; each exposes ``router``."""
