"""The command line: init, demo, template, catalog, ingest, undo, uploads, export, publish, backup, restore,
copy-store, maintain, users, plans."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from datetime import date
from pathlib import Path

from backbone import config
from backbone.errors import BackboneError, StoreInUse
from backbone.store import database

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_STORE_IN_USE = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default also exits 2, but prints usage noise first
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """Every command with its help text."""
    parser = _Parser(prog="python -m backbone", description="Backbone: the shared-measurement store for a collective-impact partnership.")
    parser.add_argument("--db", help="the store (default: $BACKBONE_DB or data/backbone.duckdb)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("init", help="create or upgrade the store and its views (loads no data)")
    commands.add_parser("demo", help="load the demo initiative through the partners' import path")
    template = commands.add_parser("template", help="write the partner workbook template")
    template.add_argument("out", type=Path, help="where to write it, e.g. template.xlsx")
    catalog = commands.add_parser("catalog", help="load Metrics / Partners / Roles / Targets / Milestones / Expected / Boundaries sheets")
    catalog.add_argument("file", type=Path)
    ingest = commands.add_parser("ingest", help="validate and load a partner workbook")
    ingest.add_argument("file", type=Path)
    ingest.add_argument("--partner", required=True, help="the partner's code, e.g. HEALTHDEPT")
    ingest.add_argument("--dry-run", action="store_true", help="validate and count changes, write nothing")
    ingest.add_argument("--json", action="store_true", help="print exactly one JSON object")
    ingest.add_argument("--by", default="cli", help="who is loading (recorded with the upload)")
    ingest.add_argument("--map", type=Path, help='a JSON file naming what columns hold, e.g. {"Rate": "value", "Year": "period",'
                        ' "metric": "=Kindergarten readiness"} (README: Shaping a partner workbook)')
    ingest.add_argument("--recipe", help="read the file with the partner's recipe of this name (`recipes` lists them)")
    ingest.add_argument("--save-recipe", metavar="NAME", help="save the mapping this load used as the partner's recipe NAME")
    commands.add_parser("recipes", help="list every partner's saved recipes (named mappings applied to files of their shape)")
    undo = commands.add_parser("undo", help="roll a load back, restoring the values it replaced")
    undo.add_argument("upload_id")
    commands.add_parser("uploads", help="list every upload, newest first")
    export = commands.add_parser("export", help="write the public views to .xlsx, or one view to .csv / .parquet")
    export.add_argument("out", type=Path)
    export.add_argument("--view", help="one view (default: all for .xlsx, community_outcomes otherwise)")
    publish = commands.add_parser("publish", help="write the public site (suppressed figures only) into a folder: pages,"
                                  " embeddable charts, CSV and Excel; an earlier site there is replaced")
    publish.add_argument("directory", type=Path)
    publish.add_argument("--base-url", help="the address the site will be served at, for the embed snippets"
                         " (default: $BACKBONE_SITE_URL)")
    backup = commands.add_parser("backup", help="copy the whole store (and kept uploads) into a new folder")
    backup.add_argument("directory", type=Path)
    restore = commands.add_parser("restore", help="replace the store's contents with a backup")
    restore.add_argument("directory", type=Path)
    copy = commands.add_parser("copy-store", help="copy the whole store into an empty other one: a DuckDB file into a lake"
                               " (ducklake:postgres:…, with BACKBONE_DATA_PATH) or a lake into a file")
    copy.add_argument("target", help="the store to copy into, e.g. 'ducklake:postgres:dbname=backbone host=db' or data/copy.duckdb")
    commands.add_parser("maintain", help="tidy the store's files: on a lake, merge small Parquet files and remove"
                        " ones no snapshot needs (run at a quiet time)")
    users = commands.add_parser("users", help="manage who may sign in: add, list, remove, reset, sign-in on|off, log")
    actions = users.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser("add", help="create an account (asks for its password)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=["director", "partner", "viewer"])
    add.add_argument("--partner", help="the partner's code (partner accounts only)")
    add.add_argument("--no-password", action="store_true", help="signs in only through the identity provider (st.login)")
    actions.add_parser("list", help="list accounts")
    remove_user = actions.add_parser("remove", help="delete an account")
    remove_user.add_argument("email")
    reset = actions.add_parser("reset", help="set a new password (asks for it) and clear failed attempts")
    reset.add_argument("email")
    switch = actions.add_parser("sign-in", help="turn sign-in on or off (on from the first account; off makes everyone "
                                "on this computer the local director, and the app then answers only on 127.0.0.1)")
    switch.add_argument("state", choices=["on", "off", "status"])
    log = actions.add_parser("log", help="print the sign-in record: sign-ins, refusals, sign-outs, timeouts")
    log.add_argument("--days", type=int, default=config.SIGN_IN_RECORD_DAYS,
                     help=f"how many days back (default {config.SIGN_IN_RECORD_DAYS})")
    plans = commands.add_parser("plans", help="turn-the-curve plans as a workbook: export to draft, import to load back")
    plan_actions = plans.add_subparsers(dest="action", required=True, parser_class=_Parser)
    plans_out = plan_actions.add_parser("export", help="write every plan (Plans, Partners, Actions sheets) to .xlsx")
    plans_out.add_argument("out", type=Path)
    plans_out.add_argument("--as-of", type=_day, help="the plans as they stood at the end of this day, e.g. 2025-05-13")
    plans_in = plan_actions.add_parser("import", help="check a plans workbook and replace each plan on it (all or nothing)")
    plans_in.add_argument("file", type=Path)
    plans_in.add_argument("--by", default="cli", help="who is loading (recorded with every change)")
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write it as 2025-05-13") from exc


def main(argv: list[str] | None = None) -> int:
    """Run one command; user mistakes print a plain message (no traceback) and exit 1 or 2."""
    args = build_parser().parse_args(argv)
    db = args.db or config.db_path()
    try:
        return _run(args, db)
    except StoreInUse as exc:
        if getattr(args, "json", False):
            print(json.dumps({"status": "store in use", "message": str(exc), "errors": [], "warnings": []}))
        else:
            print(f"Error: {exc}", file=sys.stderr)
        return EXIT_STORE_IN_USE
    except BackboneError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"status": "error", "message": str(exc), "errors": [], "warnings": []}))
        else:
            print(f"Error: {exc}", file=sys.stderr)
        usage_errors = ("ingest", "undo", "restore", "export", "publish", "backup", "users", "copy-store")
        return EXIT_USAGE if args.command in usage_errors else EXIT_REJECTED
    finally:
        database.close_all()


def _run(args: argparse.Namespace, db: str) -> int:
    database.connect(db)
    if args.command == "init":
        print(f"Store ready: {db}")
    elif args.command == "demo":
        from backbone.demo import load_demo

        results = load_demo(db)
        for result in results:
            print(f"{result.partner_code:<12} {result.file_name:<28} {result.status:<9} {result.rows_loaded:>6} rows")
    elif args.command == "template":
        from backbone.intake.template import write_template

        print(f"Template written: {write_template(args.out, db)}")
    elif args.command == "catalog":
        from backbone.intake.catalog_workbook import load_catalog_workbook

        _require_file(args.file)
        loaded = load_catalog_workbook(args.file, db=db)
        if loaded.errors:
            print(f"Rejected: {args.file.name} has {len(loaded.errors)} problem(s); nothing was loaded.", file=sys.stderr)
            for finding in loaded.errors:
                print(f"  - {finding}", file=sys.stderr)
            return EXIT_REJECTED
        print("Catalog loaded: " + ", ".join(f"{n} {sheet}" for sheet, n in loaded.counts.items()))
        for note in loaded.notes:
            print(f"  {note}")
    elif args.command == "ingest":
        return _ingest(args, db)
    elif args.command == "undo":
        from backbone.intake.ingest import undo_upload

        done = undo_upload(args.upload_id, db=db)
        print(f"Undone: {done['file_name']} ({done['upload_id']}); {done['rows_restored']} earlier values are current again.")
        for held in done["held_back"]:
            print(f"  held back: {held}")
    elif args.command == "uploads":
        frame = database.query(
            "SELECT upload_id, uploaded_at, kind, partner_code, file_name, status, rows_loaded, rows_new, rows_changed,"
            " rows_unchanged FROM uploads ORDER BY load_seq DESC",
            path=db,
        )
        print(frame.to_string(index=False) if len(frame) else "No uploads yet.")
    elif args.command == "recipes":
        frame = database.query(
            "SELECT partner_code, name, saved_at, saved_by, last_used_at, mapping_json FROM recipes"
            " ORDER BY partner_code, saved_at DESC", path=db)
        print(frame.to_string(index=False) if len(frame) else "No recipes yet: a load saves one (Upload page, or "
              "`ingest --save-recipe NAME`).")
    elif args.command == "export":
        from backbone.store.export import export_views

        counts = export_views(args.out, args.view, db)
        print(f"Exported to {args.out}: " + ", ".join(f"{name} ({n} rows)" for name, n in counts.items()))
    elif args.command == "publish":
        from backbone.show.site.build import publish_site

        done = publish_site(args.directory, db, args.base_url)
        page, weight = done.largest_page
        print(f"Published {done.pages} pages ({done.files} files) into {args.directory}; the heaviest outcome page, "
              f"{page}, weighs {weight / 1024:,.0f} KB with its charts (plus the chart library every page shares).")
    elif args.command == "backup":
        from backbone.store.export import backup

        counts = backup(args.directory, db)
        print(f"Backed up {sum(counts.values())} rows from {len(counts)} tables into {args.directory}")
    elif args.command == "copy-store":
        from backbone.store.export import copy_store

        counts = copy_store(db, args.target)
        print(f"Copied {sum(counts.values())} rows from {len(counts)} tables into {args.target}")
    elif args.command == "maintain":
        database.maintain(db)
        print(f"Store tidied: {db}")
    elif args.command == "users":
        return _users(args, db)
    elif args.command == "plans":
        return _plans(args, db)
    elif args.command == "restore":
        from backbone.store.export import restore

        if not args.directory.is_dir():
            raise BackboneError(f"'{args.directory}' is not a folder.")
        counts = restore(args.directory, db)
        print(f"Restored {sum(counts.values())} rows into {db}")
    return EXIT_OK


def _read_password(email: str) -> str:
    """A new password: asked twice on a terminal, or one line from standard input (scripts, tests)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"New password for {email}: ")
    if first != getpass.getpass("Again: "):
        raise BackboneError("The two passwords differ; nothing was changed.")
    return first


