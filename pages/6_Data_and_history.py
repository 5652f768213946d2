"""Data and history: every upload with the difference it made (and undo), the searchable catalog, and catalog updates."""

import pandas as pd
import streamlit as st

from backbone import ui
from backbone.errors import BackboneError
from backbone.intake.catalog_workbook import load_catalog_upload
from backbone.intake.ingest import undo_upload
from backbone.show.formatting import md, plural
from backbone.store import auth
from backbone.store.export import backup_now
from backbone.vocab import DIRECTIONS, LEVELS, UNITS

user = ui.setup_page("Data and history", ":material/history:", needs="see_raw")
st.title("Data and history")


def undo(upload_id: str) -> None:
    """Undo one upload as the signed-in person (the package re-checks that they may), and say what it did."""
    try:
        done = undo_upload(upload_id, undone_by=user.email, actor=user)
    except BackboneError as exc:
        st.error(md(str(exc)))
        return
    ui.clear_caches()
    st.success(f"Undone {md(done['file_name'])}: {plural(done['rows_restored'], 'earlier value')} current again.")


linked = st.query_params.get("upload")
if linked:
    # A link to one upload (as a partner's confirmation carries): its details and its undo, if it is theirs to see.
    try:
        detail = ui.read("upload_detail", linked)
    except BackboneError as exc:
        detail = None
        st.info(md(str(exc)), icon=":material/block:")  # the message repeats the link's text: shown as text
    if detail is not None and detail.empty:
        st.info("That upload is not one you can see here.", icon=":material/block:")
    elif detail is not None:
        row = detail.iloc[0]

        def count(value: object) -> int:
            return int(value) if pd.notna(value) else 0

        with st.container(border=True):
            st.markdown(f"**{md(row.file_name)}** from {md(row.partner if pd.notna(row.partner) else 'the backbone')}, "
                        f"{pd.Timestamp(row.uploaded_at):%d %b %Y %H:%M}: {md(row.status)}; "
                        f"{plural(count(row.rows_new), 'new value')}, {count(row.rows_changed)} changed, "
                        f"{count(row.rows_unchanged)} unchanged.")
            if row.status == "loaded" and row.kind == "partner" and st.button("Undo this upload", key="undo-linked",
                                                                              icon=":material/undo:"):
                undo(linked)

st.subheader("Uploads")
uploads = ui.read("uploads")
if uploads.empty:
    ui.empty_state("Nothing uploaded yet: partners upload their workbooks on the Upload page.")
else:
    st.dataframe(
        uploads, hide_index=True, width="stretch",
        column_order=["uploaded_at", "partner", "file_name", "kind", "status", "rows_loaded", "rows_new", "rows_changed",
                      "rows_unchanged", "rows_suppressed", "uploaded_by", "undone_at"],
        column_config={
            "uploaded_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"), "partner": "Partner",
            "file_name": "File", "kind": "Kind", "status": "Status", "rows_loaded": "Values", "rows_new": "New",
            "rows_changed": "Changed", "rows_unchanged": "Unchanged", "rows_suppressed": "Suppressed",
            "uploaded_by": "By", "undone_at": st.column_config.DatetimeColumn("Undone", format="D MMM YYYY, HH:mm"),
        },
    )
    undoable = uploads[(uploads.kind == "partner") & (uploads.status == "loaded")]
    if len(undoable):
        labels = {r.upload_id: f"{r.uploaded_at:%d %b %Y %H:%M} · {r.partner} · {r.file_name} ({r.rows_loaded} values)"
                  for r in undoable.itertuples()}
        with st.form("undo"):
            chosen = st.selectbox("Undo an upload", list(labels), format_func=labels.get,
                                  help="Its values leave the dashboard and the values it replaced come back.")
            if st.form_submit_button("Undo this upload", icon=":material/undo:"):
                undo(chosen)

st.subheader("Metric catalog")
search = st.text_input("Search the catalog", key="q", bind="query-params", placeholder="e.g. readiness, infant, funding")
catalog = ui.read("metrics_catalog", search)
st.caption(f"{len(catalog)} metric{'s' if len(catalog) != 1 else ''}" + (f" matching '{md(search)}'" if search else ""))
st.dataframe(
    catalog.assign(unit=catalog.unit.map(UNITS), direction=catalog.direction.map(DIRECTIONS), level=catalog.level.map(LEVELS)),
    hide_index=True, width="stretch",
    column_order=["name", "definition", "unit", "direction", "level", "outcome_area", "source", "aliases", "has_data"],
    column_config={"name": "Metric", "definition": st.column_config.TextColumn("Definition", width="large"), "unit": "Unit",
                   "direction": "Which way is better", "level": "Level", "outcome_area": "Outcome area", "source": "Source",
                   "aliases": "Other names", "has_data": "Has data"},
)

if not auth.can(user, "edit"):
    st.stop()  # the catalog is the backbone team's to change

st.subheader("Back up")
st.markdown("Every table and every kept original, written as a dated folder in the backups folder while the app keeps "
            "running (the command line cannot open the store while the app holds it). `python -m backbone restore` "
            "puts a backup back.")
if st.button("Back up the store now", icon=":material/backup:"):
    try:
        folder = backup_now(user)
    except BackboneError as exc:
        st.error(md(str(exc)))
    else:
        st.success(f"Backed up to {md(folder)}.", icon=":material/check_circle:")

st.subheader("Update the catalog")
st.markdown("The common agenda lives in a catalog workbook: sheets **Metrics**, **Partners**, **Roles**, **Targets**, "
            "**Milestones** and **Expected**, any of them (see the README for their columns). Metrics and partners are "
            "updated by code; a Roles, Targets, Milestones or Expected sheet replaces that whole list. Nothing is "
            "changed unless every row is valid.")
catalog_file = st.file_uploader("Catalog workbook", type=["xlsx", "xls", "ods"], key="catalog-file")
if catalog_file is not None:
    outcome = ui.load_once(catalog_file, "catalog-loads", "Load this catalog",
                           lambda data, name: load_catalog_upload(data, name, user))
    if outcome is not None:
        st.success("Catalog updated: " + ", ".join(f"{plural(n, 'row')} of {sheet}" for sheet, n in outcome.counts.items()) + ".",
                   icon=":material/check_circle:")
