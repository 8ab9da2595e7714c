"""Configuration: outlets, topics and crawl settings, loaded and checked."""
