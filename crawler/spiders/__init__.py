"""Scrapy spiders: built from config/sources.yml by the CLI, not discovered by name."""
