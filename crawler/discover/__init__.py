"""Discovery: article links from feeds, sitemaps, listings and search/tag pages."""
