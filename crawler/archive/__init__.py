"""The archive: SQLite schema, writes, deduplication, re-extraction and export."""
