"""The public site (`python -m backbone publish DIR`): the same store writes the same bytes, every figure on it is a
published (suppressed) one, a small cell never appears, and the folder is complete and safe to replace."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from backbone.cli import main
from backbone.errors import BackboneError
from backbone.intake.ingest import ingest_file
from backbone.show.site.build import folder_zip, publish_site
from backbone.store import auth, database
from tests.workbooks import data_workbook

KEY = ["metric_code", "geography", "dimension", "group_value", "period_label"]


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_site(demo_db, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site") / "public"
    publish_site(folder, demo_db)
    return folder


def test_two_publishes_of_the_same_store_write_identical_folders(demo_db, demo_site, tmp_path):
    again = publish_site(tmp_path / "again", demo_db)
    first, second = files_of(demo_site), files_of(tmp_path / "again")
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert folder_zip(demo_site) == folder_zip(tmp_path / "again")  # the Publish button's zip too
    assert again.pages == sum(1 for name in first if name.endswith(".html"))


def test_the_site_has_a_page_per_outcome_embeds_downloads_and_no_outside_address(demo_db, demo_site):
    outcomes = database.query("SELECT metric_code FROM metrics WHERE level = 'community_outcome'", path=demo_db)
    files = files_of(demo_site)
    for code in outcomes.metric_code:
        assert f"outcomes/{code}.html" in files and f"embed/{code}.html" in files
        assert f"data/{code}.csv" in files and f"data/{code}.xlsx" in files
    assert {"index.html", "activities.html", "about.html", "assets/vega.js", "assets/site.js", "assets/site.css"} <= set(files)
    assert any(re.fullmatch(r"embed/\w+-places\.html", name) for name in files)  # a map or the places ranked
    assert any(re.fullmatch(r"embed/grad_rate_4yr-race-ethnicity(-gap)?\.html", name) for name in files)
    for name, body in files.items():
        if name.endswith((".html", ".css")) or (name.endswith(".js") and name.startswith("charts/")):
            text = body.decode("utf-8")
            # Every page, style and chart asks only for files in the folder (links out are plain text, never loaded).
            assert not re.search(r'(src|href)="(https?:)?//', text), name
            assert "url(http" not in text and "@import" not in text, name
    home = files["index.html"].decode()
    assert '<html lang="en">' in home and "Equity at a glance" in home and "Data as of" in home


def test_each_download_holds_exactly_what_its_table_shows(demo_site):
    csv = pd.read_csv(demo_site / "data" / "grad_rate_4yr.csv")
    book = load_workbook(demo_site / "data" / "grad_rate_4yr.xlsx", read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == list(csv.columns) and len(rows) - 1 == len(csv)
    page = (demo_site / "outcomes" / "grad_rate_4yr.html").read_text()
    for period in csv.period_label:
        assert f"<td>{period}</td>" in page


def public_figures(db: str) -> pd.DataFrame:
    """Every figure the public may see: each place, group and period, and the medians of places."""
    return database.query(
        f"SELECT {', '.join(KEY)}, value, suppressed FROM public_outcome_trends"
        f" UNION ALL SELECT {', '.join(KEY)}, value, suppressed FROM public_outcomes", path=db).drop_duplicates(KEY)


def site_figures(folder: Path) -> pd.DataFrame:
    """Every value on the site, from the downloads (each holds exactly what its chart and table show)."""
    frames = []
    for path in sorted((folder / "data").glob("*.csv")):
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"period_label": str})
        frame = frame.rename(columns={"place": "geography"})
        frame["dimension"] = frame["dimension"] if "dimension" in frame else "All"
        frame["group_value"] = frame["group_value"] if "group_value" in frame else "All"
        frame["file"] = path.name
        frames.append(frame[[*KEY, "value", "file"]])
    return pd.concat(frames, ignore_index=True)


def test_every_figure_on_the_site_is_a_published_one(demo_db, demo_site):
    shown = site_figures(demo_site)
    public = public_figures(demo_db)
    joined = shown.merge(public, on=KEY, how="left", suffixes=("", "_public"), indicator=True)
    assert (joined._merge == "both").all(), joined[joined._merge != "both"].head()
    with_value = joined[joined.value.notna()]
    assert len(with_value) > 300
    assert not with_value.suppressed.astype(bool).any()
    assert ((with_value.value - with_value.value_public).abs() < 1e-6).all()
    # A suppressed figure is blank wherever the site lists it, never 0.
    assert joined[joined.suppressed.astype(bool)].value.isna().all()


def test_a_planted_small_cell_appears_nowhere_on_the_site(catalog_db, tmp_path):
    # Kindergarten readiness by group: Group C is 3 of 7 children (42.857…%), a small cell; the others are large.
    rows = []
    for year, counts in {2021: (60, 100, 55, 100), 2022: (64, 100, 58, 100), 2023: (66, 100, 61, 100)}.items():
        a_num, a_den, b_num, b_den = counts
        c_num, c_den = (3, 7) if year == 2023 else (30, 50)
        rows.append(["Kindergarten readiness", year, None, None, None, None, a_num + b_num + c_num, a_den + b_den + c_den])
        rows += [["Kindergarten readiness", year, None, "Group", "Group A", None, a_num, a_den],
                 ["Kindergarten readiness", year, None, "Group", "Group B", None, b_num, b_den],
                 ["Kindergarten readiness", year, None, "Group", "Group C", None, c_num, c_den]]
    result = ingest_file(data_workbook(tmp_path / "kra.xlsx", rows), "SCHOOLS", db=catalog_db)
    assert result.status == "loaded", result.errors
    public = database.query("SELECT * FROM public_outcomes WHERE group_value = 'Group C' AND period_label = '2023'",
                            path=catalog_db)
    assert public.suppressed.all()
    folder = tmp_path / "site"
    publish_site(folder, catalog_db)
    files = files_of(folder)
    assert "outcomes/kindergarten_readiness.html" in files
    for name, body in files.items():
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(body)) as book:
                body = b"".join(book.read(n) for n in book.namelist())
        text = body.decode("utf-8", errors="replace")
        if name != "assets/vega.js":
            assert "42.857" not in text and "42.9%" not in text and "42.86" not in text, name
    groups = pd.read_csv(folder / "data" / "kindergarten_readiness-group.csv", dtype={"period_label": str})
    cell = groups[(groups.group_value == "Group C") & (groups.period_label == "2023")]
    assert len(cell) == 1 and cell.value.isna().all() and cell.numerator.isna().all() and cell.suppressed.all()
    page = files["outcomes/kindergarten_readiness.html"].decode()
    assert "Not shown, to protect small numbers" in page and "Group C, 2023" in page


def test_publish_replaces_an_earlier_site_but_never_a_folder_of_other_files(demo_db, tmp_path):
    folder = tmp_path / "site"
    publish_site(folder, demo_db)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "outcomes" / "gone.html").write_text("an outcome no longer published")
    publish_site(folder, demo_db)
    assert not (folder / "outcomes" / "gone.html").exists()
    assert (folder / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"  # a site kept in git keeps its history
    other = tmp_path / "documents"
    other.mkdir()
    (other / "report.docx").write_bytes(b"mine")
    with pytest.raises(BackboneError, match="not a Backbone site"):
        publish_site(other, demo_db)
    assert (other / "report.docx").read_bytes() == b"mine"
    assert oct((folder / "index.html").stat().st_mode & 0o777) == "0o644"  # a static host's server may read it


def test_only_a_director_publishes(demo_db, tmp_path):
    viewer = auth.User("viewer@example.org", "viewer", None)
    with pytest.raises(auth.PermissionDenied):
        publish_site(tmp_path / "site", demo_db, actor=viewer)
    assert not (tmp_path / "site").exists()


def test_embed_snippets_point_at_the_configured_address(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKBONE_SITE_URL", "https://outcomes.example.org/site")
    publish_site(tmp_path / "site", demo_db)
    page = (tmp_path / "site" / "outcomes" / "grad_rate_4yr.html").read_text()
    assert ('&lt;iframe src=&quot;https://outcomes.example.org/site/embed/grad_rate_4yr.html&quot;' in page)


def test_the_command_line_publishes_and_says_how_heavy_the_pages_are(demo_db, tmp_path, capsys):
    code = main(["--db", demo_db, "publish", str(tmp_path / "site"), "--base-url", "https://example.org/"])
    out = capsys.readouterr().out
    assert code == 0 and "Published" in out and "KB" in out
    assert (tmp_path / "site" / "index.html").exists()
    (tmp_path / "taken").write_text("a file")
    code = main(["--db", demo_db, "publish", str(tmp_path / "taken")])
    assert code == 2 and "is a file" in capsys.readouterr().err
