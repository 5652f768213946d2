"""Upload: a partner sends a workbook, sees what the reader found, fixes a column mapping, loads, and can undo."""

import logging
from pathlib import Path

import streamlit as st

from backbone import ui
from backbone.errors import BackboneError
from backbone.intake import assistant
from backbone.intake.ingest import ingest_file, undo_upload
from backbone.intake.preview import skipped_summary, stored_counts, stored_rows
from backbone.intake.reader.sandbox import prepare as prepare_reader
from backbone.intake.reader.workbook import limits_help
from backbone.intake.staging import staged
from backbone.show.formatting import md, plural
from backbone.store import auth


def failed(exc: Exception, what: str) -> None:
    """A failure in plain words, never a traceback: a mistake Backbone can explain, or a fault (logged) to retry."""
    if isinstance(exc, BackboneError):
        st.error(f"{what}: {md(str(exc))}", icon=":material/error:")
        return
    logging.getLogger(__name__).exception("upload failed")
    st.error(f"{what}. Something went wrong inside Backbone (it has been logged for its developers). Try again; if it "
             "happens again, send the file to the backbone team.", icon=":material/error:")


def show_load(state: dict) -> None:
    """The last load of this session, with its undo: kept when the partner visits other pages and comes back."""
    loaded = state["loaded"]
    if state.get("undone") is not None:
        restored = state["undone"]
        st.info(f"Upload undone: the values from {md(loaded.file_name)} are no longer counted"
                + (f", and {plural(restored, 'earlier value')} they had replaced are current again." if restored else "."),
                icon=":material/undo:")
        return
    st.success(f"Loaded {plural(loaded.rows_loaded, 'value')} from {md(loaded.file_name)}: {loaded.rows_new} new, "
               f"{loaded.rows_changed} changed, {loaded.rows_unchanged} unchanged.", icon=":material/check_circle:")
    for held in (loaded.impact or {}).get("held_back", []):
        st.info(md(held), icon=":material/lock_clock:")
    st.page_link("pages/1_Outcomes.py", label="See the outcomes", icon=":material/show_chart:")
    if st.button("Undo this upload", icon=":material/undo:"):
        try:
            user = ui.current_user()
            state["undone"] = undo_upload(loaded.upload_id, undone_by=user.email, actor=user)["rows_restored"]
        except BackboneError as exc:
            st.error(md(str(exc)))
            return
        ui.clear_caches()
        st.rerun()


def go_to_choice(tab: str, field: str | None) -> None:
    """Open the assistant's tab that answers a finding (and the field of the constant to set)."""
    st.session_state["assistant-tab"] = tab
    if field:
        st.session_state["constant-field"] = assistant.CONSTANT_FIELDS[field]


user = ui.setup_page("Upload data", ":material/upload_file:", needs="upload")
st.title("Upload data")
st.markdown("Send your numbers as an Excel workbook (or CSV). Backbone checks every row first and tells you exactly "
            "what it found; nothing is loaded until you confirm, and a load can be undone.")

partners = ui.read("partners")
if partners.empty:
    ui.empty_state("No partners yet: the backbone loads its catalog workbook (with a Partners sheet) on the "
                   "Data and history page first.")
    st.stop()
# A partner uploads for its own organisation only; the backbone team may upload for any.
organisations = {code: name for code, name in zip(partners.partner_code, partners.name, strict=True) if auth.can(user, "upload", code)}
partner = ui.choose("Your organisation", organisations, "partner", disabled=len(organisations) == 1)
ui.template_download()
st.caption("The template has an instructions sheet, a Data sheet with a dropdown of the metrics, and a Metrics sheet "
           "that explains each one. Files up to 50 MB; .xlsx, .xls, .ods, .csv, or tab-separated .tsv / .txt.")


prepare_reader()  # the sandboxed reader starts while the partner picks a file, not after
uploaded = st.file_uploader("Your workbook", type=["xlsx", "xls", "ods", "csv", "tsv", "txt"], key="workbook",
                            help=limits_help())
