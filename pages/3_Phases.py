"""Phases of collective impact: the 3 x 4 matrix, what is behind each cell, and the backbone's milestone edits."""

import streamlit as st

from backbone import ui
from backbone.errors import BackboneError
from backbone.show.formatting import md, plural
from backbone.show.tables import human_table
from backbone.store import auth, milestones
from backbone.vocab import COMPONENTS, MILESTONE_STATUSES, PHASES, UNITS

user = ui.setup_page("Phases of collective impact", ":material/grid_view:")
can_edit = auth.can(user, "edit")
st.title("Phases of collective impact")
st.markdown("Each component of the work moves through three phases. A cell is done when all its milestones are; "
            "a component has reached a phase when that phase and every earlier one are done. Evidence metrics are "
            "catalog measures filed under the cell that have data.")

if saved := st.session_state.pop("phases-saved", None):
    st.success(saved, icon=":material/check_circle:")
matrix = ui.read("phase_matrix")
CELL_ICONS = {"done": "✓ Done", "in progress": "◐ In progress", "not started": "○ Not started"}
header = st.columns([2, 3, 3, 3])
header[0].markdown("**Component**")
for column, (phase, name) in zip(header[1:], PHASES.items(), strict=True):
    column.markdown(f"**Phase {phase}**  \n{name}")
for _order, cells in matrix.groupby("component_order", sort=True):
    row = st.columns([2, 3, 3, 3])
    first = cells.iloc[0]
    reached = int(first.component_phase_reached)
    row[0].markdown(f"**{first.component_name}**  \nPhase reached: {list(PHASES)[reached - 1] if reached else 'none yet'}")
    for column, cell in zip(row[1:], cells.sort_values("phase_order").itertuples(), strict=True):
        with column.container(border=True):
            st.markdown(f"**{CELL_ICONS[cell.cell_status]}**")
            st.markdown(cell.cell_work)  # what the cell means (DOMAIN.md), from queries/011_ref_phase_cells.sql
            st.caption(f"{cell.milestones_done} of {cell.milestones_total} milestones done · "
                       f"{cell.evidence_metrics_with_data} evidence metric{'s' if cell.evidence_metrics_with_data != 1 else ''}")

st.divider()
st.subheader("Behind a cell")
pick = st.columns(2)
phase = ui.choose("Phase", {p: f"Phase {p}: {name}" for p, name in PHASES.items()}, "phase", pick[0])
component = ui.choose("Component", COMPONENTS, "component", pick[1])

# An empty note is an empty cell (not "None") in the editor; what is saved is compared with what was shown.
items = ui.read("milestones", phase, component).pipe(lambda frame: frame.assign(note=frame.note.fillna("")))
work = matrix[(matrix.phase == phase) & (matrix.component == component)].cell_work
st.markdown(f"**Milestones** for {COMPONENTS[component].lower()} in Phase {phase}"
            + (f": {work.iloc[0].lower()}" if len(work) else ""))
if can_edit:
    edited = st.data_editor(
        items, hide_index=True, num_rows="dynamic",
        key=f"editor-{phase}-{component}", width="stretch",
        column_order=["title", "status", "status_date", "note"],
        column_config={
            "title": st.column_config.TextColumn("Milestone", required=True, width="large"),
            "status": st.column_config.SelectboxColumn("Status", options=list(MILESTONE_STATUSES), required=True,
                                                       default="not_started", format_func=MILESTONE_STATUSES.get),
            "status_date": st.column_config.DateColumn("Date", format="D MMM YYYY"),
            "note": st.column_config.TextColumn("Note"),
        },
    )
elif items.empty:
    ui.empty_state("No milestones in this cell yet.")
else:
    ui.show_table(human_table(items, {"title": ("Milestone", "text"), "status": ("Status", MILESTONE_STATUSES),
                                      "status_date": ("Date", "date"), "note": ("Note", "text")}))
if can_edit and st.button("Save milestones", type="primary", icon=":material/save:"):
    try:
        changed = milestones.save_cell(phase, component, items, edited, actor=user)
        ui.clear_caches()
        # Shown after the rerun that redraws the grid with the saved milestones.
        st.session_state["phases-saved"] = f"Saved: {plural(changed, 'change')} to this cell's milestones."
        st.rerun()
    except BackboneError as exc:
        st.error(md(str(exc)))

evidence = ui.read("evidence", phase, component)
st.markdown("**Evidence metrics** filed under this cell")
if evidence.empty:
    ui.empty_state("No catalog metric is filed under this cell. Set a metric's component and phase in the catalog workbook.")
else:
    ui.show_table(human_table(evidence, {
        "metric_name": ("Metric", "text"), "unit": ("Unit", UNITS), "latest_period": ("Latest period", "text"),
        "latest_value": ("Latest value", "value"), "status": ("Status", "status"),
    }, units=evidence.unit))
