"""Opdrachtoverheid: the search records and JobPosting fallback mapped, the spider against the
replica."""