def _users(args: argparse.Namespace, db: str) -> int:
    from backbone.store import auth

    if args.action == "add":
        password = None if args.no_password else _read_password(args.email)
        auth.add_account(args.email, args.role, args.partner, password, db)
        print(f"Account added: {args.email} ({args.role}{f' for {args.partner.upper()}' if args.partner else ''}).")
    elif args.action == "list":
        rows = auth.list_accounts(db)
        for email, role, partner, has_password, last in rows:
            print(f"{email:<36} {role:<9} {partner or '':<18} {'password' if has_password else 'identity provider':<18} "
                  f"{f'last sign-in {last:%Y-%m-%d %H:%M}' if last else 'never signed in'}")
        if not rows:
            print("No accounts: the app runs as a single local director (see README: Accounts).")
    elif args.action == "remove":
        auth.remove_account(args.email, db)
        print(f"Account removed: {args.email}.")
        if not auth.list_accounts(db) and auth.sign_in_required(db):
            print("That was the last account. Sign-in stays on, so nobody can sign in until you add an account "
                  "(`users add`) or turn sign-in off (`users sign-in off`).")
    elif args.action == "reset":
        auth.reset_password(args.email, _read_password(args.email), db)
        print(f"Password reset for {args.email}.")
    elif args.action == "sign-in":
        if args.state != "status":
            auth.set_sign_in_required(args.state == "on", db)
        if auth.sign_in_required(db):
            print("Sign-in is on: the app asks everyone to sign in (a password, or the identity provider when "
                  ".streamlit/secrets.toml configures one).")
        else:
            print("Sign-in is off: whoever opens the app on this computer is the local director, and the app refuses "
                  "to serve any address but 127.0.0.1 (an identity provider in .streamlit/secrets.toml still applies).")
    elif args.action == "log":
        from backbone.store.sign_in_record import recent

        rows = recent(args.days, db)
        for when, what, who, how, where, why in rows.itertuples(index=False, name=None):
            print(f"{when:%Y-%m-%d %H:%M:%S}  {what:<9} {who:<36} {how:<20} {where:<16} {why}".rstrip())
        if rows.empty:
            print(f"Nothing recorded in the last {args.days} days.")
    return EXIT_OK


