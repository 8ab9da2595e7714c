"""How `pantau serve` starts Datasette: the metadata for the archive it serves, what
`--public` takes away, and the server itself.

The metadata (the config directory's metadata.yml, else the built-in one) describes one
archive; it is applied to the served database whatever its file is called. In public mode
arbitrary SQL is off, the raw `pages` and the internal tables are denied, and Datasette
starts only with Pantau's own plugin: an installed plugin (one that writes, say), or a
canned query that writes, is a reason to refuse.

Datasette runs in this process, given the metadata as it is: nothing is written beside
the archive or in the temporary folder, so nothing is left behind however it stops.
"""

import ipaddress
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from crawler.config.load import ConfigError
from crawler.datasette import BUILT_IN_METADATA, PLUGINS_DIR, TEMPLATES_DIR

# Denied to the public: raw responses, and the index and bookkeeping tables.
PRIVATE_TABLES = ["pages", "dedup_keys", "dedup_signatures", "stem_queue", "fts_deferral"]


def metadata_for(config_dir: Path, database: str, public: bool) -> dict[str, Any]:
    path = config_dir / "metadata.yml"
    if not path.is_file():
        path = BUILT_IN_METADATA
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(path, "(file)", f"cannot read: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(path, "(top level)", "must be a mapping of keys to values")
    databases = data.get("databases") or {}
    if not isinstance(databases, dict) or len(databases) > 1:
        raise ConfigError(path, "databases", "must describe one archive (any name)")
    key, archive = next(iter(databases.items()), ("archive", None))
    archive = dict(archive or {})
    if public:
        queries = archive.get("queries") or {}
        for name, query in queries.items() if isinstance(queries, dict) else []:
            if isinstance(query, dict) and query.get("write"):
                problem = "writes; --public serves read-only"
                raise ConfigError(path, f"databases.{key}.queries.{name}", problem)
        data["allow_sql"] = False
        tables = archive.setdefault("tables", {})
        for table in PRIVATE_TABLES:
            tables[table] = {**(tables.get(table) or {}), "allow": False, "hidden": True}
    data["databases"] = {database: archive}
    return data


def datasette_for(db_path: Path, metadata: dict[str, Any], public: bool):
    """Datasette on the archive with Pantau's plugin, templates and `metadata`."""
    # Imported here: every other command starts without Datasette's import time.
    from datasette.app import Datasette

    return Datasette(
        [str(db_path)],
        metadata=metadata,
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        settings={"default_page_size": 50, "default_allow_sql": not public},
    )


def serve_archive(
    db_path: Path, metadata: dict[str, Any], host: str, port: int, public: bool
) -> None:
    """Serve until stopped (Ctrl-C, SIGTERM): the server finishes the requests under way."""
    import uvicorn

    app = datasette_for(db_path, metadata, public).app()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", lifespan="on")
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a server in a terminal is stopped, not a failure


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def other_plugins() -> list[str]:
    """Datasette plugins installed in this environment (Pantau's own is not installed)."""
    return sorted({entry.name for entry in entry_points(group="datasette")})
