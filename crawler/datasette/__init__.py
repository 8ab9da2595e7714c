"""What `pantau serve` gives Datasette: a plugin (plugins/pantau.py: home page, search,
article pages, Atom feeds, cell rendering, and through guard.py the client's error where
Datasette would answer a 500), its templates, and the built-in metadata (metadata.yml:
table settings and canned queries), applied to whatever archive is served.
"""

from pathlib import Path

PLUGINS_DIR = Path(__file__).parent / "plugins"
TEMPLATES_DIR = Path(__file__).parent / "templates"
BUILT_IN_METADATA = Path(__file__).parent / "metadata.yml"
