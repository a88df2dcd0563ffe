"""tenderwatch crawler: spiders, page objects and the normalisation of Dutch listing values."""

__version__ = "0.1.0"
