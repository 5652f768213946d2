"""Small workbooks built in tests, so every fixture's content is visible next to the test that uses it."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

TEMPLATE_HEADER = ["metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note"]

METRICS_HEADER = ["code", "name", "definition", "unit", "direction", "level", "activity", "component", "phase",
                  "horizon", "rba", "outcome_area", "aliases", "source", "suppression_threshold", "notes"]


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Write sheets (name -> rows, header first) to an .xlsx file."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def data_workbook(path: Path, rows: list[list]) -> Path:
    """A partner workbook in the template shape: a Data sheet with the template header."""
    return write_workbook(path, {"Data": [TEMPLATE_HEADER, *rows]})


def metric_row(code: str, name: str, unit: str, direction: str = "higher is better", level: str = "community outcome",
               **extra) -> list:
    """One Metrics-sheet row; extra columns by header name."""
    values = {"code": code, "name": name, "unit": unit, "direction": direction, "level": level, **extra}
    return [values.get(column) for column in METRICS_HEADER]


def small_catalog(path: Path) -> Path:
    """Two partners and four metrics: the fixture most store and view tests start from."""
    return write_workbook(path, {
        "Metrics": [
            METRICS_HEADER,
            metric_row("kindergarten_readiness", "Kindergarten readiness", "percent", aliases="KRA; Ready for K"),
            metric_row("infant_mortality", "Infant mortality", "rate per 1,000", "lower is better"),
            metric_row("children_served", "Children served", "count", level="partner performance", rba="how much"),
            metric_row("bb_convenings", "Convenings held", "count", level="backbone", activity=2, horizon="short-term",
                       component="Strategic planning", phase="II"),
        ],
        "Partners": [
            ["code", "name", "sector", "contact"],
            ["SCHOOLS", "City Schools", "education", "data@schools.example.org"],
            ["CLINIC", "Family Clinic", "health", "info@clinic.example.org"],
        ],
    })
