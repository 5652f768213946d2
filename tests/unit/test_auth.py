"""Accounts, sign-in and the permission checks that every read and write goes through."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pandas as pd
import pytest

from backbone.cli import main
from backbone.errors import BackboneError
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.store import auth, database, queries
from backbone.store.auth import PermissionDenied, User
from backbone.store.milestones import save_cell
from tests.workbooks import data_workbook, small_catalog

PARTNER = User("ana@schools.example.org", "partner", "SCHOOLS")
OTHER_PARTNER = User("bo@clinic.example.org", "partner", "CLINIC")
VIEWER = User("board@example.org", "viewer")
DIRECTOR = User("dir@backbone.example.org", "director")


def test_passwords_are_salted_slow_hashes_checked_exactly():
    first, second = auth.hash_password("correct horse battery"), auth.hash_password("correct horse battery")
    assert first != second and first.startswith("scrypt$16384$8$1$")  # a fresh salt each time, parameters kept
    assert auth.check_password("correct horse battery", first)
    assert not auth.check_password("correct horse batterz", first)
    assert not auth.check_password("anything", None)


def test_sign_in_and_the_slowdown_after_five_wrong_passwords(catalog_db):
    auth.add_account("Ana@Schools.example.org", "partner", "schools", "a long enough password", catalog_db)
    assert auth.sign_in("ana@schools.example.org", "a long enough password", catalog_db) == PARTNER
    start = datetime(2026, 1, 1, 9, 0)
    for _ in range(4):
        with pytest.raises(BackboneError, match="do not match"):
            auth.sign_in(PARTNER.email, "wrong", catalog_db, now=start)
    with pytest.raises(BackboneError, match="try again in 30 seconds"):
        auth.sign_in(PARTNER.email, "wrong", catalog_db, now=start)  # the fifth
    # While waiting, even the right password is refused, and nothing says whether it was right.
    with pytest.raises(BackboneError, match="Too many wrong passwords"):
        auth.sign_in(PARTNER.email, "a long enough password", catalog_db, now=start + timedelta(seconds=10))
    assert auth.sign_in(PARTNER.email, "a long enough password", catalog_db, now=start + timedelta(seconds=31)) == PARTNER
    assert auth.wait_after(6) == timedelta(seconds=60) and auth.wait_after(20) == timedelta(minutes=15)


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(catalog_db):
    with pytest.raises(BackboneError, match="That email and password do not match an account."):
        auth.sign_in("nobody@example.org", "whatever it is", catalog_db)


def test_accounts_from_the_command_line(catalog_db, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "add", "ana@schools.example.org", "--role", "partner", "--partner", "SCHOOLS"]) == 0
    assert main(["users", "add", "board@example.org", "--role", "viewer", "--no-password"]) == 0
    main(["users", "list"])
    listing = capsys.readouterr().out
    assert "ana@schools.example.org" in listing and "SCHOOLS" in listing and "identity provider" in listing
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert main(["users", "reset", "ana@schools.example.org"]) == 0
    assert auth.sign_in("ana@schools.example.org", "another long password", catalog_db).role == "partner"
    assert main(["users", "remove", "board@example.org"]) == 0
    assert main(["users", "add", "x@example.org", "--role", "partner"]) == 2  # a partner account needs --partner
    assert "needs --partner" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "y@example.org", "--role", "viewer"]) == 2
    assert [row[0] for row in auth.list_accounts(catalog_db)] == ["ana@schools.example.org"]


def test_each_role_may_do_what_it_should_and_no_more():
    assert auth.can(DIRECTOR, "upload", "CLINIC") and auth.can(DIRECTOR, "edit") and auth.can(DIRECTOR, "see_unsuppressed")
    assert auth.can(PARTNER, "upload", "SCHOOLS") and not auth.can(PARTNER, "upload", "CLINIC")
    assert not auth.can(PARTNER, "edit") and not auth.can(PARTNER, "see_unsuppressed") and not auth.can(PARTNER, "see_partners")
    assert not any(auth.can(VIEWER, action) for action in ("see_raw", "upload", "undo", "edit", "see_unsuppressed"))


def test_writes_check_the_role_in_the_package_not_only_the_page(catalog_db, tmp_path):
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40, 40, 100]])
    with pytest.raises(PermissionDenied, match="cannot upload data for CLINIC"):
        ingest_file(book, "CLINIC", actor=PARTNER, db=catalog_db)
    with pytest.raises(PermissionDenied):
        ingest_file(book, "SCHOOLS", actor=VIEWER, db=catalog_db)
    clinic_load = ingest_file(book, "CLINIC", actor=DIRECTOR, db=catalog_db)
    with pytest.raises(PermissionDenied, match="cannot undo an upload of CLINIC"):
        undo_upload(clinic_load.upload_id, actor=PARTNER, db=catalog_db)
    assert undo_upload(clinic_load.upload_id, actor=OTHER_PARTNER, db=catalog_db)["status"] == "undone"
    with pytest.raises(PermissionDenied):
        load_catalog_workbook(small_catalog(tmp_path / "c.xlsx"), actor=PARTNER, db=catalog_db)
    with pytest.raises(PermissionDenied):
        save_cell("I", "planning", pd.DataFrame(columns=["milestone_id"]), pd.DataFrame(columns=["milestone_id"]),
                  actor=VIEWER, db=catalog_db)


def test_reads_of_partner_level_data_are_scoped_in_the_package(catalog_db, tmp_path):
    ingest_file(data_workbook(tmp_path / "s.xlsx", [["KRA", 2022, None, None, None, 40]]), "SCHOOLS", db=catalog_db)
    clinic = ingest_file(data_workbook(tmp_path / "c.xlsx", [["KRA", 2021, None, None, None, 30]]), "CLINIC", db=catalog_db)
    assert set(queries.uploads(PARTNER, db=catalog_db).partner_code) == {"SCHOOLS"}
    assert {"SCHOOLS", "CLINIC"} <= set(queries.uploads(DIRECTOR, db=catalog_db).partner_code.dropna())
    with pytest.raises(PermissionDenied):
        queries.uploads(VIEWER, db=catalog_db)
    with pytest.raises(PermissionDenied, match="cannot see partner-level data"):
        queries.upload_detail(clinic.upload_id, PARTNER, db=catalog_db)
    with pytest.raises(PermissionDenied):
        queries.submission_status(PARTNER, db=catalog_db)


def test_public_outcomes_follow_every_load_and_undo(catalog_db, tmp_path):
    def public_value():
        return database.cursor(catalog_db).execute(
            "SELECT value, suppressed FROM public_outcomes WHERE geography = 'North' AND group_value = 'Asian'").fetchall()

    first = ingest_file(data_workbook(tmp_path / "a.xlsx", [["children_served", 2022, "North", "Race/ethnicity", "Asian", 7],
                                                           ["children_served", 2022, "North", "Race/ethnicity", "White", 300]]),
                        "SCHOOLS", db=catalog_db)
    assert public_value() == [(None, True)]
    fix = ingest_file(data_workbook(tmp_path / "b.xlsx", [["children_served", 2022, "North", "Race/ethnicity", "Asian", 17]]),
                      "SCHOOLS", db=catalog_db)
    assert public_value() == [(17.0, False)]
    undo_upload(fix.upload_id, db=catalog_db)
    assert public_value() == [(None, True)]
    assert first.status == "loaded"