state = st.session_state.setdefault("upload", {})
if uploaded is None:
    if state.get("loaded") is not None:
        show_load(state)
    st.stop()

# Streamlit hands the same file over again on every rerun: read it once per file and partner.
if (state.get("file_id"), state.get("partner")) != (uploaded.file_id, partner):
    state.clear()
    state.update(file_id=uploaded.file_id, partner=partner, name=uploaded.name, mapping={}, result=None, loaded=None)
if state["result"] is None:
    # The bytes are on disk only while they are checked (and again while they load): no staged file outlives a run.
    with st.status(f"Reading {md(uploaded.name)}…", expanded=False) as progress, staged(uploaded.getvalue(), uploaded.name) as path:
        try:
            state["result"] = ingest_file(path, partner, dry_run=True, original_name=state["name"],
                                          column_map=state["mapping"], uploaded_by=user.email, actor=user)
        except Exception as exc:  # noqa: BLE001 - a partner never sees a traceback (the reader's own faults are findings)
            failed(exc, f"Backbone could not read {md(uploaded.name)}")
            st.stop()
        progress.update(label=f"Read and checked {md(uploaded.name)}", state="complete")
result = state["result"]

if state["loaded"] is not None:
    show_load(state)
    st.stop()

if result.status == "duplicate":
    st.info(f"This exact file was already loaded (upload {result.duplicate_of}); nothing needs doing.", icon=":material/info:")
    st.stop()

st.subheader("What Backbone found")
counts = st.columns(5)
counts[0].metric("Rows to load", result.rows_new + result.rows_changed + result.rows_unchanged)
counts[1].metric("New", result.rows_new)
counts[2].metric("Changed", result.rows_changed)
counts[3].metric("Suppressed at source", result.rows_suppressed, help="Kept as suppressed with your mark, never as 0.")
counts[4].metric("Missing values", result.rows_missing, help="Blank, N/A and similar cells: not loaded, counted here.")
if result.mapping_source == "recipe" and not state["mapping"]:
    st.info(f"Read with your recipe **{md(result.recipe)}**: this file has the shape it was saved for, so nothing needs "
            "choosing. Change it in 'How your file is read' below if this file differs.", icon=":material/bookmark:")
if result.mapping_source == "remembered":
    st.info("Read with the column mapping confirmed for your organisation's last upload; change it below if this file "
            "differs.", icon=":material/bookmark:")
if result.sheets_used:
    st.markdown("Sheets read: " + ", ".join(f"**{md(s)}**" for s in result.sheets_used))

if result.errors:
    st.error(f"{len(result.errors)} problem{'s' if len(result.errors) != 1 else ''} to fix before this file can load. "
             "Nothing has been loaded.", icon=":material/error:")
    ui.show_findings(result.errors, key="errors")
    steps = assistant.next_steps(result.errors, result.sheets_skipped, result.headers_seen)
    if steps:
        # A finding a choice in the assistant answers: a button that opens that choice.
        st.caption("Fix it in 'How your file is read' below:")
        for column, (label, tab, field) in zip(st.columns(len(steps)), steps, strict=True):
            column.button(label, key=f"step-{label}", on_click=go_to_choice, args=(tab, field), icon=":material/arrow_downward:")
if result.warnings:
    with st.expander(f"{len(result.warnings)} note{'s' if len(result.warnings) != 1 else ''} (loaded anyway)"):
        ui.show_findings(result.warnings, key="notes")

def read_again(mapping: dict) -> None:
    """Read the file again with the assistant's mapping: the findings, preview and impact follow it."""
    state["mapping"], state["result"] = mapping, None
    st.rerun()


