"""Retention: citizens' data kept only as long as it is needed (`kcc retention`, and the worker once a day)."""
