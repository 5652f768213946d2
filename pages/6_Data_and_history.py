"""Data and history: every upload with the difference it made (and undo), the searchable catalog, and catalog updates."""

import json

import pandas as pd
import streamlit as st

from backbone import config, ui
from backbone.errors import BackboneError
from backbone.intake import catalog_download
from backbone.intake.catalog_workbook import load_catalog_upload
from backbone.intake.ingest import undo_upload
from backbone.show.formatting import md, plural
from backbone.show.site.build import folder_zip, publish_site
from backbone.show.story import undo_question
from backbone.show.tables import human_table
from backbone.store import auth, holdback
from backbone.store.export import backup_now
from backbone.vocab import DIRECTIONS, LEVELS, UNITS

SITE_KEY = "published-site"  # the last site this session published: its page count and zip
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


CONFIRM_KEY = "undo-to-confirm"


def confirm_undo(place: str) -> None:
    """Ask before undoing, naming the upload and what it will restore; undo only on 'Yes'. Drawn where it was asked."""
    upload_id = st.session_state.get(CONFIRM_KEY)
    if not upload_id or st.session_state.get(f"{CONFIRM_KEY}-place") != place:
        return
    try:
        preview = ui.read("undo_preview", upload_id).iloc[0]
    except BackboneError as exc:
        st.error(str(exc))
        st.session_state.pop(CONFIRM_KEY, None)
        return
    with st.container(border=True):
        st.warning(md(undo_question(preview)), icon=":material/undo:")
        yes, no = st.columns(2)
        if yes.button("Yes, undo it", type="primary", icon=":material/undo:", key=f"undo-yes-{place}", width="stretch"):
            st.session_state.pop(CONFIRM_KEY, None)
            undo(upload_id)
        elif no.button("Cancel", key=f"undo-no-{place}", width="stretch"):
            st.session_state.pop(CONFIRM_KEY, None)
            st.rerun()


def ask_to_undo(upload_id: str, place: str) -> None:
    st.session_state[CONFIRM_KEY] = upload_id
    st.session_state[f"{CONFIRM_KEY}-place"] = place


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
            if row.status == "loaded" and row.kind == "partner":
                st.button("Undo this upload", key="undo-linked", icon=":material/undo:", on_click=ask_to_undo,
                          args=(linked, "linked"))
                confirm_undo("linked")

st.subheader("Uploads")
uploads = ui.read("uploads")
if uploads.empty:
    ui.empty_state("Nothing uploaded yet: partners upload their workbooks on the Upload page.")
else:
    ui.show_table(human_table(uploads, {
        "uploaded_at": ("When", "datetime"), "partner": ("Partner", "text"), "file_name": ("File", "text"),
        "kind": ("Kind", "text"), "status": ("Status", "text"), "rows_loaded": ("Values", "count"), "rows_new": ("New", "count"),
        "rows_changed": ("Changed", "count"), "rows_unchanged": ("Unchanged", "count"),
        "rows_suppressed": ("Suppressed", "count"), "uploaded_by": ("By", "text"), "undone_at": ("Undone", "datetime"),
    }))
    undoable = uploads[(uploads.kind == "partner") & (uploads.status == "loaded")]
    if len(undoable):
        labels = {r.upload_id: f"{r.uploaded_at:%d %b %Y %H:%M} · {r.partner} · {r.file_name} ({r.rows_loaded} values)"
                  for r in undoable.itertuples()}
        with st.form("undo"):
            chosen = st.selectbox("Undo an upload", list(labels), format_func=labels.get,
                                  help="Its values leave the dashboard and the values it replaced come back.")
            if st.form_submit_button("Undo this upload", icon=":material/undo:"):
                ask_to_undo(chosen, "form")
        confirm_undo("form")

if auth.can(user, "see_unsuppressed"):
    held = ui.read("held_back")
    if len(held):
        st.subheader("Held back from the public")
        st.markdown("New figures that, set beside the figures already published, would reveal a small number. The "
                    "previous figures stay on the public dashboard; you see the new ones. The next load, undo or "
                    "catalog change that touches the table judges it again and publishes it once that is safe.")
        for row in held.itertuples():
            st.warning(md(f"{holdback.sentence(row.metric, row.period_label)} Held since "
                          f"{pd.Timestamp(row.held_since):%d %b %Y %H:%M}; {plural(int(row.cells), 'hidden cell')} "
                          "could otherwise be worked out."), icon=":material/lock_clock:")