checked_against = result.checked.basis.catalog if result.checked is not None else None
if result.headers_seen and checked_against is not None:
    # What the assistant edits: the partner's mapping, or the one remembered for them that read this file.
    base = state["mapping"] or (result.mapping_used if result.mapping_source in ("remembered", "recipe") else None) or {}
    with st.expander("How your file is read", expanded=bool(result.errors) or bool(state["mapping"]), icon=":material/tune:"):
        st.caption("Everything Backbone needs to know about your file, chosen from lists. Backbone's guesses are "
                   "marked; change any of them, then read the file again: the preview below follows.")
        names = sorted(m.name for m in checked_against.metrics.values())
        columns_tab, constants_tab, tables_tab, codes_tab = st.tabs(
            ["Columns", "Same for every row", "Tables", "Codes and fiscal year"], key="assistant-tab", on_change="rerun")
        with columns_tab:
            before = assistant.column_rows(result.headers_seen, result.columns_mapped, base, checked_against)
            edited = st.data_editor(
                before, hide_index=True, key="mapping-editor", width="stretch", disabled=["Table", "Column", "Source"],
                column_config={
                    "Read as": st.column_config.SelectboxColumn("Read as", options=list(assistant.READ_AS.values()), required=True),
                    "Its metric": st.column_config.SelectboxColumn(
                        "Its metric", options=[assistant.NO_METRIC, *names], help="For a value column: the catalog metric its values are"),
                    **{title: st.column_config.TextColumn(title, help="For a value column: what every value in it shares")
                       for title in list(assistant.FIXED_COLUMNS.values())[1:]},
                    "Source": st.column_config.TextColumn("Source", help="Backbone's guess, or your choice"),
                })
            st.caption("A column of values for one metric, period, place or group (a wide table): read it as *value* "
                       "and say what its values share in the columns beside.")
            if st.button("Read again with these columns", icon=":material/refresh:"):
                read_again(assistant.with_columns(base, before, edited))
            # Groups across the columns (Asian, Black, Hispanic...) in one choice rather than three cells per column.
            st.markdown("**Columns that are groups**")
            group_columns = st.multiselect("Columns whose values are one group each", list(dict.fromkeys(before.Column)),
                                           key="group-columns", placeholder="e.g. Asian, Black, Hispanic",
                                           help="Each column's header names its group; its values are read as values")
            dimension = st.text_input("Their dimension", key="group-dimension", placeholder="e.g. Race/ethnicity")
            if st.button("Read these columns as groups", icon=":material/view_column:",
                         disabled=not (group_columns and dimension.strip())):
                read_again(assistant.with_group_columns(base, before, group_columns, dimension))
        with constants_tab:
            scope_names = assistant.scopes(result.sheets_used, result.table_titles)
            constants = assistant.constant_rows(base, result.columns_mapped, scope_names, checked_against)
            if len(constants):
                for index, constant in constants.iterrows():
                    line, remove = st.columns([5, 1])
                    line.markdown(f"**{md(constant.Field)}** is *{md(constant.Value)}* for {md(constant['Applies to'])} "
                                  f"({md(constant.Source)})")
                    if isinstance(constant.key, tuple) and remove.button("Remove", key=f"constant-remove-{index}"):
                        read_again(assistant.without(base, constant.key))
            else:
                st.caption("No value is the same for every row yet.")
            field_words = st.selectbox("Field", list(assistant.CONSTANT_FIELDS.values()), key="constant-field")
            field = next(f for f, w in assistant.CONSTANT_FIELDS.items() if w == field_words)
            if field == "metric":
                value = st.selectbox("Metric", names, index=None, key="constant-metric", placeholder="Choose a metric")
            else:
                value = st.text_input("Value", key="constant-value", placeholder="e.g. 2019-20, Female, Portland SD 1J")
            where = st.selectbox("Applies to", list(scope_names), key="constant-scope",
                                 help="The whole file, one sheet, or one table (by its title)")
            if st.button("Set it for every row", icon=":material/add:", disabled=not value):
                read_again(assistant.with_constant(base, scope_names[where], field, value, checked_against))
        with tables_tab:
            every = assistant.table_references(result.headers_seen, result.table_titles, result.sheets_skipped)
            chosen = st.multiselect("Tables to load", every, default=assistant.chosen_tables(base, every), key="tables-chosen",
                                    help="Tables by their title (or sheet); leave out the ones not to load")
            if st.button("Read again with these tables", icon=":material/refresh:"):
                read_again(assistant.with_tables(base, chosen, every))
        with codes_tab:
            codes = st.data_editor(assistant.code_rows(base), num_rows="dynamic", hide_index=True, key="codes-editor",
                                   width="stretch", column_config={
                                       "Code": st.column_config.TextColumn("Code", help="As it stands in a value cell, e.g. * or NReq"),
                                       "Means": st.column_config.SelectboxColumn("Means", options=list(assistant.CODE_MEANINGS))})
            st.caption("Your own marks for a value not shown: *suppressed* (kept as suppressed, never 0) or *missing* "
                       "(not loaded, counted).")
            months = {None: "as the catalog says for your organisation", **dict(enumerate(assistant.MONTHS, start=1))}
            month = st.selectbox("Your fiscal year starts in", list(months), format_func=months.get, key="fiscal-start",
                                 index=list(months).index(assistant.fiscal_start(base)))
            if st.button("Read again with these codes and fiscal year", icon=":material/refresh:"):
                read_again(assistant.with_fiscal_start(assistant.with_codes(base, codes), month))

