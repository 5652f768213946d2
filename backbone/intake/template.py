"""The partner workbook template: instructions, a Data sheet with dropdowns of catalog metrics, a Metrics reference."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from backbone.intake.reader.table import TEMPLATE_FIELDS
from backbone.store import database
from backbone.text import neutralise_formulas
from backbone.vocab import DIRECTIONS, UNITS

INSTRUCTIONS = [
    "How to fill in this workbook",
    "",
    "1. Put one number per row on the Data sheet. Do not change the header row.",
    "2. metric: pick a metric from the dropdown (the Metrics sheet explains each one).",
    "3. period: a year (2023), a school year (2023-24), a fiscal year (FY2024), a quarter (2024 Q1) or a span (2019-2023).",
    "4. geography: the place the number is about, or 'Community' for the whole community.",
    "5. dimension and group: leave both blank for everyone; otherwise e.g. dimension 'Race/ethnicity', group 'Hispanic'.",
    "6. value: the number. Percents as 0-100 (45 for 45%).",
    "7. numerator and denominator: for a percent or rate, the two counts it comes from (e.g. 40 ready of 100 tested).",
    "   Backbone combines partners from these counts, so please include them whenever you have them.",
    "8. If your rules hide a small number, write your usual mark (such as * or <10) in value: it stays hidden, never 0.",
    "9. Only totals and percents for groups: never names, birth dates, record numbers or emails of people.",
    "",
    "Send the file back through the Upload page. You can upload a corrected file later: it replaces the values it covers.",
]
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")


def write_template(out: Path | BinaryIO, db: str | None = None) -> Path | BinaryIO:
    """Write the template workbook for the catalog as it is now (to a path or an open binary file)."""
    metrics = database.query(
        "SELECT metric_code, name, unit, direction, definition, "
        " (SELECT string_agg(alias, '; ') FROM metric_aliases a WHERE a.metric_code = m.metric_code) AS aliases "
        "FROM metrics m ORDER BY level, name",
        path=db,
    )
    book = Workbook()
    instructions = book.active
    instructions.title = "Instructions"
    for line in INSTRUCTIONS:
        instructions.append([line])
    instructions["A1"].font = Font(bold=True, size=14)
    instructions.column_dimensions["A"].width = 120

    data = book.create_sheet("Data")
    data.append(list(TEMPLATE_FIELDS))
    for cell in data[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    data.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHI", (40, 12, 22, 18, 22, 10, 12, 12, 30), strict=True):
        data.column_dimensions[column].width = width

    reference = book.create_sheet("Metrics")
    reference.append(["code", "name", "unit", "which way is better", "definition", "other names"])
    for cell in reference[1]:
        cell.font = Font(bold=True)
    for row in metrics.itertuples(index=False):
        reference.append([row.metric_code, row.name, UNITS.get(row.unit, row.unit), DIRECTIONS.get(row.direction, ""),
                          row.definition, row.aliases])
    for column, width in zip("ABCDEF", (24, 40, 14, 18, 80, 40), strict=True):
        reference.column_dimensions[column].width = width
    for row in reference.iter_rows(min_row=2):
        row[4].alignment = Alignment(wrap_text=True, vertical="top")

    if len(metrics):
        dropdown = DataValidation(type="list", formula1=f"=Metrics!$B$2:$B${len(metrics) + 1}", allow_blank=True)
        dropdown.error = "Pick a metric from the list (see the Metrics sheet)."
        dropdown.showErrorMessage = False  # partners may paste codes or aliases, which the loader also accepts
        data.add_data_validation(dropdown)
        dropdown.add("A2:A5000")
    neutralise_formulas(book)  # catalog names and aliases are text, whatever they start with
    if isinstance(out, (str, Path)):
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def template_bytes(db: str | None = None) -> bytes:
    """The template as bytes, for a download button."""
    buffer = io.BytesIO()
    write_template(buffer, db)
    return buffer.getvalue()
