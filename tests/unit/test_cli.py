"""The command line: JSON shape, exit codes, plain messages, every command end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from backbone import config
from backbone.cli import main
from backbone.store import database
from tests.processes import sandbox_readers
from tests.workbooks import data_workbook, small_catalog


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_db(db, tmp_path, capsys):
    code, _, _ = run(capsys, "catalog", str(small_catalog(tmp_path / "catalog.xlsx")))
    assert code == 0
    return db


JSON_KEYS = {"status", "upload_id", "rows_loaded", "rows_new", "rows_changed", "rows_unchanged", "rows_suppressed", "errors", "warnings"}


def test_ingest_json_loaded_then_duplicate(cli_db, tmp_path, capsys):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40, 40, 100], ["KRA", 2021, None, None, None, "*"]])
    code, out, _ = run(capsys, "ingest", str(book), "--partner", "SCHOOLS", "--json")
    result = json.loads(out)
    assert code == 0 and JSON_KEYS <= set(result)
    assert (result["status"], result["rows_loaded"], result["rows_new"], result["rows_suppressed"]) == ("loaded", 2, 2, 1)
    code, out, _ = run(capsys, "ingest", str(book), "--partner", "SCHOOLS", "--json")
    assert code == 0 and json.loads(out)["status"] == "duplicate"


def test_ingest_json_rejected_exits_1_with_located_errors(cli_db, tmp_path, capsys):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40], ["Kindergarten readyness", 2022, "X", None, None, 1]])
    code, out, err = run(capsys, "ingest", str(book), "--partner", "SCHOOLS", "--json")
    result = json.loads(out)
    assert code == 1 and result["status"] == "rejected" and result["upload_id"] is None
    assert result["errors"] == [{"sheet": "Data", "row": 3, "column": "metric",
                                 "message": "unknown metric 'Kindergarten readyness': did you mean 'Kindergarten readiness'?"}]
    assert database.query("SELECT count(*) AS n FROM observations", path=cli_db).n[0] == 0


def test_ingest_dry_run_exits_0_and_writes_nothing(cli_db, tmp_path, capsys):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40]])
    code, out, _ = run(capsys, "ingest", str(book), "--partner", "SCHOOLS", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["status"] == "dry-run" and json.loads(out)["rows_new"] == 1
    assert database.query("SELECT count(*) AS n FROM observations", path=cli_db).n[0] == 0


def test_unknown_partner_and_missing_file_are_usage_errors(cli_db, tmp_path, capsys):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40]])
    code, _, err = run(capsys, "ingest", str(book), "--partner", "NOPE")
    assert code == 2 and "Unknown partner code 'NOPE'" in err and "Traceback" not in err
    assert not sandbox_readers(os.environ["BACKBONE_UPLOADS"])  # the reader it sent the file to ahead is gone too
    code, _, err = run(capsys, "ingest", str(tmp_path / "missing.xlsx"), "--partner", "SCHOOLS")
    assert code == 2 and "does not exist" in err


def test_ingest_a_file_that_is_not_a_spreadsheet_is_rejected_in_plain_words(cli_db, tmp_path, capsys):
    binary = tmp_path / "photo.xlsx"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    code, out, _ = run(capsys, "ingest", str(binary), "--partner", "SCHOOLS", "--json")
    assert code == 1 and "is not a spreadsheet" in json.loads(out)["errors"][0]["message"]


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest"])
    assert exit_info.value.code == 2


def test_undo_template_export_backup_restore(cli_db, tmp_path, capsys):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]])
    _, out, _ = run(capsys, "ingest", str(book), "--partner", "SCHOOLS", "--json")
    upload_id = json.loads(out)["upload_id"]

    code, out, _ = run(capsys, "template", str(tmp_path / "template.xlsx"))
    assert code == 0
    from openpyxl import load_workbook
    template = load_workbook(tmp_path / "template.xlsx")
    assert template.sheetnames == ["Instructions", "Data", "Metrics"]
    assert [c.value for c in template["Data"][1]] == ["metric", "period", "geography", "dimension", "group", "value",
                                                      "numerator", "denominator", "note"]
    assert template["Data"].data_validations.dataValidation[0].formula1 == "=Metrics!$B$2:$B$5"
    assert {template["Metrics"].cell(r, 2).value for r in range(2, 6)} >= {"Kindergarten readiness", "Infant mortality"}

    for out_name in ("all.xlsx", "outcomes.csv", "outcomes.parquet"):
        code, out, _ = run(capsys, "export", str(tmp_path / out_name))
        assert code == 0 and (tmp_path / out_name).exists()
    import pandas as pd
    assert pd.read_csv(tmp_path / "outcomes.csv").query("geography == 'North'").value.tolist() == [40.0]
    assert "community_outcomes" in pd.ExcelFile(tmp_path / "all.xlsx", engine="openpyxl").sheet_names

    code, out, _ = run(capsys, "backup", str(tmp_path / "backup"))
    assert code == 0
    code, out, _ = run(capsys, "undo", upload_id)
    assert code == 0 and "Undone" in out
    assert database.query("SELECT count(*) AS n FROM current_observations", path=cli_db).n[0] == 0
    code, out, _ = run(capsys, "restore", str(tmp_path / "backup"))
    assert code == 0
    assert database.query("SELECT value FROM current_observations", path=cli_db).value.tolist() == [40.0]
    code, _, err = run(capsys, "undo", "no-such-upload")
    assert code == 2 and "No upload with id" in err


def test_init_loads_no_data_and_every_command_has_help(tmp_path):
    env = {"BACKBONE_DB": str(tmp_path / "fresh.duckdb"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(config.PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-m", "backbone", "init"], env=env, capture_output=True, text=True, cwd=config.PROJECT_ROOT)
    assert done.returncode == 0 and "Store ready" in done.stdout
    database.close_all()
    assert database.is_empty(str(tmp_path / "fresh.duckdb"))
    database.close_all()
    for command in ("init", "demo", "template", "catalog", "ingest", "undo", "uploads", "export", "backup", "restore"):
        help_text = subprocess.run([sys.executable, "-m", "backbone", command, "--help"], env=env, capture_output=True, text=True,
                                   cwd=config.PROJECT_ROOT)
        assert help_text.returncode == 0 and "usage: python -m backbone" in help_text.stdout, command


def test_a_restore_that_does_not_match_its_manifest_changes_nothing(cli_db, tmp_path, capsys):
    import json as json_module

    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, "North", None, None, 40, 40, 100]])
    run(capsys, "ingest", str(book), "--partner", "SCHOOLS")
    run(capsys, "backup", str(tmp_path / "backup"))
    manifest = json_module.loads((tmp_path / "backup" / "manifest.json").read_text())
    manifest["rows"]["observations"] += 1  # a damaged or tampered backup
    (tmp_path / "backup" / "manifest.json").write_text(json_module.dumps(manifest))
    run(capsys, "undo", database.query("SELECT upload_id FROM uploads WHERE kind = 'partner'", path=cli_db).upload_id[0])
    before = database.query("SELECT status FROM uploads ORDER BY load_seq", path=cli_db).status.tolist()
    code, _, err = run(capsys, "restore", str(tmp_path / "backup"))
    assert code == 2 and "differ from the backup's manifest" in err
    assert database.query("SELECT status FROM uploads ORDER BY load_seq", path=cli_db).status.tolist() == before


def test_ingest_never_prints_a_traceback(cli_db, tmp_path, capsys, monkeypatch):
    """A fault inside Backbone while ingesting is a plain answer (JSON with --json), exit 1, never a traceback."""
    from backbone.intake import ingest

    def broken(*args, **kwargs):
        raise RuntimeError("store on fire")

    monkeypatch.setattr(ingest, "ingest_file", broken)
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40]])
    code, out, err = run(capsys, "ingest", str(book), "--partner", "SCHOOLS", "--json")
    answer = json.loads(out)
    assert code == 1 and answer["status"] == "error" and "nothing was written" in answer["message"]
    assert "Traceback" not in out + err and "store on fire" not in out + err
    code, out, err = run(capsys, "ingest", str(book), "--partner", "SCHOOLS")
    assert code == 1 and err.startswith("Error: 'a.xlsx' was not loaded") and "Traceback" not in err


def test_export_never_writes_the_accounts_or_the_sign_in_record(cli_db, tmp_path, capsys):
    """Password hashes and who signed in when travel in backups (restore needs them), never in a readable export."""
    from backbone.store import auth

    auth.add_account("director@example.org", "director", None, "a long enough password", cli_db)
    for table in ("accounts", "sign_in_record", "sign_in_settings"):
        code, _, err = run(capsys, "export", str(tmp_path / f"{table}.csv"), "--view", table)
        assert code == 2 and "is not a view Backbone exports" in err, (table, err)
        assert not (tmp_path / f"{table}.csv").exists()
    code, _, _ = run(capsys, "export", str(tmp_path / "partners.csv"), "--view", "partners")
    assert code == 0 and "SCHOOLS" in (tmp_path / "partners.csv").read_text()
