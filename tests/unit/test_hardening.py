"""The settings and habits that keep a deployed app safe: config, escaping, formula-safe exports."""

from __future__ import annotations

import io
import subprocess
import tomllib

import pandas as pd
from openpyxl import load_workbook

from backbone.config import PROJECT_ROOT
from backbone.show.formatting import md
from backbone.store.export import frame_to_csv, frame_to_xlsx


def test_streamlit_config_is_hardened():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"]["enableStaticServing"] is False
    assert config["server"]["maxUploadSize"] == 50
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"


def test_no_page_or_module_renders_raw_html():
    found = subprocess.run(["grep", "-rn", "unsafe_allow_html", "app.py", "pages", "backbone"], cwd=PROJECT_ROOT,
                           capture_output=True, text=True).stdout
    assert found == ""


def test_user_text_shows_as_typed_in_markdown():
    assert md("*** [click](http://x) <b>") == r"\*\*\* \[click\]\(http\://x\) \<b\>"


def test_exports_neutralise_formulas_and_keep_negative_numbers_numeric():
    frame = pd.DataFrame({"partner": ["=HYPERLINK(\"http://evil\")", "+1+1", "-2-3", "@SUM(A1)", "\tx", "Plain"],
                          "change": [-3.5, 1.0, -2.0, 0.0, 4.0, 5.0]})
    csv = pd.read_csv(io.BytesIO(frame_to_csv(frame)))
    assert csv.partner.tolist() == ["'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2-3", "'@SUM(A1)", "'\tx", "Plain"]
    sheet = load_workbook(io.BytesIO(frame_to_xlsx(frame))).active
    assert [sheet.cell(r, 1).data_type for r in range(2, 8)] == ["s"] * 6  # text, never a formula
    assert sheet.cell(2, 1).value.startswith("'=")
    assert sheet.cell(2, 2).value == -3.5 and sheet.cell(2, 2).data_type == "n"
