"""Which cells the suppression hides is part of the product (published patterns are recorded across versions): a
faster way of choosing complements must choose exactly the same cells. The fixture holds real calls of
`disclosure.protect` recorded through the load path (random tables of bench/suppression.py and one table of the
200,000-row workbook of bench/reader.py), written by `python -m bench.suppression_choices fixture`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from backbone.store import disclosure
from backbone.store.disclosure import LinkedCells

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "suppression_choices.npz"
CODES = ("table", "place", "community", "dimension", "group")
CALLS = sorted({int(name.split(".")[0]) for name in np.load(FIXTURE).files}) if FIXTURE.exists() else []


@cache
def _fixture() -> dict[str, np.ndarray]:
    with np.load(FIXTURE) as saved:
        return dict(saved)


@pytest.mark.parametrize("call", CALLS)
def test_protect_hides_exactly_the_recorded_cells(call):
    saved = _fixture()

    def get(name):
        return saved[f"{call}.{name}"]

    codes = {name: get(name) for name in CODES}
    views = []
    while f"{call}.view{len(views)}.value" in saved:
        j = len(views)
        views.append((LinkedCells(**codes, value=get(f"view{j}.value")), get(f"view{j}.known"), get(f"view{j}.sensitive")))
    hidden, _ = disclosure.protect(LinkedCells(**codes), get("hidden"), views, get("can_hide"), get("preference"),
                                   get("reluctant"))
    expected = get("expected")
    assert (expected & ~get("hidden")).any(), "the fixture's call hides complements (else it pins nothing)"
    assert np.array_equal(hidden, expected), (
        f"{int((hidden != expected).sum())} cells hidden differently from the recorded choice: "
        f"now {np.flatnonzero(hidden & ~expected)[:10]} more, {np.flatnonzero(expected & ~hidden)[:10]} fewer")
