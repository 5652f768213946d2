"""Partner rows -> observations, checking every rule a shared measure depends on, each finding located."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from backbone.catalog import Catalog
from backbone.errors import Finding
from backbone.reader.cells import Cell, is_blank, parse_number, text_of
from backbone.reader.periods import parse_period
from backbone.reader.table import TableRow
from backbone.vocab import UNIT_SCALE

KEY_FIELDS = ("metric_code", "period_label", "geography", "dimension", "group_value")
PERIOD_HELP = "write a year (2019), a school year (2019-20), FY2020, a quarter (2019 Q3) or a span (2015-2019)"
# A value may differ from numerator/denominator by rounding; beyond this the row is flagged.
ROUNDING_TOLERANCE = 0.6


@dataclass
class Checked:
    """Observations ready to load, and what the partner should hear about the rest."""

    observations: list[dict] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    missing: Counter = field(default_factory=Counter)

    @property
    def rows_suppressed(self) -> int:
        return sum(1 for o in self.observations if o["suppressed"])


def check_rows(rows: list[TableRow], catalog: Catalog) -> Checked:
    """Validate template-shaped rows against the catalog; a row with an error is never half-loaded."""
    checked = Checked()
    first_seen: dict[tuple, tuple[int, dict]] = {}
    for row in rows:
        observation = _check_row(row, catalog, checked)
        if observation is None:
            continue
        key = tuple(observation[f] for f in KEY_FIELDS)
        if key in first_seen:
            first_row, first = first_seen[key]
            same = all(first[f] == observation[f] for f in ("value", "numerator", "denominator", "suppression_mark"))
            if same:
                checked.warnings.append(Finding(row.sheet, row.row, None, f"repeats row {first_row} exactly; loaded once"))
            else:
                checked.errors.append(Finding(
                    row.sheet, row.row, row.headers.get("value"),
                    f"the same metric, period, place and group as row {first_row} but a different value; "
                    "keep one of the two rows",
                ))
            continue
        first_seen[key] = (row.row, observation)
        checked.observations.append(observation)
    return checked


def _check_row(row: TableRow, catalog: Catalog, checked: Checked) -> dict | None:
    sheet, number, headers, cells = row.sheet, row.row, row.headers, row.cells
    errors_before = len(checked.errors)

    def error(column: str, message: str) -> None:
        checked.errors.append(Finding(sheet, number, headers.get(column, column), message))

    metric = catalog.find(cells.get("metric"))
    if metric is None:
        raw = text_of(cells.get("metric"))
        if not raw:
            error("metric", "the metric is empty; write a metric name from the Metrics sheet of the template")
        else:
            suggestions = catalog.suggest(raw)
            hint = f"did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else (
                "it is not in the catalog; use a name from the Metrics sheet of the template")
            error("metric", f"unknown metric '{raw}': {hint}")
    period = parse_period(cells.get("period"))
    if period is None:
        raw = text_of(cells.get("period"))
        error("period", f"'{raw}' is not a period Backbone understands; {PERIOD_HELP}" if raw else f"the period is empty; {PERIOD_HELP}")

    value_cell = parse_number(cells.get("value"))
    numerator = _count_cell(cells.get("numerator"), "numerator", error)
    denominator = _count_cell(cells.get("denominator"), "denominator", error)
    if value_cell.kind == "invalid":
        error("value", f"{value_cell.reason}; write a number, or the suppression mark your agency uses (such as *)")
    if len(checked.errors) > errors_before or metric is None or period is None:
        return None

    scale = UNIT_SCALE.get(metric.unit)
    value = value_cell.number
    suppressed = value_cell.kind == "suppressed"
    if value_cell.kind == "missing":
        if scale and numerator is not None and denominator:
            value = numerator / denominator * scale
        else:
            checked.missing[value_cell.reason] += 1
            return None
    if numerator is not None and denominator is not None and numerator > denominator:
        error("numerator", f"numerator {numerator:g} is greater than denominator {denominator:g}; check the two columns are not swapped")
    if value is not None:
        if metric.unit == "percent" and value > 100:
            error("value", f"{value:g} is above 100, which a percent cannot be; write percents as 0-100 (45 for 45%)")
        if metric.unit in ("count", "rate_per_1000", "rate_per_100000", "percent") and value < 0:
            error("value", f"{value:g} is negative, which a {metric.unit.replace('_', ' ')} cannot be")
        if metric.unit == "percent" and 0 < value < 1 and not value_cell.percent_sign:
            checked.warnings.append(Finding(
                sheet, number, headers.get("value"),
                f"{value:g} looks like a fraction; loaded as {value:g}%. If you meant {value * 100:g}%, write {value * 100:g}",
            ))
        if scale and numerator is not None and denominator and abs(numerator / denominator * scale - value) > ROUNDING_TOLERANCE:
            checked.warnings.append(Finding(
                sheet, number, headers.get("value"),
                f"value {value:g} differs from numerator/denominator ({numerator / denominator * scale:.1f}); "
                "Backbone combines partners from the numerator and denominator",
            ))
    if len(checked.errors) > errors_before:
        return None

    dimension = text_of(cells.get("dimension"))
    group = text_of(cells.get("group"))
    if group and not dimension:
        dimension = "Group"
        checked.warnings.append(Finding(sheet, number, headers.get("dimension", "dimension"),
                                        f"group '{group}' has no dimension; filed under 'Group' (write e.g. Race/ethnicity)"))
    return {
        "metric_code": metric.code,
        "period_label": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "geography": text_of(cells.get("geography")) or "Community",
        "dimension": dimension or "All",
        "group_value": group or "All",
        "value": None if suppressed else value,
        "numerator": None if suppressed else numerator,
        "denominator": denominator,
        "suppressed": suppressed,
        "suppression_mark": value_cell.mark if suppressed else None,
        "note": text_of(cells.get("note")) or None,
        "source_sheet": sheet,
        "source_row": number,
    }


def _count_cell(raw: object, column: str, error) -> float | None:
    """A numerator or denominator: a non-negative number, or nothing (blank or a suppression mark)."""
    if is_blank(raw):
        return None
    cell: Cell = parse_number(raw)
    if cell.kind in ("missing", "suppressed"):
        return None
    if cell.kind == "invalid":
        error(column, f"{cell.reason}; write a whole count of people, or leave it blank")
        return None
    if cell.number < 0:
        error(column, f"{cell.number:g} is negative; a {column} counts people and cannot be below 0")
        return None
    return cell.number
