"""Extraction: one page in, one article record (or the reason there is none) out."""
