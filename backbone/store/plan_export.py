"""The turn-the-curve plans as a workbook (Plans, Partners, Actions sheets with dropdowns), now or as they stood on a
date: the Excel download, `python -m backbone plans export`, and the shape `plans import` reads back."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from backbone.store import plans
from backbone.vocab import ACTION_STATUSES

# The sheets and their columns, in order: what the writer writes and the reader (intake.plan_workbook) expects.
PLAN_SHEETS = {
    "Plans": ["outcome", "dimension", "group", "story", "what works", "illustrative"],
    "Partners": ["outcome", "dimension", "group", "partner", "brings"],
    "Actions": ["id", "outcome", "dimension", "group", "action", "owner", "start", "due", "status", "note", "measures",
                "proposed by"],
}
WIDTHS = {"outcome": 30, "dimension": 16, "group": 18, "story": 80, "what works": 60, "illustrative": 12, "partner": 32,
          "brings": 50, "id": 14, "action": 50, "owner": 30, "start": 12, "due": 12, "status": 12, "note": 50,
          "measures": 40, "proposed by": 24}
HOW_TO = [
    "Turn-the-curve plans",
    "",
    "One row per plan on the Plans sheet: the community outcome (its name from the Lists sheet), and for an equity plan",
    "the breakdown and group (e.g. Race/ethnicity, African American); leave both blank for everyone. 'story' is the",
    "story behind the curve, 'what works' the evidence (links welcome). 'illustrative' is yes for a made-up example.",
    "Partners: the partners with a role to play in each plan (by name or code), and what each brings.",
    "Actions: what each partner will do. Keep 'id' as exported to change an action; leave it blank for a new one.",
    "  owner: the partner who owns it; start and due: dates (2026-03-01); status: planned, under way, done or dropped;",
    "  measures: partner performance measures that show it working, separated by ';'; proposed by: a partner's",
    "  proposal not yet accepted (blank once accepted).",
    "",
    "Loading it back (python -m backbone plans import FILE.xlsx) replaces each plan on the Plans sheet whole: its",
    "partners and actions become the rows here (an action left out is removed; its history is kept). Plans not on the",
    "Plans sheet are left alone. Every row is checked first; one problem and nothing is changed.",
]
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


def _cell_text(value: object) -> object:
    return "" if value is None else value


def plan_rows(as_of: date | datetime | None = None, db: str | None = None) -> dict[str, list[list]]:
    """The rows of each sheet, header first, for every plan now or as it stood at the end of `as_of`."""
    names, measures = plans.partner_names(db), plans.performance_measures(db)
    sheets: dict[str, list[list]] = {sheet: [columns] for sheet, columns in PLAN_SHEETS.items()}
    for row in plans.list_plans(as_of, db).itertuples():
        key = plans.PlanKey(row.metric_code, row.dimension, row.group_value)
        plan = plans.get_plan(key, as_of, db)
        where = [row.metric_name, "" if key.for_everyone else key.dimension, "" if key.for_everyone else key.group_value]
        sheets["Plans"].append([*where, plan.story or "", plan.what_works or "", "yes" if plan.illustrative else "no"])
        for role in plan.roles:
            sheets["Partners"].append([*where, names.get(role.partner_code, role.partner_code), role.brings or ""])
        for action in plan.actions:
            sheets["Actions"].append([
                action.action_id, *where, action.title, names.get(action.owner_code, action.owner_code),
                action.start_date, action.due_date, ACTION_STATUSES.get(action.status, action.status), action.note or "",
                "; ".join(measures.get(code, code) for code in action.measure_codes),
                names.get(action.proposed_by, action.proposed_by) if action.proposed else "",
            ])
    return sheets


def write_plan_workbook(out: Path | io.BytesIO, as_of: date | datetime | None = None, db: str | None = None) -> dict[str, int]:
    """Write the plans workbook (to a path or a binary buffer); returns the rows written per sheet."""
    sheets = plan_rows(as_of, db)
    book = Workbook()
    how_to = book.active
    how_to.title = "How to"
    for line in HOW_TO + (["", f"As the plans stood on {as_of:%Y-%m-%d}."] if as_of else []):
        how_to.append([line])
    how_to["A1"].font = Font(bold=True, size=14)
    how_to.column_dimensions["A"].width = 120
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([_cell_text(v) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = HEADER_FILL
        sheet.freeze_panes = "A2"
        for index, column in enumerate(rows[0], start=1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[column]
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text a person wrote, never a formula a spreadsheet would run
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _lists(book, db)
    _dropdowns(book)
    if isinstance(out, (str, Path)):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return {name: len(rows) - 1 for name, rows in sheets.items()}


def _lists(book: Workbook, db: str | None) -> None:
    """A Lists sheet of the names the dropdowns offer: outcomes, partners, statuses, measures."""
    columns = {
        "outcomes": list(plans.community_outcomes(db).values()),
        "partners": list(plans.partner_names(db).values()),
        "statuses": list(ACTION_STATUSES.values()),
        "measures": list(plans.performance_measures(db).values()),
    }
    sheet = book.create_sheet("Lists")
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index in range(max(len(v) for v in columns.values())):
        sheet.append([values[index] if index < len(values) else None for values in columns.values()])
    for letter in "ABCD":
        sheet.column_dimensions[letter].width = 40


def _dropdowns(book: Workbook) -> None:
    lists = book["Lists"]
    lengths = {lists.cell(1, c).value: sum(1 for r in range(2, lists.max_row + 1) if lists.cell(r, c).value) for c in range(1, 5)}
    ranges = {name: f"=Lists!${letter}$2:${letter}${max(lengths[name], 1) + 1}"
              for name, letter in zip(["outcomes", "partners", "statuses", "measures"], "ABCD", strict=True)}
    wanted = {("Plans", "outcome"): "outcomes", ("Partners", "outcome"): "outcomes", ("Partners", "partner"): "partners",
              ("Actions", "outcome"): "outcomes", ("Actions", "owner"): "partners", ("Actions", "status"): "statuses",
              ("Actions", "proposed by"): "partners"}
    for (sheet_name, column), source in wanted.items():
        sheet = book[sheet_name]
        letter = get_column_letter(PLAN_SHEETS[sheet_name].index(column) + 1)
        dropdown = DataValidation(type="list", formula1=ranges[source], allow_blank=True)
        dropdown.showErrorMessage = False  # codes and other spellings are accepted too, and checked on import
        sheet.add_data_validation(dropdown)
        dropdown.add(f"{letter}2:{letter}2000")


def plan_workbook_bytes(as_of: date | datetime | None = None, db: str | None = None) -> bytes:
    """The plans workbook as bytes, for a download button."""
    buffer = io.BytesIO()
    write_plan_workbook(buffer, as_of, db)
    return buffer.getvalue()
