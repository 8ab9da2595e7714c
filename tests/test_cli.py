import json
import re

import pytest
from click.testing import CliRunner

from crawler.cli.main import cli
from tests.conftest import ROOT, run_pantau, write_config
from tests.mockweb import FIXTURES

KIM = FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html"


@pytest.mark.parametrize(
    "command", [[], ["crawl"], ["serve"], ["extract"], ["reextract"], ["warc"]]
)
def test_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_extract_prints_one_json_object():
    result = CliRunner().invoke(
        cli,
        ["extract", str(KIM), "--url", "http://127.0.0.1:8000/pantaunews/amp/x"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    article = json.loads(result.output)
    assert set(article) >= {"url", "title", "author", "published_at", "text", "language"}
    assert (
        article["url"]
        == "http://127.0.0.1:8000/pantaunews/internasional/2023/09/18/kim-vladivostok"
    )
    assert article["published_at"] == "2023-09-18T14:30:00+07:00"
    assert "\n" in article["text"]


def test_extract_of_a_non_article_fails_cleanly(tmp_path):
    page = tmp_path / "nav.html"
    page.write_text("<html><body><a href='/'>Beranda</a></body></html>")
    result = CliRunner().invoke(cli, ["extract", str(page)])
    assert result.exit_code == 1
    assert "nav.html: no article" in result.output


def test_bad_config_is_one_line_without_traceback(tmp_path):
    config = write_config(tmp_path / "config", [{"name": "a"}], [])
    (config / "sources.yml").write_text("sources: [{name: a, feeds: nope}]")
    result = run_pantau("crawl", "--config", str(config), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2  # bad config (docs/operations.md: exit codes)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: {config / 'sources.yml'}: sources[0] (a).feeds[0]: not an http(s) URL: 'nope'"
    ]
    assert not (tmp_path / "a.db").exists()  # nothing half-done


def test_missing_config_dir(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--config", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "config directory not found" in result.output


def test_bad_setting_override(tmp_path):
    config = write_config(tmp_path / "config", [{"name": "a"}], [])
    result = CliRunner().invoke(cli, ["crawl", "--config", str(config), "-s", "NOEQUALS"])
    assert result.exit_code == 2
    assert "expected NAME=VALUE" in result.output


def _options(command) -> set[str]:
    found = set()
    for param in command.params:
        found.update(o for o in param.opts if o.startswith("-"))
    return found - {"--help"}


def _commands(group, prefix="pantau"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix} {name}")


def test_every_command_and_option_is_documented():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    docs = "\n".join(page.read_text("utf-8") for page in pages)
    for name, command in _commands(cli):
        assert re.search(rf"{name}\b", docs), f"{name} missing from README.md and docs/"
        for option in _options(command):
            assert option in docs, f"{name} {option} missing from README.md and docs/"
