"""Partners and the backbone function: who plays which role, what each contributes, who sent what."""

import streamlit as st

from backbone import ui
from backbone.show import charts, submissions
from backbone.show.formatting import md
from backbone.vocab import BACKBONE_ROLES

ui.setup_page("Partners and the backbone", ":material/groups:", needs="see_partners")
st.title("Partners and the backbone function")
st.markdown("The backbone is a function, not one organisation: these are the partners, the backbone roles each "
            "plays, and the data each sends.")

partners = ui.read("partners_overview")
if partners.empty:
    ui.empty_state("No partners yet. Load a catalog workbook with a Partners sheet (python -m backbone catalog FILE.xlsx).")
    st.stop()

st.subheader("Who plays which backbone role")
roles = ui.read("backbone_roles")
role_columns = st.columns(3)
for index, (code, label) in enumerate(BACKBONE_ROLES.items()):
    holders = roles[roles.role == code]
    with role_columns[index % 3].container(border=True):
        st.markdown(f"**{label.capitalize()}**")
        if holders.empty:
            st.caption("Nobody yet: write it down in the catalog's Roles sheet.")
        for holder in holders.itertuples():
            since = f" since {holder.since:%b %Y}" if holder.since == holder.since and holder.since is not None else ""
            st.markdown(f"{md(holder.partner)}{since}")

st.subheader("Partners")
# A static table: its cells wrap, so all eight columns fit a 1280-pixel screen (and scroll sideways on a phone).
st.table(ui.human(partners, {
    "name": ("Partner", "text"), "sector": ("Sector", "text"), "roles": ("Backbone roles", "text"),
    "metrics_reported": ("Metrics", "count"), "current_values": ("Values held", "count"), "uploads": ("Uploads", "count"),
    "last_submission": ("Last sent", "date"), "contact": ("Contact", "text"),
}).frame, border="horizontal")

st.subheader("Submission status")
status = ui.read("submission_status")
if status.empty:
    ui.empty_state("No expected submissions yet: list them in the catalog's Expected sheet (partner, metric, period, due).")
    st.stop()
counts = status.submission.value_counts()
summary = st.columns(4)
for column, label in zip(summary, ["received", "received late", "missing", "not yet due"], strict=True):
    column.metric(label.capitalize(), int(counts.get(label, 0)))
partner_names = sorted(status.partner_name.dropna().unique())
chosen = st.multiselect("Partners", partner_names, key="partners", bind="query-params", placeholder="All partners")
shown = status[status.partner_name.isin(chosen)] if chosen else status
# At a network's size the matrix is filtered (partner group, late and missing, search) and drawn a page of partners
# at a time; the tables below keep every submission the filters leave.
pick = st.columns([2, 2, 3])
sectors = sorted(shown.partner_sector.dropna().unique())
sector = pick[0].selectbox("Partner group", sectors, index=None, key="matrix_sector", placeholder="All groups")
search = pick[2].text_input("Search partners and metrics", key="matrix_search", placeholder="e.g. schools, graduation")
problems_only = pick[1].toggle("Only late and missing", key="matrix_problems")
shown = submissions.filtered(shown, sector, problems_only, search)
matrix_pages = submissions.pages(shown)
if len(matrix_pages) > 1:
    page = st.selectbox(f"Partners shown ({len(matrix_pages)} pages of the matrix)", range(len(matrix_pages)),
                        format_func=lambda i: submissions.page_label(shown, matrix_pages[i]), key="matrix_page")
    on_page = shown[shown.partner_code.isin(matrix_pages[page or 0])]
else:
    on_page = shown
if on_page.empty:
    ui.empty_state("No submissions match these filters.")
else:
    with ui.scroll_sideways("submission-matrix-frame"):
        ui.chart(charts.submission_matrix, on_page, width="content", key="submission-matrix",
                 description="Which partner sent which metric for which period: ✓ received, L late, ✗ missing.")
st.caption("✓ received · L received after its due date · ✗ missing (past due, not received) · · not yet due")
late_or_missing = shown[shown.submission.isin(["missing", "received late"])]
SUBMISSION_COLUMNS = {
    "partner_name": ("Partner", "text"), "metric_name": ("Metric", "text"), "period_label": ("Period", "text"),
    "expected": ("Expected", "yes"), "received": ("Received", "yes"), "due_date": ("Due", "date"),
    "received_on": ("Received on", "date"), "submission": ("Status", "text"), "last_upload_at": ("Last upload", "date"),
}
ui.table(ui.human(late_or_missing, {k: v for k, v in SUBMISSION_COLUMNS.items() if k not in ("expected", "received",
                                                                                                 "last_upload_at")}),
         f"Late and missing ({len(late_or_missing)})", expanded=bool(len(late_or_missing)))
ui.table(ui.human(shown, SUBMISSION_COLUMNS), "Every expected and received submission")

ui.sign_in_record()
