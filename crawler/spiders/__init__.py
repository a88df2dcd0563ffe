"""Scrapy spiders: they decide what to fetch; page objects and the normaliser do the rest."""