st.subheader("Metric catalog")
search = st.text_input("Search the catalog", key="q", bind="query-params", placeholder="e.g. readiness, infant, funding")
catalog = ui.read("metrics_catalog", search)
st.caption(f"{len(catalog)} metric{'s' if len(catalog) != 1 else ''}" + (f" matching '{md(search)}'" if search else ""))
ui.show_table(human_table(catalog, {
    "name": ("Metric", "text"), "definition": ("Definition", "text"), "unit": ("Unit", UNITS),
    "direction": ("Which way is better", DIRECTIONS), "level": ("Level", LEVELS), "outcome_area": ("Outcome area", "text"),
    "source": ("Source", "text"), "aliases": ("Other names", "text"), "has_data": ("Has data", "yes"),
}), columns={"Definition": st.column_config.TextColumn("Definition", width="large")})

if not auth.can(user, "edit"):
    st.stop()  # the catalog is the backbone team's to change

impacts, recipes = ui.read("upload_impacts"), ui.read("recipes")
if len(impacts) or len(recipes):
    st.subheader("What loads changed, and recipes")
if len(impacts):
    with st.expander("What each load changed on the dashboard"):
        labels = {r.upload_id: f"{r.uploaded_at:%d %b %Y %H:%M} · {r.partner} · {r.file_name}"
                  + (" (undone)" if r.status == "undone" else "") for r in impacts.itertuples()}
        shown = st.selectbox("Load", list(labels), format_func=labels.get, key="impact-of")
        ui.show_impact(json.loads(impacts.set_index("upload_id").impact_json[shown]), done=True)

if len(recipes):
    st.markdown("**Recipes**: how each partner's files are read, applied by themselves to a file of the same shape "
                "(saved when a file is loaded from the Upload page).")
    ui.show_table(human_table(recipes, {
        "partner": ("Partner", "text"), "name": ("Recipe", "text"), "saved_at": ("Saved", "datetime"),
        "saved_by": ("By", "text"), "last_used_at": ("Last used", "datetime"), "mapping": ("Reads", "text")}))

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

st.subheader("Publish the public site")
st.markdown("The community's outcomes as a website anyone may read: the dashboard, a page per outcome with its charts, "
            "tables and downloads, charts partners can embed, the activities and the phase, and about the data. Small "
            "numbers are hidden, as partners and the public see them. Written into the site folder "
            f"(`{md(str(config.site_dir()))}`) and offered as a zip for any static host (README: 'Publishing the public site').")
if st.button("Publish the site", icon=":material/public:"):
    try:
        with st.spinner("Writing the site…"):
            published = publish_site(config.site_dir(), actor=user)
    except BackboneError as exc:
        st.error(md(str(exc)))
    else:
        st.session_state[SITE_KEY] = (published.pages, folder_zip(published.folder))
if SITE_KEY in st.session_state:
    pages, site_zip = st.session_state[SITE_KEY]
    st.success(f"Published {plural(pages, 'page')}: download the site and put its files on the static host.",
               icon=":material/check_circle:")
    st.download_button("Download the site (.zip)", site_zip, "public-site.zip", "application/zip",
                       icon=":material/download:", key="site-download")

st.subheader("Update the catalog")
st.markdown("The common agenda lives in a catalog workbook: sheets **Metrics**, **Partners**, **Roles**, **Targets**, "
            "**Milestones**, **Expected** and **Boundaries**, any of them (see the README for their columns). Metrics and "
            "partners are updated by code; any other sheet replaces that whole list. Nothing is changed unless every row "
            "is valid. Download the catalog as it is now, edit it in Excel and load it back here.")
st.download_button("Download the catalog (.xlsx)", lambda: catalog_download.catalog_workbook_bytes(), "catalog.xlsx",
                   catalog_download.MIME, on_click="ignore", icon=":material/download:", key="catalog-download")
catalog_files = st.file_uploader("Catalog workbook, with the boundary files its Boundaries sheet names (GeoJSON or TopoJSON)",
                                 type=["xlsx", "xls", "ods", "json", "geojson", "topojson"], key="catalog-file",
                                 accept_multiple_files=True)
workbooks = [f for f in catalog_files or [] if f.name.rsplit(".", 1)[-1].lower() in ("xlsx", "xls", "ods")]
if len(workbooks) > 1:
    st.error("Choose one catalog workbook at a time (and the boundary files it names).", icon=":material/error:")
catalog_file = workbooks[0] if len(workbooks) == 1 else None
if catalog_file is not None:
    companions = [f for f in catalog_files if f is not catalog_file]
    outcome = ui.load_once(catalog_file, "catalog-loads", "Load this catalog", companions=companions,
                           load=lambda data, name: load_catalog_upload(data, name, user,
                                                                       files={f.name: f.getvalue() for f in companions}))
    if outcome is not None:
        st.success("Catalog updated: " + ", ".join(f"{plural(n, 'row')} of {sheet}" for sheet, n in outcome.counts.items()) + ".",
                   icon=":material/check_circle:")
        for note in outcome.notes:
            st.info(md(note), icon=":material/map:")
elif catalog_files and not workbooks:
    st.info("Add the catalog workbook that names these boundary files in its Boundaries sheet.", icon=":material/info:")