def _plans(args: argparse.Namespace, db: str) -> int:
    if args.action == "export":
        from backbone.store.plan_export import write_plan_workbook

        if args.out.suffix.lower() != ".xlsx":
            raise BackboneError(f"Write the plans to an .xlsx workbook, not '{args.out.name}'.")
        from backbone.show.formatting import plural

        counts = write_plan_workbook(args.out, args.as_of, db)
        print(f"Plans written to {args.out}" + (f" as they stood on {args.as_of}" if args.as_of else "") + ": "
              + ", ".join(plural(n, f"{sheet.lower().rstrip('s')} row") for sheet, n in counts.items()))
        return EXIT_OK
    from backbone.intake.plan_workbook import load_plan_workbook

    _require_file(args.file)
    loaded = load_plan_workbook(args.file, changed_by=args.by, db=db)
    if loaded.errors:
        print(f"Rejected: {args.file.name} has {len(loaded.errors)} problem(s); nothing was changed.", file=sys.stderr)
        for finding in loaded.errors:
            print(f"  - {finding}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Plans loaded: {loaded.counts['plans']} plan(s) replaced, {loaded.counts['changes']} change(s) kept in their history.")
    return EXIT_OK


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise BackboneError(f"'{path}' does not exist or is not a file.")


def _ingest(args: argparse.Namespace, db: str) -> int:
    from backbone.intake.reader import sandbox

    _require_file(args.file)
    # The file goes to a reader child first: it reads on the other core while this process imports the rest.
    sandbox.read_ahead(args.file)
    try:
        return _ingest_read_ahead(args, db)
    finally:
        sandbox.end_reads_ahead()


