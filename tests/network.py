"""A network's worth of partners and places added to a store, for the tests that every page works at that size."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa

from backbone.store import database
from backbone.store.privacy import refresh_public_outcomes

PARTNERS = 100
PLACES = 500
PLACES_PER_PARTNER = PLACES // PARTNERS
# What each network partner sends (a percent with its counts, and a count), by gender besides everyone.
SENT = ["hs_completion", "tutoring_students_served"]
# What the schedule expects of each: more than it sends, so the submission matrix has late and missing cells.
EXPECTED = ["hs_completion", "tutoring_students_served", "tutoring_attendance", "prek_seats", "prek_ready", "teen_birth_rate"]
YEARS = list(range(2011, 2021))
GROUPS = [("All", "All", 1.0), ("Gender", "Female", 0.5), ("Gender", "Male", 0.5)]
SECTORS = ["K-12 education", "Public health", "Nonprofit", "Early childhood", "Philanthropy"]


def partner_code(i: int) -> str:
    return f"NET_{i + 1:03d}"


def place_name(i: int) -> str:
    return f"Network place {i + 1:03d}"


def add_network(db: str, seed: int = 19) -> int:
    """Add PARTNERS partners, each sending SENT for its own PLACES_PER_PARTNER places over YEARS (one upload each),
    and a schedule expecting EXPECTED of each for every year (with more cells than a chart may draw); returns the
    observations added."""
    rng = np.random.default_rng(seed)
    now = datetime(2024, 1, 1)
    added = 0
    with database.write_transaction(db) as cur:
        cur.executemany("INSERT INTO places VALUES (?, 'neighbourhood', 'community')", [[place_name(i)] for i in range(PLACES)])
        for i in range(PARTNERS):
            code, upload_id = partner_code(i), database.new_id()
            cur.execute("INSERT INTO partners (partner_code, name, sector, contact, updated_at) VALUES (?, ?, ?, NULL, ?)",
                        [code, f"Network partner {i + 1:03d}", SECTORS[i % len(SECTORS)], now])
            rows = _rows(i, upload_id, rng)
            cur.register("network_rows", rows)
            cur.execute("""INSERT INTO observations BY NAME
                           SELECT * EXCLUDE (year), make_date(year, 1, 1) AS period_start, make_date(year, 12, 31) AS period_end,
                                  'Data' AS source_sheet, 'place' AS place_role
                           FROM network_rows""")
            cur.unregister("network_rows")
            cur.execute("INSERT INTO uploads (upload_id, load_seq, kind, partner_code, uploaded_by, uploaded_at, file_name,"
                        " sha256, status, rows_loaded, rows_new, rows_changed, rows_unchanged, rows_suppressed, rows_missing)"
                        " VALUES (?, ?, 'partner', ?, 'tests/network.py', ?, ?, ?, 'loaded', ?, ?, 0, 0, 0, 0)",
                        [upload_id, database.next_load_seq(cur), code, now + timedelta(minutes=i), f"{code.lower()}.xlsx",
                         f"network-{code}", rows.num_rows, rows.num_rows])
            added += rows.num_rows
        # Every year's submission was due at the end of March after it; half the partners sent theirs on time (before
        # the store existed), the others' count as received late, and what no one sent is missing.
        cur.executemany("INSERT INTO expectations VALUES (?, ?, ?, ?, ?)",
                        [[partner_code(i), metric, str(year), date(year + 1, 3, 31),
                          date(year + 1, 3, 1) if i % 2 == 0 and metric in SENT else None]
                         for i in range(PARTNERS) for metric in EXPECTED for year in YEARS])
        refresh_public_outcomes(cur)
    return added


def _rows(i: int, upload_id: str, rng: np.random.Generator) -> pa.Table:
    """Partner i's observations: its places x SENT x YEARS x GROUPS."""
    places = [place_name(i * PLACES_PER_PARTNER + p) for p in range(PLACES_PER_PARTNER)]
    keys = [(place, metric, year, group) for place in places for metric in SENT for year in YEARS for group in GROUPS]
    size = rng.integers(40, 400, size=len(keys)).astype(float)
    share = np.array([group[2] for *_, group in keys])
    denominator = np.maximum(np.rint(size * share), 1.0)
    numerator = np.rint(denominator * rng.uniform(0.6, 0.95, size=len(keys)))
    percent = np.array([metric == "hs_completion" for _, metric, _, _ in keys])
    return pa.table({
        "upload_id": [upload_id] * len(keys), "partner_code": [partner_code(i)] * len(keys),
        "metric_code": [metric for _, metric, _, _ in keys], "period_label": [str(year) for _, _, year, _ in keys],
        "year": [year for _, _, year, _ in keys], "geography": [place for place, *_ in keys],
        "dimension": [group[0] for *_, group in keys], "group_value": [group[1] for *_, group in keys],
        "value": np.where(percent, np.round(numerator / denominator * 100, 1), denominator),
        "numerator": pa.array(numerator, mask=~percent), "denominator": pa.array(denominator, mask=~percent),
        "suppressed": [False] * len(keys), "suppression_mark": pa.nulls(len(keys), pa.string()),
        "note": pa.nulls(len(keys), pa.string()), "source_row": np.arange(2, len(keys) + 2, dtype=np.int32),
    })
