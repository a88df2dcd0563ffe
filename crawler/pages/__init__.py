"""Page objects: pure extraction of raw fields from saved responses, one module per site."""

from crawler.pages.raw import RawListing, RawSection, UnrecognisedPage

__all__ = ["RawListing", "RawSection", "UnrecognisedPage"]
