"""Accounts, sign-in and the permission checks that every read and write goes through."""

from __future__ import annotations

import io
import os
import stat
import tomllib
from datetime import datetime, timedelta

import pandas as pd
import pytest

from backbone import config
from backbone.cli import main
from backbone.errors import BackboneError
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.store import auth, database, export, queries, sessions
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


# --- issue 14, items 9-12, and issue 20: sessions that end, the sign-in record, the switch, owner-only files -------

PASSWORD = "a long enough password"
SIGNED_IN_PARTNER = User(PARTNER.email, "partner", "SCHOOLS", via=auth.PASSWORD, address="198.51.100.7")


def record_rows(db: str) -> list[tuple]:
    """The whole sign-in record in the order it was written: (event, email, method, address, detail)."""
    return database.cursor(db).execute(
        "SELECT event, email, method, address, detail FROM sign_in_record ORDER BY rowid").fetchall()


def answers(email: str, db: str, start: datetime, tries: int = 7) -> list[str]:
    """What the sign-in says to `tries` wrong passwords in a row for `email`."""
    said = []
    for attempt in range(tries):
        with pytest.raises(BackboneError) as refusal:
            auth.sign_in(email, "not the password", db, now=start + timedelta(seconds=attempt))
        said.append(str(refusal.value))
    return said


@pytest.mark.both_backends
def test_unknown_and_known_emails_get_the_same_answers_all_the_way_to_the_wait(catalog_db):
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    start = datetime(2026, 1, 1, 9, 0)
    known = answers(PARTNER.email, catalog_db, start)
    unknown = answers("nobody@example.org", catalog_db, start)
    assert known == unknown  # nothing a visitor sees tells an account from none
    assert "try again in 30 seconds" in known[4] and "Too many wrong passwords" in known[5]


@pytest.mark.both_backends
def test_a_stranger_guessing_cannot_lock_the_owner_out(catalog_db):
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    start = datetime(2026, 1, 1, 9, 0)
    for attempt in range(8):
        with pytest.raises(BackboneError):
            auth.sign_in(PARTNER.email, "guess", catalog_db, now=start + timedelta(seconds=attempt), address="203.0.113.9")
    with pytest.raises(BackboneError, match="Too many wrong passwords"):  # the stranger's address waits...
        auth.sign_in(PARTNER.email, PASSWORD, catalog_db, now=start + timedelta(seconds=9), address="203.0.113.9")
    # ...the owner, elsewhere, signs in at once, and their own typo does not inherit the stranger's wait
    owner = auth.sign_in(PARTNER.email, PASSWORD, catalog_db, now=start + timedelta(seconds=10), address="198.51.100.7")
    assert owner == PARTNER and owner.via == auth.PASSWORD and owner.address == "198.51.100.7"
    with pytest.raises(BackboneError) as typo:
        auth.sign_in(PARTNER.email, "typo", catalog_db, now=start + timedelta(seconds=11), address="198.51.100.7")
    assert str(typo.value) == "That email and password do not match an account."
    # A password reset clears the waits everywhere.
    auth.reset_password(PARTNER.email, "a brand new password", catalog_db)
    assert auth.sign_in(PARTNER.email, "a brand new password", catalog_db, now=start + timedelta(seconds=12),
                        address="203.0.113.9") == PARTNER


def test_a_streak_of_wrong_passwords_is_forgotten_after_a_day(catalog_db):
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    start = datetime(2026, 1, 1, 9, 0)
    answers(PARTNER.email, catalog_db, start, tries=6)
    answers("nobody@example.org", catalog_db, start, tries=2)
    with pytest.raises(BackboneError) as fresh:  # a day on: the first wrong password of a new streak
        auth.sign_in(PARTNER.email, "wrong", catalog_db, now=start + timedelta(days=1, minutes=30))
    assert str(fresh.value) == "That email and password do not match an account."
    kept = database.cursor(catalog_db).execute("SELECT failures FROM sign_in_failures").fetchall()
    assert kept == [(1,)]  # the other email's old streak went too


