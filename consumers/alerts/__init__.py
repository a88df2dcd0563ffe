"""Saved-search alerts: matching (index), the alert consumer, delivery, the API helpers."""
