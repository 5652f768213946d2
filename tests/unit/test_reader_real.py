"""Real public files as partners send them (tests/fixtures/real, each with its PROVENANCE.md, case.json and, where
it needs one, mapping.json).

Each test asserts values a person read off the file, the number of suppressed cells, and that every value cell read
is accounted for: read = loaded + suppressed + missing + reported. The first tests read six files against a catalog
that names no places (every place loaded, none summed with its total); the corpus tests read all 21 against each
file's own catalog (its metrics, and the community's places and comparison places).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backbone.config import PROJECT_ROOT
from backbone.intake.catalog_workbook import load_catalog_workbook
from backbone.intake.ingest import ingest_file
from backbone.store import database
from tests.corpus import case_store, cases, community, mapping_size, wrong_values
from tests.workbooks import METRICS_HEADER, metric_row, write_workbook

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
FILES = {
    "or_ode_kindergarten": "k-readiness-1718.xlsx",
    "ky_kde_graduation": "graduation_rate_12_13.csv",
    "ky_kde_graduation_2020": "graduation_rate_2020.csv",
    "cdc_wonder_teen_births": "teen_births_black_2016_2020.txt",
    "bls_laus_2018": "laucnty18.xlsx",
    "naep_kentucky": "naep_reading_grade4_race.xls",
}


def real_file(source: str) -> tuple[Path, dict]:
    folder = REAL / source
    return folder / FILES[source], json.loads((folder / "mapping.json").read_text())


@pytest.fixture
def real_db(db, tmp_path) -> str:
    """A store whose catalog names the real files' indicators, and one partner."""
    book = write_workbook(tmp_path / "catalog.xlsx", {
        "Metrics": [
            METRICS_HEADER,
            metric_row("k_self_regulation", "Self-regulation", "index"),
            metric_row("k_interpersonal", "Interpersonal skills", "index"),
            metric_row("k_approaches", "Approaches to learning", "index"),
            metric_row("k_early_math", "Early math", "number"),
            metric_row("grad_rate_4yr", "4-year graduation rate", "percent", aliases="Graduation rate"),
            metric_row("teen_births", "Teen births", "count", "lower is better", aliases="Births"),
            metric_row("unemployment_rate", "Unemployment rate", "percent", "lower is better"),
            metric_row("labor_force", "Labor force", "count"),
            metric_row("naep_reading_g4", "NAEP grade 4 reading scale score", "index"),
        ],
        "Partners": [["code", "name", "sector", "contact"], ["STATE", "State agencies", "government", "data@example.org"]],
    })
    assert load_catalog_workbook(book, db=db).errors == []
    return db


def loaded(db: str, **key) -> list[tuple]:
    where = " AND ".join(f"{k} = ?" for k in key)
    return database.cursor(db).execute(
        f"SELECT value, numerator, denominator, suppressed, suppression_mark FROM current_observations WHERE {where}",
        list(key.values())).fetchall()


def assert_accounted(result) -> None:
    cells = result.cells
    assert cells["read"] == cells["loaded"] + cells["suppressed"] + cells["missing"] + cells["reported"]
    assert cells["loaded"] + cells["suppressed"] == result.rows_loaded
    assert cells["missing"] == result.rows_missing and cells["suppressed"] == result.rows_suppressed


