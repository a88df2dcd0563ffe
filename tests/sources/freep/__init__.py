"""Freep: mapping of list and detail answers, the spider against the replica."""