def test_the_record_keeps_sign_ins_and_refusals_but_never_a_password(catalog_db):
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    auth.sign_in(PARTNER.email, PASSWORD, catalog_db, address="198.51.100.7")
    for email, password in ((PARTNER.email, "wrong one"), ("stranger@example.org", "whatever"),
                            (PASSWORD, PASSWORD)):  # someone typed the password into the email box
        with pytest.raises(BackboneError):
            auth.sign_in(email, password, catalog_db)
    rows = record_rows(catalog_db)
    assert rows == [
        ("sign-in", PARTNER.email, "password", "198.51.100.7", None),
        ("refusal", PARTNER.email, "password", None, "wrong password"),
        ("refusal", "stranger@example.org", "password", None, "no account for this email"),
        ("refusal", None, "password", None, "no account for this email"),
    ]
    everything = str(database.query("SELECT * FROM sign_in_record", path=catalog_db).to_dict("records"))
    everything += str(database.query("SELECT * FROM sign_in_failures", path=catalog_db).to_dict("records"))
    assert PASSWORD not in everything and "wrong one" not in everything and "whatever" not in everything


@pytest.mark.both_backends
def test_a_partners_refused_upload_for_another_organisation_is_recorded(catalog_db, tmp_path):
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40, 40, 100]])
    with pytest.raises(PermissionDenied, match="cannot upload data for CLINIC"):
        ingest_file(book, "CLINIC", actor=SIGNED_IN_PARTNER, db=catalog_db)
    assert record_rows(catalog_db) == [("refusal", PARTNER.email, "password", "198.51.100.7",
                                        "may not upload data for CLINIC")]
    assert ingest_file(book, "SCHOOLS", actor=SIGNED_IN_PARTNER, db=catalog_db).status == "loaded"
    assert len(record_rows(catalog_db)) == 1  # an allowed write adds nothing


@pytest.mark.both_backends
def test_an_account_removed_or_changed_while_signed_in_loses_its_writes(catalog_db, tmp_path):
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    book = data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40, 40, 100]])
    auth.remove_account(PARTNER.email, catalog_db)
    with pytest.raises(PermissionDenied, match="no longer registered"):
        ingest_file(book, "SCHOOLS", actor=SIGNED_IN_PARTNER, db=catalog_db)
    auth.add_account(PARTNER.email, "viewer", None, PASSWORD, catalog_db)  # re-added as a viewer
    with pytest.raises(PermissionDenied, match="as viewer / presenter you cannot upload"):
        ingest_file(book, "SCHOOLS", actor=SIGNED_IN_PARTNER, db=catalog_db)
    assert [row[4] for row in record_rows(catalog_db)] == ["the account no longer exists", "may not upload data for SCHOOLS"]
    assert database.query("SELECT count(*) AS n FROM uploads WHERE kind = 'partner'", path=catalog_db).n[0] == 0


def test_a_password_session_ends_when_idle_removed_or_changed(catalog_db, monkeypatch):
    monkeypatch.setenv("BACKBONE_IDLE_TIMEOUT_S", str(60 * 60))
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    start = datetime(2026, 1, 1, 9, 0)
    within = sessions.check_password_session(SIGNED_IN_PARTNER, start, start + timedelta(minutes=59), catalog_db)
    assert within.user == PARTNER and within.user.via == "password"
    idle = sessions.check_password_session(SIGNED_IN_PARTNER, start, start + timedelta(minutes=61), catalog_db)
    assert idle.user is None and idle.ended == "timeout" and "after 1 hour without activity" in idle.message
    auth.remove_account(PARTNER.email, catalog_db)
    assert sessions.check_password_session(SIGNED_IN_PARTNER, start, start, catalog_db).ended == "removed"
    auth.add_account(PARTNER.email, "partner", "CLINIC", PASSWORD, catalog_db)
    assert sessions.check_password_session(SIGNED_IN_PARTNER, start, start, catalog_db).ended == "changed"
    assert [row[0] for row in record_rows(catalog_db)] == ["timeout", "refusal", "sign-out"]


def claims(email: str, issued: datetime, nonce: str, **extra) -> dict:
    """What `st.user` holds after an identity-provider sign-in (the ID token's claims, as Streamlit passes them on)."""
    return {"is_logged_in": True, "provider": "default", "iss": "http://127.0.0.1:9400", "sub": email, "email": email,
            "email_verified": True, "iat": int(issued.timestamp()), "nonce": nonce, **extra}


