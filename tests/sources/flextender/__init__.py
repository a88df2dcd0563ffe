"""Flextender: page objects and mapping on the seed listings, the spider against the replica."""
