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


def test_extract_without_url_judges_the_page_with_its_canonical_url(tmp_path):
    # A front page that shows its lead story in full: its markup and text alone read as an
    # article; where it says it lives (the site's root) says otherwise.
    page = KIM.read_text("utf-8").replace(
        '<link rel="canonical" href="/pantaunews/internasional/2023/09/18/kim-vladivostok">',
        '<link rel="canonical" href="https://pantau.example/">'
        '<meta property="og:type" content="website">',
    )
    front = tmp_path / "front.html"
    front.write_text(page, "utf-8")
    result = CliRunner().invoke(cli, ["extract", str(front)])
    assert result.exit_code == 1
    assert "the URL is a site's front page" in result.output
    assert "(judged with the page's canonical URL https://pantau.example/)" in result.output
    # The same page declaring a story's URL is that story, and says how it was judged.
    story_url = "https://pantau.example/pantaunews/internasional/2023/09/18/kim-vladivostok"
    story = tmp_path / "story.html"
    story.write_text(page.replace('href="https://pantau.example/"', f'href="{story_url}"'), "utf-8")
    result = CliRunner().invoke(cli, ["extract", str(story)], catch_exceptions=False)
    assert result.exit_code == 0
    article = json.loads(result.output)
    assert article["url"] == story_url
    assert article["notes"][-1] == f"judged with the page's canonical URL {story_url}"


def test_extract_with_url_does_not_mention_the_canonical():
    result = CliRunner().invoke(
        cli,
        ["extract", str(KIM), "--url", "http://127.0.0.1:8000/pantaunews/x/2023/09/18/kim"],
        catch_exceptions=False,
    )
    assert not any("judged with" in note for note in json.loads(result.output)["notes"])


def test_extract_of_real_detik_pages_without_url(real_data):
    detik = real_data / "html" / "detik"
    result = CliRunner().invoke(cli, ["extract", str(detik / "grabsite-detik-homepage-2017.html")])
    assert result.exit_code == 1
    assert "the URL is a site's front page" in result.output
    result = CliRunner().invoke(
        cli, ["extract", str(detik / "anpandu-detik-singlepage.html")], catch_exceptions=False
    )
    text = json.loads(result.output)["text"]
    # The story ends with Samsung's advice, not with the teaser of a 4G story after it.
    assert text.endswith("tambah raksasa elektronik asal Korea Selatan ini.")
    assert "4G LTE" not in text