def test_oregon_kindergarten_assessment(real_db):
    path, mapping = real_file("or_ode_kindergarten")
    result = ingest_file(path, "STATE", column_map=mapping, db=real_db)
    assert result.status == "loaded", result.errors[:3]
    # Title row 3 gives the period; the header spans rows 4-6 with merged cells; 9,470 rows x 4 metrics.
    assert result.sheets_used == ["Kindergarten Assessment"]
    assert result.cells["read"] == 9470 * 4
    assert_accounted(result)
    assert result.cells["reported"] == 0
    # '*' counted on the sheet with a separate script: 15,315 in the three Approaches to Learning rating columns
    # (J-L) and 5,118 in the Early math column (N).
    assert result.rows_suppressed == 15315 + 5118
    # Row 8: Statewide, Total Population, self-regulation 3.5: the state's total, read as the whole of what the file
    # covers (this catalog names no places); Portland SD 1J district, African American, 3.3: the district itself, its
    # level word and its name repeated as 'Institution Name' set aside.
    assert loaded(real_db, metric_code="k_self_regulation", geography="Community",
                  group_value="All", period_label="2017-18") == [(3.5, None, None, False, None)]
    assert loaded(real_db, metric_code="k_self_regulation", geography="Portland SD 1J",
                  group_value="African American") == [(3.3, None, None, False, None)]
    # A school is loaded inside its district ('part'), never summed with the district's own row.
    roles = dict(database.cursor(real_db).execute(
        "SELECT place_role, count(*) FROM current_observations GROUP BY 1").fetchall())
    assert set(roles) == {"community", "place", "part"} and roles["part"] > roles["place"]
    # A suppressed school cell is kept with its mark, never 0.
    marks = database.cursor(real_db).execute(
        "SELECT DISTINCT value, suppression_mark FROM current_observations WHERE suppressed").fetchall()
    assert marks == [(None, "*")]


def test_kentucky_graduation_2012_13(real_db):
    path, mapping = real_file("ky_kde_graduation")
    result = ingest_file(path, "STATE", column_map=mapping, db=real_db)
    assert result.status == "loaded", result.errors[:3]
    assert result.cells["read"] == 6000
    assert result.rows_suppressed == 3044  # '***' in COHORT_RATE
    assert_accounted(result)
    # Jefferson County district total, Female: 2951 of 3650, 80.8 (row 'Jefferson County,--District Total--,2,Female'):
    # the district's total is the district.
    assert loaded(real_db, metric_code="grad_rate_4yr", geography="Jefferson County",
                  group_value="Female", period_label="2012-13") == [(80.8, 2951.0, 3650.0, False, None)]
    # 'All Students' is the everyone group, so it combines with template rows that leave the group blank.
    assert loaded(real_db, metric_code="grad_rate_4yr", geography="Adair County / Adair County High School",
                  group_value="All") == [(89.8, 177.0, 197.0, False, None)]


def test_kentucky_graduation_2019_20_suppressed_by_a_flag_column(real_db):
    path, mapping = real_file("ky_kde_graduation_2020")
    result = ingest_file(path, "STATE", column_map=mapping, db=real_db)
    assert result.status == "loaded", result.errors[:3]
    assert result.columns_mapped["graduation_rate_2020"]["suppressed"] == "SUPPRESSED 4 YEAR"
    # Counted with the csv module: SUPPRESSED 4 YEAR is Y on 1,776 rows (rate and graduates blank), N on 3,997, and
    # blank on 1,751 whose cohort is 0 and whose rate is blank.
    assert result.cells == {"read": 7524, "loaded": 3997, "suppressed": 1776, "missing": 1751, "reported": 0}
    assert result.missing_reasons == {"blank": 1751}
    assert_accounted(result)
    # Row 'Jefferson County,,---District Total---,...,American Indian or Alaska Native,Y,,9,': suppressed, with the
    # flag as its mark and the cohort of 9 kept; never 0, never dropped.
    assert loaded(real_db, metric_code="grad_rate_4yr", geography="Jefferson County",
                  group_value="American Indian or Alaska Native", period_label="2019-20") == [
        (None, None, 9.0, True, "SUPPRESSED 4 YEAR: Y")]
    # Same district, African American, flag N: 2191 of 2688, 81.5.
    assert loaded(real_db, metric_code="grad_rate_4yr", geography="Jefferson County",
                  group_value="African American", period_label="2019-20") == [(81.5, 2191.0, 2688.0, False, None)]
    # The state total ('State', '---State Total---') is the community's figure here (no places in this catalog), and
    # no district or school is summed with it: 44,584 of 49,028.
    assert community(real_db, {"metric": "grad_rate_4yr", "period": "2019-20"}) == [
        (pytest.approx(90.93578), 44584.0, 49028.0, False, None)]
    assert database.cursor(real_db).execute(
        "SELECT count(*) FROM current_observations WHERE suppressed AND value IS NOT NULL").fetchone()[0] == 0


