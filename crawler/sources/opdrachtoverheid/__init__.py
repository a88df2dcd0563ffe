"""Opdrachtoverheid (www.opdrachtoverheid.nl): an aggregator of public-sector assignments. Its
site's own search endpoint (not a documented API, so it can change) answers the open records
with hours, maximum rate, closing moment, province and the original platform and URL; the
fallback is the sitemap plus the schema.org JobPosting JSON-LD of each detail page. See
`shared/sources/opdrachtoverheid.md`."""