@pytest.mark.both_backends
def test_identity_provider_sign_ins_are_recorded_timed_out_and_independent(catalog_db, monkeypatch):
    monkeypatch.setenv("BACKBONE_IDLE_TIMEOUT_S", str(8 * 60 * 60))
    auth.add_account(DIRECTOR.email, "director", None, None, catalog_db)
    start = datetime(2026, 1, 1, 9, 0)
    laptop, phone = claims(DIRECTOR.email, start, "n-1"), claims(DIRECTOR.email, start, "n-2")
    first = sessions.check_provider_session(laptop, "198.51.100.7", None, start, catalog_db)
    assert first.user == DIRECTOR and first.user.via == "identity provider"
    # Page runs within the idle time go on; the second browser is its own sign-in.
    assert sessions.check_provider_session(laptop, "198.51.100.7", start, start + timedelta(hours=7), catalog_db).user
    other = sessions.check_provider_session(phone, None, None, start + timedelta(hours=7), catalog_db)
    assert other.user == DIRECTOR and other.session_key != first.session_key
    sessions.sign_out(first.user, first.session_key, start + timedelta(hours=7, minutes=1), catalog_db)
    assert sessions.check_provider_session(laptop, None, None, start + timedelta(hours=7, minutes=2), catalog_db).ended == "signed-out"
    assert sessions.check_provider_session(phone, None, None, start + timedelta(hours=7, minutes=2), catalog_db).user
    # The phone idles; a new tab (no activity of its own) nine hours later finds it timed out, and it stays so.
    late = start + timedelta(hours=16, minutes=3)
    assert sessions.check_provider_session(phone, None, None, late, catalog_db).ended == "timeout"
    assert sessions.check_provider_session(phone, None, None, late + timedelta(minutes=1), catalog_db).ended == "timeout"
    assert [row[:3] for row in record_rows(catalog_db)] == [
        ("sign-in", DIRECTOR.email, "identity provider"), ("sign-in", DIRECTOR.email, "identity provider"),
        ("sign-out", DIRECTOR.email, "identity provider"), ("timeout", DIRECTOR.email, "identity provider")]


def test_identity_provider_activity_is_written_at_most_every_eighth_of_the_timeout(catalog_db, monkeypatch):
    monkeypatch.setenv("BACKBONE_IDLE_TIMEOUT_S", str(8 * 60))  # 8 minutes: written at most once a minute
    auth.add_account(DIRECTOR.email, "director", None, None, catalog_db)
    start = datetime(2026, 1, 1, 9, 0)
    cookie = claims(DIRECTOR.email, start, "n-1")

    def last_seen() -> datetime:
        return database.cursor(catalog_db).execute("SELECT last_seen FROM sign_in_sessions").fetchone()[0]

    sessions.check_provider_session(cookie, None, None, start, catalog_db)
    sessions.check_provider_session(cookie, None, start, start + timedelta(seconds=30), catalog_db)
    assert last_seen() == start
    sessions.check_provider_session(cookie, None, start + timedelta(seconds=30), start + timedelta(seconds=70), catalog_db)
    assert last_seen() == start + timedelta(seconds=70)
    # Seven idle minutes after the tab's last page run it is still on; nine, and it is over.
    assert sessions.check_provider_session(cookie, None, start + timedelta(minutes=2), start + timedelta(minutes=9), catalog_db).user
    assert sessions.check_provider_session(cookie, None, start + timedelta(minutes=9), start + timedelta(minutes=18),
                                           catalog_db).ended == "timeout"


def test_identity_provider_refuses_unverified_and_unregistered_emails(catalog_db):
    auth.add_account(DIRECTOR.email, "director", None, None, catalog_db)
    start = datetime.now()
    unverified = sessions.check_provider_session(claims(DIRECTOR.email, start, "n-1", email_verified=False), now=start,
                                                 db=catalog_db)
    assert unverified.user is None and unverified.ended == "unverified" and "has not verified" in unverified.message
    missing = claims(DIRECTOR.email, start, "n-2")
    del missing["email_verified"]
    assert sessions.check_provider_session(missing, now=start, db=catalog_db).ended == "unverified"
    entra = {**missing, "nonce": "n-3", "xms_edov": True}  # Microsoft Entra ID: the email's domain is verified
    assert sessions.check_provider_session(entra, now=start, db=catalog_db).user == DIRECTOR
    stranger = sessions.check_provider_session(claims("someone@example.org", start, "n-4"), now=start, db=catalog_db)
    assert stranger.ended == "unregistered" and "someone@example.org is not registered" in stranger.message
    old_cookie = claims(DIRECTOR.email, start - timedelta(hours=9), "n-5")  # first seen after the idle time
    assert sessions.check_provider_session(old_cookie, now=start, db=catalog_db).ended == "timeout"
    assert [(row[0], row[4]) for row in record_rows(catalog_db)] == [
        ("refusal", "the identity provider has not verified this email"),
        ("refusal", "the identity provider has not verified this email"),
        ("sign-in", None), ("refusal", "no account for this email"), ("timeout", "no page run within the idle timeout")]


