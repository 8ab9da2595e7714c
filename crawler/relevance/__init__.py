"""Relevance: how close an article is to a topic."""