def test_cdc_wonder_teen_births(real_db):
    path, mapping = real_file("cdc_wonder_teen_births")
    result = ingest_file(path, "STATE", column_map=mapping, db=real_db)
    assert result.status == "loaded", result.errors[:3]
    assert (result.cells["read"], result.rows_suppressed) == (110, 22)
    assert_accounted(result)
    assert result.rows_not_data == 60  # the footer after "---", reported as notes, not data
    assert any("60 row(s) with no values" in w.message for w in result.warnings)
    assert loaded(real_db, metric_code="teen_births", geography="Jefferson County, KY", period_label="2016") == [
        (234.0, None, None, False, None)]
    assert loaded(real_db, metric_code="teen_births", geography="Jefferson County, AL", period_label="2020") == [
        (None, None, None, True, "Suppressed")]


def test_bls_unemployment_2018_original(real_db):
    path, mapping = real_file("bls_laus_2018")
    result = ingest_file(path, "STATE", column_map=mapping, db=real_db)
    assert result.status == "loaded", result.errors[:3]
    # A three-row split header ('Unemploy-' / 'ment Rate' / '(%)') read as one label.
    assert "Unemployment Rate (%)" in result.headers_seen["laucnty18"]
    assert (result.cells["read"], result.rows_suppressed) == (3219 * 2, 0)
    assert_accounted(result)
    assert result.rows_not_data == 2  # SOURCE and date footers
    assert loaded(real_db, metric_code="unemployment_rate", geography="Autauga County, AL", period_label="2018") == [
        (3.6, None, None, False, None)]
    assert loaded(real_db, metric_code="labor_force", geography="Yauco Municipio, PR") == [(9716.0, None, None, False, None)]


def test_naep_xls(real_db):
    path, mapping = real_file("naep_kentucky")
    result = ingest_file(path, "STATE", column_map=mapping, db=real_db)
    assert result.status == "loaded", result.errors[:3]
    assert (result.cells["read"], result.rows_suppressed) == (72, 23)  # '‡' reporting standards not met
    assert_accounted(result)
    value = loaded(real_db, metric_code="naep_reading_g4", geography="Kentucky", period_label="2019", group_value="White")
    assert value[0][0] == pytest.approx(225.221971768504, abs=1e-6)
    assert value[0][3] is False


@pytest.mark.parametrize("source", sorted(FILES))
def test_dry_run_json_on_each_real_file_answers_within_5_seconds(real_db, source, tmp_path):
    path, _ = real_file(source)
    database.close_all()  # the command line opens the store itself
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "backbone", "--db", real_db, "ingest", str(path), "--partner", "STATE",
                           "--dry-run", "--json", "--map", str(REAL / source / "mapping.json")],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    elapsed = time.perf_counter() - started
    answer = json.loads(done.stdout)
    assert (done.returncode, answer["status"]) == (0, "dry-run"), answer.get("errors")
    assert answer["rows_new"] > 0
    assert elapsed < 5, f"{source}: {elapsed:.1f} s"


# Files that load with every hand-read value right from their catalog alone, with no mapping (bench.corpus prints the
# same figures; the README states them). A file leaving this list is a regression.
NO_MAPPING = {
    "acf_afcars_foster_care_by_state_fy2012_2021", "acf_foster_entry_disproportionality_fy2021", "bls_laus_2018",
    "co_kidscount_enrollment_race",
    "dfe_cin_fsm_by_la_2016_2022", "dfe_cla_ks2_attainment_2007_2011", "fbi_ucr_table10_texas_counties_2013",
    "hud_pit_counts_by_state_2007_2022", "ky_kde_graduation", "naep_kentucky", "nces_digest_204_10_frl_by_state",
    "nyc_dhs_daily_shelter_census", "or_ode_kindergarten", "toronto_neighbourhood_profiles_2016",
}
CORPUS = {case.name: case for case in cases()}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_real_file_loads_with_every_hand_read_value_right(db, tmp_path, name):
    case = CORPUS[name]
    store = case_store(case, tmp_path, db)
    mapping = None if name in NO_MAPPING else case.mapping
    result = ingest_file(case.path, case.partner, column_map=mapping, db=store)
    assert result.status == "loaded", [str(e) for e in result.errors[:3]]
    assert wrong_values(case, store) == []
    assert_accounted(result)
    # A suppressed cell is kept with its mark, never as a number (never 0).
    assert database.cursor(store).execute(
        "SELECT count(*) FROM current_observations WHERE suppressed AND (value IS NOT NULL OR suppression_mark IS NULL)"
    ).fetchone()[0] == 0
    if mapping:
        assert mapping_size(mapping) <= 12  # "the rest with a mapping of a few entries"