not_stored = skipped_summary(result.sheets_skipped, result.skipped, result.missing_reasons, result.rows_not_data)
if not result.errors:
    rows, catalog = result.checked.rows, result.checked.basis.catalog
    st.subheader("How it will be stored")
    st.caption("The first rows exactly as Backbone will store them. If a metric, period, place or group is not what "
               "your file means, change it in 'How your file is read' above.")
    ui.show_table(stored_rows(rows, catalog))
    with st.expander(f"Values per metric, period and place ({plural(rows.num_rows, 'value')} in all)"):
        ui.show_table(stored_counts(rows, catalog))
if len(not_stored):
    with st.expander(f"Read but not stored ({len(not_stored)})"):
        ui.show_text_table(not_stored)
if not result.errors:
    st.subheader("What it changes on the dashboard")
    ui.show_impact(result.impact)
    flags = (result.impact or {}).get("flags", [])
    confirmed = not flags or st.checkbox(f"I have read the {plural(len(flags), 'warning')} above; load anyway",
                                         key="confirm-flags")
    # A reading the partner chose (in the assistant) is saved as a named recipe with the load; a recipe applied as it
    # was is only noted as used.
    recipe_name = None
    if state["mapping"]:
        recipe_name = st.text_input(
            "Save how this file is read as a recipe named", key="recipe-name",
            value=result.recipe or f"{partners.set_index('partner_code').name.get(partner, partner)}: {Path(state['name']).stem}",
            help="Next time a file of the same shape (the same headers) is uploaded, it is read this way by itself. "
                 "Leave empty not to save it.")
        if "period" in state["mapping"]:
            st.caption("This reading sets the period for every row: a later file read with the recipe gets the same "
                       "period unless you change it then. Where you can, let the period come from a column or the title.")
    if confirmed and st.button(f"Load {plural(result.rows_new + result.rows_changed + result.rows_unchanged, 'value')}", type="primary",
                 icon=":material/upload:"):
        try:
            with staged(uploaded.getvalue(), uploaded.name) as path:
                state["loaded"] = ingest_file(path, partner, original_name=state["name"], column_map=state["mapping"],
                                              uploaded_by=user.email, actor=user, checked_before=result,
                                              save_recipe=(recipe_name or "").strip() or None)
        except Exception as exc:  # noqa: BLE001 - a partner never sees a traceback; nothing was written
            failed(exc, f"{md(state['name'])} was not loaded; nothing was written")
            st.stop()
        ui.clear_caches()
        st.rerun()
