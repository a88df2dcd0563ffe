"""Freep (api.freep.nl): ministries and agencies. One list answer holds every open assignment;
a detail answer per assignment holds the closing date, dates, rates and the full text. See
`shared/sources/freep.md` (no real detail answer was ever captured: the detail parser is
tolerant by design)."""