def test_sign_in_stays_on_after_the_last_account_is_removed_until_turned_off(db, capsys, monkeypatch):
    assert not auth.sign_in_required(db)  # a fresh store: the local director
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "dir@backbone.example.org", "--role", "director"]) == 0
    assert main(["users", "remove", "dir@backbone.example.org"]) == 0
    assert "Sign-in stays on" in capsys.readouterr().out
    assert auth.sign_in_required(db)
    assert main(["users", "sign-in", "off"]) == 0
    assert "Sign-in is off" in capsys.readouterr().out and not auth.sign_in_required(db)
    assert main(["users", "sign-in", "on"]) == 0 and auth.sign_in_required(db)


@pytest.mark.both_backends
def test_users_log_prints_the_record_and_backups_carry_it(catalog_db, tmp_path, capsys):
    auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, catalog_db)
    auth.sign_in(PARTNER.email, PASSWORD, catalog_db, address="198.51.100.7")
    with pytest.raises(BackboneError):
        auth.sign_in("stranger@example.org", "whatever", catalog_db)
    database.write(lambda cur: cur.execute(  # older than 90 days: kept, but not shown
        "INSERT INTO sign_in_record VALUES (now()::TIMESTAMP - INTERVAL 100 DAY, 'sign-in', 'old@example.org', 'password', NULL, NULL)"),
        catalog_db)
    assert main(["users", "log"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "refusal" in lines[0] and "stranger@example.org" in lines[0] and "this computer" in lines[0]
    assert "sign-in" in lines[1] and PARTNER.email in lines[1] and "198.51.100.7" in lines[1]
    assert main(["users", "log", "--days", "365"]) == 0 and "old@example.org" in capsys.readouterr().out
    export.backup(tmp_path / "backup", catalog_db)
    database.write(lambda cur: cur.execute("DELETE FROM sign_in_record"), catalog_db)
    export.restore(tmp_path / "backup", catalog_db)
    assert len(record_rows(catalog_db)) == 3


def test_store_and_backup_files_are_owner_only(tmp_path, monkeypatch):
    database.close_all()
    previous = os.umask(0o022)  # a usual shell's umask: files 0644 unless the store says otherwise
    try:
        store = tmp_path / "store"
        monkeypatch.setenv("BACKBONE_UPLOADS", str(store / "uploads"))
        db = str(store / "database.duckdb")
        load_catalog_workbook(small_catalog(tmp_path / "catalog.xlsx"), db=db)
        ingest_file(data_workbook(tmp_path / "a.xlsx", [["KRA", 2022, None, None, None, 40, 40, 100]]), "SCHOOLS", db=db)
        auth.add_account(PARTNER.email, "partner", "SCHOOLS", PASSWORD, db)
        export.backup(tmp_path / "backup", db)
        database.close_all()
        made = [store / "database.duckdb", *sorted((store / "uploads").rglob("*")), tmp_path / "backup",
                *sorted((tmp_path / "backup").rglob("*"))]
        modes = {str(path.relative_to(tmp_path)): stat.S_IMODE(path.stat().st_mode) for path in made}
        assert len(modes) > 5 and all(mode in (0o600, 0o700) for mode in modes.values()), {k: oct(v) for k, v in modes.items()}
    finally:
        os.umask(previous)


def test_the_example_secrets_file_configures_what_st_login_needs():
    example = tomllib.loads((config.PROJECT_ROOT / ".streamlit" / "secrets.toml.example").read_text())["auth"]
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"} <= set(example)
    assert example["redirect_uri"].endswith("/oauth2callback")
    assert example["server_metadata_url"].endswith("/.well-known/openid-configuration")


def test_the_sign_in_settings_are_documented():
    readme = (config.PROJECT_ROOT / "README.md").read_text()
    for setting in ("BACKBONE_IDLE_TIMEOUT_S", "BACKBONE_TRUSTED_PROXIES", "users sign-in off", "users log", "xms_edov"):
        assert setting in readme, setting
