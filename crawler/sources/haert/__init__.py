"""Haert (www.haert.nl, Driessen Groep): an MSP and broker for freelance hiring, mostly for
municipalities; read through its sitemap and each assignment page's JobPosting JSON-LD and
header list (`shared/sources/haert.md`)."""
