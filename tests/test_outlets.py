"""Every per-outlet rule is live: it matches the body on a real page of its outlet."""

from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.body import container_text
from crawler.outlets import all_outlets, outlet_for
from tests.mockweb import REAL_DATA, real_articles


@pytest.mark.parametrize("outlet", all_outlets(), ids=lambda outlet: outlet.name)
def test_outlet_rule_finds_a_body_on_a_real_page(real_data, outlet):
    pages = [row for row in real_articles() if outlet_for(row["url"]) is outlet]
    assert pages, f"no real page for {outlet.name}: write one under tests/fixtures/pages/"
    found = []
    for row in pages:
        tree = lxml_html.document_fromstring((REAL_DATA / row["file"]).read_bytes())
        container = container_text(tree, outlet)
        found.append(container is not None and len(container[0].split()) >= 15)
    assert any(found), f"{outlet.name}: no rule matched on {[Path(r['file']).name for r in pages]}"


def test_outlet_for_prefers_the_most_specific_host():
    assert outlet_for("http://photo.liputan6.com/musik/x").name == "liputan6-photo"
    assert outlet_for("https://www.liputan6.com/news/read/1/x").name == "liputan6"
    assert outlet_for("https://voi.id/berita/1/x") is None
