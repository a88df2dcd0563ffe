"""Inhuurdesk: the spider against the replica (mapping: tests/sources/test_headfirst_mapping.py)."""
