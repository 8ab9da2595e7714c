"""How `pantau serve` starts Datasette: the metadata for the archive it serves, and what
`--public` takes away.

The metadata (the config directory's metadata.yml, else the built-in one) describes one
archive; it is applied to the served database whatever its file is called. In public mode
arbitrary SQL is off, the raw `pages` and the internal tables are denied, and Datasette
starts only with Pantau's own plugin: an installed plugin (one that writes, say) is a
reason to refuse.
"""

import ipaddress
import json
import tempfile
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from crawler.config.load import ConfigError
from crawler.datasette import BUILT_IN_METADATA

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
    archive = dict(next(iter(databases.values()), None) or {})
    if public:
        data["allow_sql"] = False
        tables = archive.setdefault("tables", {})
        for table in PRIVATE_TABLES:
            tables[table] = {**(tables.get(table) or {}), "allow": False, "hidden": True}
    data["databases"] = {database: archive}
    return data


def write_metadata(data: dict[str, Any]) -> Path:
    """The metadata as a file for Datasette's `-m` (it lives as long as the server)."""
    handle = tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="pantau-metadata-", delete=False, encoding="utf-8"
    )
    with handle:
        json.dump(data, handle)
    return Path(handle.name)


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
