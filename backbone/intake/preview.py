"""A checked file as it will be stored, for a person to read before loading: its first rows in words, the counts per
metric, period and place, what is skipped and why, and the findings with blanks where a finding names no row."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from backbone.errors import Finding
from backbone.intake.validate import SKIP_REASONS
from backbone.store.catalog import Catalog
from backbone.vocab import UNITS

PREVIEW_ROWS = 20
FINDINGS_SHOWN = 200


def findings_frame(findings: Iterable[Finding], limit: int | None = FINDINGS_SHOWN) -> pd.DataFrame:
    """Findings as a table of text (sheet, row, column, message): a finding that names no row or column is blank there."""
    rows = [{"sheet": f.sheet, "row": "" if f.row is None else str(f.row), "column": f.column or "", "message": f.message}
            for f in list(findings)[:limit]]
    return pd.DataFrame(rows, columns=["sheet", "row", "column", "message"])


def number_text(value: object) -> str:
    """A stored number as a person reads it: no trailing '.0', thousands separated."""
    if value is None or value != value:  # None or NaN
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.2f}"


def stored_rows(rows: pa.Table, catalog: Catalog, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first `limit` rows exactly as they will be stored, in words: metric name, period with its dates, place,
    dimension, group, value (or the partner's suppression mark), numerator, denominator and unit."""
    frame = rows.slice(0, limit).to_pandas()
    metrics = catalog.metrics

    def value_of(row: pd.Series) -> str:
        if row.suppressed:
            return f"suppressed ({row.suppression_mark})" if isinstance(row.suppression_mark, str) else "suppressed"
        return number_text(row.value)

    return pd.DataFrame({
        "Metric": [metrics[c].name if c in metrics else c for c in frame.metric_code],
        "Period": frame.period_label,
        "From": frame.period_start.astype(str),
        "To": frame.period_end.astype(str),
        "Place": frame.geography,
        "Dimension": frame.dimension,
        "Group": frame.group_value,
        "Value": [value_of(r) for r in frame.itertuples()] if len(frame) else [],
        "Numerator": frame.numerator.map(number_text),
        "Denominator": frame.denominator.map(number_text),
        "Unit": [UNITS.get(metrics[c].unit, metrics[c].unit) if c in metrics else "" for c in frame.metric_code],
        "Sheet": frame.source_sheet,
        "Row": frame.source_row.astype(str),
    })


def stored_counts(rows: pa.Table, catalog: Catalog) -> pd.DataFrame:
    """How many values each metric, period and place will get, and how many of them are suppressed at source."""
    frame = rows.select(["metric_code", "period_label", "period_start", "geography", "suppressed"]).to_pandas()
    counts = (frame.groupby(["metric_code", "period_start", "period_label", "geography"], sort=True)
              .agg(values=("suppressed", "size"), suppressed=("suppressed", "sum")).reset_index())
    names = {code: metric.name for code, metric in catalog.metrics.items()}
    return pd.DataFrame({
        "Metric": counts.metric_code.map(lambda c: names.get(c, c)),
        "Period": counts.period_label,
        "Place": counts.geography,
        "Values": counts["values"].astype(int),
        "Suppressed": counts.suppressed.astype(int),
    })


def skipped_summary(sheets_skipped: dict[str, str], skipped: dict[str, int], missing: dict[str, int],
                    rows_not_data: int = 0) -> pd.DataFrame:
    """Everything read but not stored, with how many and why: tables and sheets, summary and total rows, places
    outside the community, and missing cells."""
    rows = [{"What": f"sheet or table '{sheet}'", "How many": "", "Why": reason} for sheet, reason in sheets_skipped.items()]
    rows += [{"What": "value cells", "How many": f"{n:,}", "Why": SKIP_REASONS.get(reason, reason)}
             for reason, n in skipped.items()]
    rows += [{"What": "missing cells", "How many": f"{n:,}", "Why": f"{reason}: not loaded"} for reason, n in missing.items()]
    if rows_not_data:
        rows.append({"What": "rows", "How many": f"{rows_not_data:,}",
                     "Why": "notes, titles, sources or blank lines around the table, not data"})
    return pd.DataFrame(rows, columns=["What", "How many", "Why"])
