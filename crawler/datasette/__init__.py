"""Datasette additions that `pantau serve` loads: a plugin and a row template.

plugins/also_published_by.py gives an article's row page the other outlets that carried it
(identical copies: its other URLs; near-duplicates: the other members of its cluster), and
templates/row.html shows them under the row.
"""

from pathlib import Path

PLUGINS_DIR = Path(__file__).parent / "plugins"
TEMPLATES_DIR = Path(__file__).parent / "templates"
