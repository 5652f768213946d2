"""The current catalog as the workbook it is loaded from: the same sheets and columns, in words, ready to edit and load back.

Each sheet is read from the store and written in the vocabulary's words (unit `rate per 1,000`, status `in progress`), so
`catalog_workbook.load_catalog_workbook` reads the file back to the same catalog. Boundaries are named by file; loading
the workbook back keeps the stored boundary files of those names.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from backbone import vocab
from backbone.intake.catalog_workbook import SHEET_COLUMNS
from backbone.store import database

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Each sheet's rows, with columns named as the sheet's header. A column of the sheet not selected here is left blank.
SHEET_QUERIES = {
    "Metrics": """SELECT m.metric_code AS code, m.name, m.definition, m.unit, m.direction, m.level, m.activity, m.component,
                         m.phase, m.horizon, m.rba, m.outcome_area,
                         (SELECT string_agg(alias, '; ' ORDER BY alias) FROM metric_aliases a
                          WHERE a.metric_code = m.metric_code) AS aliases,
                         m.source, m.suppression_threshold, m.notes, m.frequency
                  FROM metrics m
                  ORDER BY CASE m.level WHEN 'community_outcome' THEN 1 WHEN 'partner_performance' THEN 2 ELSE 3 END, m.name""",
    "Partners": "SELECT partner_code AS code, name, sector, contact, fiscal_year_start FROM partners ORDER BY name",
    "Places": """SELECT p.place, p.level, p.role,
                        (SELECT string_agg(alias, '; ' ORDER BY alias) FROM place_aliases a WHERE a.place = p.place) AS aliases
                 FROM places p ORDER BY p.role DESC, p.place""",
    "Settings": "SELECT replace(setting, '_', ' ') AS setting, value FROM catalog_settings ORDER BY setting",
    "Roles": "SELECT partner_code AS partner, role, since, note FROM backbone_roles ORDER BY role, partner_code",
    "Targets": """SELECT metric_code AS metric, geography, dimension, group_value AS "group", year, kind, value FROM targets
                  ORDER BY metric_code, geography, dimension, group_value, kind, year""",
    "Milestones": """SELECT phase, component, title AS milestone, status, status_date AS date, note FROM milestones
                     ORDER BY phase, component, status_date NULLS LAST, title""",
    "Expected": """SELECT partner_code AS partner, metric_code AS metric, period_label AS period, due_date AS due,
                          received_on AS received
                   FROM expectations ORDER BY partner_code, metric_code, period_label""",
    "Boundaries": "SELECT file_name AS file, name_property AS names, source FROM boundaries ORDER BY file_name",
}
# Codes the store holds, written back as the words people type (the loader accepts both).
WORDS = {"unit": vocab.UNITS, "direction": vocab.DIRECTIONS, "level": vocab.LEVELS, "component": vocab.COMPONENTS,
         "horizon": vocab.HORIZONS, "rba": vocab.RBA_QUESTIONS, "role": vocab.BACKBONE_ROLES,
         "status": vocab.MILESTONE_STATUSES, "frequency": vocab.FREQUENCIES}


def catalog_sheets(db: str | None = None) -> dict[str, pd.DataFrame]:
    """Every catalog sheet as the store holds it now, in the workbook's columns and words."""
    sheets = {}
    for sheet, columns in SHEET_COLUMNS.items():
        frame = database.query(SHEET_QUERIES[sheet], path=db) if sheet in SHEET_QUERIES else pd.DataFrame()
        for column, words in WORDS.items():
            if column in frame:
                frame[column] = frame[column].map(lambda code, words=words: words.get(code, code))
        sheets[sheet] = frame.reindex(columns=columns)
    return sheets


def _cell(value: object) -> object:
    """A value as openpyxl writes it: blanks for missing, dates as dates, whole numbers as integers."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def catalog_workbook_bytes(db: str | None = None) -> bytes:
    """The current catalog as an .xlsx workbook in the layout the catalog is loaded from."""
    book = Workbook()
    book.remove(book.active)
    for sheet, frame in catalog_sheets(db).items():
        ws = book.create_sheet(sheet)
        ws.append(list(frame.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for index, name in enumerate(frame.columns, start=1):
            longest = max([len(str(name)), *(len(str(v)) for v in frame[name].head(200) if _cell(v) is not None)])
            ws.column_dimensions[ws.cell(1, index).column_letter].width = min(60, max(8, longest + 2))
            if name in ("since", "date", "due", "received"):
                for cell in ws.iter_cols(min_col=index, max_col=index, min_row=2):
                    for c in cell:
                        c.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