def test_the_corpus_loads_mostly_without_a_mapping():
    assert len(NO_MAPPING) * 2 >= len(CORPUS)
    assert NO_MAPPING <= set(CORPUS)


@pytest.mark.parametrize("name", ["ky_kde_graduation", "ky_kde_graduation_2020"])
def test_no_total_is_summed_with_its_parts(db, tmp_path, name):
    """Kentucky's files hold every school, every district's total and the state's total: the community (Jefferson
    County, a district) is its district total, and neither its schools nor the state are added to it."""
    case = CORPUS[name]
    store = case_store(case, tmp_path, db)
    result = ingest_file(case.path, case.partner, column_map=case.mapping, db=store)
    assert result.status == "loaded", result.errors[:3]
    cur = database.cursor(store)
    period = "2012-13" if name == "ky_kde_graduation" else "2019-20"
    district = cur.execute("""SELECT numerator, denominator FROM current_observations WHERE geography = 'Jefferson County'
                              AND group_value = 'All' AND period_label = ?""", [period]).fetchone()
    whole = community(store, {"metric": "grad_rate_4yr", "period": period})[0]
    assert whole[1:3] == district
    # Its schools are loaded inside it, and other districts' rows are skipped with a count.
    schools = cur.execute("SELECT count(DISTINCT geography) FROM current_observations WHERE place_role = 'part'").fetchone()[0]
    assert schools > 5
    assert result.skipped["outside"] > 1000
    assert any("outside the community" in w.message for w in result.warnings)
    if name == "ky_kde_graduation_2020":
        # The schools listed add up to 6,525 students of the district's 7,343: said, and the total is what counts.
        assert any("21 parts of 'Jefferson County' (grad_rate_4yr, 2019-20, All) add up to 6,525" in w.message
                   for w in result.warnings)


def test_the_state_file_leaves_the_demo_communitys_graduation_rate_at_its_districts(db):
    """Issue 13, item 4: Kentucky's whole-state 2019-20 file, loaded into the demo, changes nothing of the community's
    figure (Jefferson County: 83.5%, 7,343 students), not 91.7% of 152,947 (every school, district and state summed)."""
    from backbone.demo import load_demo

    load_demo(db)
    path, mapping = real_file("ky_kde_graduation_2020")
    before = community(db, {"metric": "grad_rate_4yr", "period": "2019-20"})
    result = ingest_file(path, "COUNTY_SCHOOLS_KY", column_map=mapping, db=db)
    assert result.status == "loaded", result.errors[:3]
    after = community(db, {"metric": "grad_rate_4yr", "period": "2019-20"})
    assert after == before and after[0][0] == pytest.approx(83.5, abs=0.05) and after[0][2] == 7343
    # The district's rows are the demo's own (same values: unchanged), the state is shown beside as a comparison, the
    # district's schools inside it, and the other 170-odd districts are skipped with a count.
    cur = database.cursor(db)
    assert cur.execute("""SELECT value, denominator, place_role FROM current_observations WHERE geography = 'Kentucky'
                          AND group_value = 'All' AND period_label = '2019-20'""").fetchall() == [(90.9, 49028.0, "comparison")]
    assert result.rows_unchanged > 0 and result.skipped["outside"] > 5000
