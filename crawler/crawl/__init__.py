"""Fetching with Scrapy: the runner, the spider, middlewares and item pipelines."""
