"""Hostile-input declarations, one module per app; each defines FORMS (a list of HostileForm)."""
