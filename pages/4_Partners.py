"""Partners and the backbone function: who plays which role, what each contributes, who sent what."""

import streamlit as st

from backbone import ui
from backbone.show import charts
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
st.dataframe(
    partners, hide_index=True, width="stretch",
    column_order=["name", "sector", "roles", "metrics_reported", "current_values", "uploads", "last_submission", "contact"],
    column_config={
        "name": "Partner", "sector": "Sector", "roles": "Backbone roles", "metrics_reported": "Metrics reported",
        "current_values": "Values held", "uploads": "Uploads",
        "last_submission": st.column_config.DatetimeColumn("Last submission", format="D MMM YYYY"), "contact": "Contact",
    },
)

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
ui.chart(charts.submission_matrix, shown, description="Which partner sent which metric for which period: ✓ received, L late, ✗ missing.",
         key="submission-matrix")
st.caption("✓ received · L received after its due date · ✗ missing (past due, not received) · · not yet due")
late_or_missing = shown[shown.submission.isin(["missing", "received late"])]
SUBMISSION_COLUMNS = {
    "partner_name": "Partner", "metric_name": "Metric", "period_label": "Period", "expected": "Expected", "received": "Received",
    "due_date": st.column_config.DateColumn("Due", format="D MMM YYYY"),
    "received_on": st.column_config.DateColumn("Received on", format="D MMM YYYY"), "submission": "Status",
    "last_upload_at": st.column_config.DatetimeColumn("Last upload", format="D MMM YYYY"),
}
ui.table(late_or_missing[["partner_name", "metric_name", "period_label", "due_date", "received_on", "submission"]],
         f"Late and missing ({len(late_or_missing)})", columns=SUBMISSION_COLUMNS, expanded=bool(len(late_or_missing)))
ui.table(shown[["partner_name", "metric_name", "period_label", "expected", "received", "due_date", "received_on", "submission",
                "last_upload_at"]], "Every expected and received submission", columns=SUBMISSION_COLUMNS)

ui.sign_in_record()
