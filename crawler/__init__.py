"""tenderwatch crawler: what every source shares (Dutch value parsers, HTML to text, the crawl
state and outbox, the publisher, Scrapy pipelines, middlewares and settings) and, under
`crawler/sources/`, one folder per source."""
