"""Flextender (www.flextender.nl, api.flextender.nl): spider, page objects, mapping to `Tender`
and the replica. See `crawler/sources/README.md` for what every source folder provides."""
