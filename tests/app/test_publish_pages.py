"""The public site from the app: a director publishes it from Data and history and downloads it as a zip; the
Outcomes page offers each published chart's embed snippet, pointing at the site's address."""

from __future__ import annotations

import io
import zipfile

from tests.app.conftest import download_bytes, texts
from tests.app.test_hardening_pages import accounts  # noqa: F401 - the fixture: the demo with a partner's account
from tests.app.test_pages import HISTORY, OUTCOMES, button, no_exception, outcomes
from tests.app.test_roles import PARTNER, open_as


def test_a_director_publishes_the_site_and_takes_it_away_as_a_zip(writable_demo_store, app, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKBONE_SITE_DIR", str(tmp_path / "public-site"))
    at = app(HISTORY)
    assert not [b for b in at.get("download_button") if b.label == "Download the site (.zip)"]
    button(at, "Publish the site").click().run()
    no_exception(at)
    assert [text for text in texts(at.success) if text.startswith("Published") and "pages" in text]
    offered = [b for b in at.get("download_button") if b.label == "Download the site (.zip)"]
    assert len(offered) == 1
    with zipfile.ZipFile(io.BytesIO(download_bytes(offered[0]))) as archive:
        names = set(archive.namelist())
        home = archive.read("index.html").decode()
    assert {"index.html", "about.html", "outcomes/grad_rate_4yr.html", "embed/grad_rate_4yr.html", "assets/vega.js"} <= names
    assert "Community dashboard" in home
    assert (tmp_path / "public-site" / "outcomes" / "grad_rate_4yr.html").exists()  # and written into the site folder


def test_a_partner_has_no_publish_button(accounts):  # noqa: F811 - pytest's fixture, imported above
    at = open_as(PARTNER, HISTORY)
    no_exception(at)
    assert not [b for b in at.button if b.label == "Publish the site"]


def test_the_outcomes_page_offers_the_embed_snippet_of_each_published_chart(demo_store, app, monkeypatch):
    monkeypatch.setenv("BACKBONE_SITE_URL", "https://outcomes.example.org/site")
    at = outcomes(app, "4-year graduation rate", by="Race/ethnicity")
    snippets = [c.value for c in at.code]
    assert ('<iframe src="https://outcomes.example.org/site/embed/grad_rate_4yr.html" title="4-year graduation rate: '
            'turning the curve" width="100%" height="480" style="border:0" loading="lazy"></iframe>') in snippets
    assert any('src="https://outcomes.example.org/site/embed/grad_rate_4yr-race-ethnicity.html"' in s for s in snippets)
    assert "Embed this chart" in [e.label for e in at.expander]
    assert any("https://outcomes.example.org/site/outcomes/grad_rate_4yr.html#grad_rate_4yr" in t for t in texts(at.markdown))


def test_a_measure_the_site_does_not_publish_offers_no_snippet(demo_store, app):
    at = outcomes(app, "Families visited")
    no_exception(at)
    assert not [c for c in at.code if "<iframe" in c.value]


def test_without_a_site_address_the_page_says_how_to_set_it(demo_store, app, monkeypatch):
    monkeypatch.delenv("BACKBONE_SITE_URL", raising=False)
    at = app(OUTCOMES)
    assert any('<iframe src="embed/' in c.value for c in at.code)
    assert any("BACKBONE_SITE_URL" in text for text in texts(at.caption))
