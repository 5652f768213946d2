"""Pages against what a URL, a partner's file or the catalog can carry: no crash, no Markdown from outside, no staged
file left behind; and the director's backup while the app holds the store."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import auth, database
from tests.app.test_pages import XLSX
from tests.app.test_roles import DIRECTOR, PARTNER, PASSWORD, VIEWER, open_as
from tests.workbooks import METRICS_HEADER, data_workbook, metric_row, write_workbook

PAGES = ["app.py", "pages/1_Outcomes.py", "pages/2_Backbone_activities.py", "pages/3_Phases.py", "pages/4_Partners.py",
         "pages/5_Upload.py", "pages/6_Data_and_history.py", "pages/7_Present.py"]
# What someone can put in a link: Markdown that would draw bold text, a link and an image fetched from elsewhere.
PAYLOAD = "**Bold** [x](http://evil.example/a) ![i](http://evil.example/i.png) www.evil.example"
# Unescaped, any of these would render as formatting, a live link or an outside request.
LIVE = ["**Bold**", "[x](http", "![i](http", "http://evil", "www.evil.example"]


@pytest.fixture
def accounts(writable_demo_store):
    for user in (PARTNER, VIEWER, DIRECTOR):
        auth.add_account(user.email, user.role, user.partner_code, PASSWORD, writable_demo_store)
    database.close_all()
    return writable_demo_store


def rendered_markdown(at: AppTest) -> list[str]:
    """Every text on the page that Streamlit draws as Markdown."""
    bodies = [e.value for kind in ("markdown", "caption", "info", "error", "success", "warning", "title", "header",
                                   "subheader") for e in getattr(at, kind)]
    labels = [e.label for kind in ("metric", "expander", "button", "tabs") for e in getattr(at, kind)]
    return [str(text) for text in bodies + labels]


def live_markup(at: AppTest) -> list[str]:
    return [text for text in rendered_markdown(at) if any(live in text for live in LIVE)]


def catalog_upload_id(db: str) -> str:
    return database.query("SELECT upload_id FROM uploads WHERE kind = 'catalog' LIMIT 1", path=db).upload_id[0]


def test_a_link_to_the_catalogs_upload_opens_for_a_partner_and_a_director(accounts):
    link = {"upload": catalog_upload_id(accounts)}
    for user in (PARTNER, DIRECTOR):
        at = open_as(user, "pages/6_Data_and_history.py", link)  # open_as fails on any exception
        assert at.title[0].value == "Data and history"


def test_outcomes_for_a_place_whose_whole_series_is_hidden_opens(accounts, tmp_path):
    # two of the community's places (the demo catalog's Baltimore neighbourhoods): one too small to show in any year
    rows = [["Students tutored", year, "Canton", None, None, 3] for year in (2021, 2022, 2023)]
    rows += [["Students tutored", year, "Fells Point", None, None, 300] for year in (2021, 2022, 2023)]
    assert ingest_file(data_workbook(tmp_path / "tiny.xlsx", rows), "COUNTY_SCHOOLS_KY", db=accounts).status == "loaded"
    database.close_all()
    metric = database.query("SELECT name FROM metrics WHERE metric_code = 'tutoring_students_served'", path=accounts).name[0]
    for user in (VIEWER, DIRECTOR):
        at = open_as(user, "pages/1_Outcomes.py", {"metric": metric, "geography": "Canton"})
        assert any(info.value.startswith(f"No value to show for {metric} in Canton: every value is hidden to protect small")
                   for info in at.info)


URL_VALUES = ["", " ", "0", "-1", "999999999999", "nan", "None", "'; DROP TABLE uploads; --", PAYLOAD, "x" * 2000,
              "Community", "Median of places", "%00", "../../etc/passwd"]
URL_KEYS = {"app.py": ["metric"], "pages/1_Outcomes.py": ["metric", "geography", "by"], "pages/4_Partners.py": ["partners"],
            "pages/2_Backbone_activities.py": ["view"], "pages/6_Data_and_history.py": ["upload", "q"],
            "pages/7_Present.py": ["deck", "slide"]}


@pytest.mark.parametrize(("page", "key"), [(p, k) for p, keys in URL_KEYS.items() for k in keys])
def test_every_page_handles_every_value_its_url_can_carry(accounts, page, key):
    for user, value in itertools.product((PARTNER, DIRECTOR), URL_VALUES):
        at = open_as(user, page, {key: value})  # fails on any exception
        assert not live_markup(at), (page, key, value, live_markup(at))


def test_what_a_link_says_is_shown_as_text_not_markdown(accounts):
    at = open_as(DIRECTOR, "pages/6_Data_and_history.py", {"upload": PAYLOAD})
    said = [i.value for i in at.info]
    assert any("\\[x\\]\\(http\\://evil\\.example/a\\)" in text for text in said), said
    assert not live_markup(at)


def test_partner_and_catalog_text_is_shown_as_text_on_every_page(accounts, tmp_path):
    # A metric, a partner, a group, a place and a file named with Markdown and a web address.
    load_catalog_workbook(write_workbook(tmp_path / "catalog.xlsx", {
        "Metrics": [METRICS_HEADER, metric_row("evil_metric", f"Evil {PAYLOAD}", "count", aliases="Evil",
                                               definition=PAYLOAD, source=PAYLOAD, notes=PAYLOAD)],
        "Partners": [["code", "name", "sector", "contact"], ["EVIL", f"Evil partner {PAYLOAD}", PAYLOAD, "x@example.org"]],
        "Places": [["place", "level", "role"], [f"Place {PAYLOAD}", "neighbourhood", "community"]],
    }), db=accounts)
    rows = [["Evil", 2023, f"Place {PAYLOAD}", "Group", f"G {PAYLOAD}", 40], ["Evil", 2023, f"Place {PAYLOAD}", None, None, 40]]
    result = ingest_file(data_workbook(tmp_path / "evil.xlsx", rows), "EVIL", db=accounts, original_name=f"{PAYLOAD}.xlsx")
    assert result.status == "loaded", result.errors
    database.close_all()
    for page in PAGES:
        at = open_as(DIRECTOR, page, {"metric": f"Evil {PAYLOAD}"} if page in ("app.py", "pages/1_Outcomes.py") else None)
        assert not live_markup(at), (page, live_markup(at))


def test_a_director_backs_up_while_the_app_holds_the_store(accounts, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKBONE_BACKUPS", str(tmp_path / "backups"))
    at = open_as(DIRECTOR, "pages/6_Data_and_history.py")
    next(b for b in at.button if b.label == "Back up the store now").click().run()
    assert not at.exception
    folders = list((tmp_path / "backups").iterdir())
    assert len(folders) == 1
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["rows"]["observations"] > 0
    assert any(folders[0].name in s.value.replace("\\", "") for s in at.success)
    partner = open_as(PARTNER, "pages/6_Data_and_history.py")
    assert "Back up the store now" not in [b.label for b in partner.button]


def test_the_upload_page_leaves_no_staged_file_behind(accounts, tmp_path):
    from tests.unit.test_hostile_structure import merge_bomb

    at = open_as(PARTNER, "pages/5_Upload.py")
    at.file_uploader(key="workbook").set_value(("hostile.xlsx", merge_bomb(tmp_path).read_bytes(), XLSX)).run()
    assert not at.exception
    assert at.error, "the file is refused on the page"
    incoming = Path(accounts).parent / "uploads" / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