def _ingest_read_ahead(args: argparse.Namespace, db: str) -> int:
    from backbone.intake.ingest import ingest_file, warm_up

    warm_up()
    column_map = None
    if args.map and args.recipe:
        raise BackboneError("Give --map or --recipe, not both: a recipe is a saved mapping.")
    if args.map:
        _require_file(args.map)
        try:
            column_map = json.loads(args.map.read_text())
        except json.JSONDecodeError as exc:
            raise BackboneError(f"'{args.map}' is not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    try:
        result = ingest_file(args.file, args.partner, uploaded_by=args.by, dry_run=args.dry_run, column_map=column_map, db=db,
                             recipe=args.recipe, save_recipe=args.save_recipe)
    except BackboneError:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback: a plain answer (JSON too), exit 1, nothing written
        logging.getLogger(__name__).debug("ingest failed", exc_info=True)
        message = (f"'{args.file.name}' was not loaded and nothing was written: something went wrong inside Backbone "
                   f"({type(exc).__name__}). Try again; if it happens again, send the file to the backbone team.")
        if args.json:
            print(json.dumps({"status": "error", "message": message, "errors": [], "warnings": []}))
        else:
            print(f"Error: {message}", file=sys.stderr)
        return EXIT_REJECTED
    if args.json:
        data = result.as_dict()
        keys = ["status", "upload_id", "rows_loaded", "rows_new", "rows_changed", "rows_unchanged", "rows_suppressed",
                "rows_missing", "errors", "warnings", "sheets_used", "sheets_skipped", "missing_reasons", "skipped", "duplicate_of",
                "cells", "rows_not_data", "columns_mapped", "headers_seen", "mapping_source", "recipe", "impact"]
        print(json.dumps({k: data[k] for k in keys}, default=str))
    else:
        _print_ingest(result)
    return EXIT_REJECTED if result.status == "rejected" else EXIT_OK


def _print_ingest(result) -> None:
    if result.status == "duplicate":
        print(f"Duplicate: {result.file_name} was already loaded as upload {result.duplicate_of}; nothing changed.")
        return
    if result.status == "rejected":
        print(f"Rejected: {result.file_name} has {len(result.errors)} problem(s); nothing was loaded.", file=sys.stderr)
        for finding in result.errors:
            print(f"  - {finding}", file=sys.stderr)
        return
    verb = "Would load" if result.status == "dry-run" else f"Loaded (upload {result.upload_id})"
    print(f"{verb}: {result.rows_new} new, {result.rows_changed} changed, {result.rows_unchanged} unchanged;"
          f" {result.rows_suppressed} suppressed at source, {result.rows_missing} missing values skipped.")
    for finding in result.warnings:
        print(f"  note: {finding}")
    for flag in (result.impact or {}).get("flags", []):
        print(f"  look twice: {flag}")
    for held in (result.impact or {}).get("held_back", []):
        print(f"  held back: {held}")
