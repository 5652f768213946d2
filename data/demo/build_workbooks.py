"""Build the demo initiative's Excel workbooks from the source files in data/demo/sources/.

Run from the project root:

    python data/demo/build_workbooks.py

It writes data/demo/catalog.xlsx (the metric catalog and partnership set-up) and one workbook per
data-sending partner (data/demo/<partner code lower>.xlsx, sheet `Data`). Two partners send real public
data (Baltimore BNIA-JFI Vital Signs; Kentucky Department of Education graduation rates, see the
PROVENANCE.md files under sources/); the other figures are illustrative, drawn from a seeded generator.
The output is deterministic: running it twice gives byte-identical files. It reads only sources/.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
BVS = HERE / "sources" / "baltimore_vital_signs"
KY = HERE / "sources" / "kentucky_graduation_rates"
FIXED_TIME = dt.datetime(2024, 1, 1)
ILLUSTRATIVE = "Illustrative demo figures, not real data."
YEARS = list(range(2016, 2024))
DATA_HEADER = ["metric", "period", "geography", "dimension", "group", "value", "numerator", "denominator", "note"]
KY_GEO = "Jefferson County, KY"
CSA_BOUNDARIES = "boundaries/baltimore_csa_2010.topo.json"
CSA_SOURCE = "Boundaries: BNIA-JFI, Baltimore Community Statistical Areas (2010)"
D = dt.date.fromisoformat

PARTNERS = [  # code, name, sector, contact
    ("CITY_HEALTH", "City Health Department", "Public health", "health.data@example.org"),
    ("CITY_SCHOOLS", "City Public Schools", "K-12 education", "schools.research@example.org"),
    ("COUNTY_SCHOOLS_KY", "County School District (KY)", "K-12 education", "district.assessment@example.org"),
    ("READ_BY_THIRD", "Read by Third Tutoring", "Nonprofit", "tutoring.programs@example.org"),
    ("HOME_VISITING", "Family Home Visiting Network", "Nonprofit", "homevisiting.data@example.org"),
    ("EARLY_LEARNING", "Early Learning Coalition", "Early childhood", "earlylearning.quality@example.org"),
    ("COMMUNITY_FDN", "Community Foundation", "Philanthropy", "grants@example.org"),
    ("BACKBONE", "Backbone Team", "Backbone", "backbone.director@example.org"),
]

# Real community outcomes: code -> (partner, source file, name, unit, direction, outcome area, aliases,
# definition, notes)
BALTIMORE = {
    "infant_mortality": ("CITY_HEALTH", "Infant_Mortality_Rate", "Infant mortality rate", "rate per 1,000",
        "lower is better", "Healthy births", "Infant Mortality Rate; IMR; mort1",
        "Infant deaths (babies under one year of age) per 1,000 live births in the area, BNIA 5-year period rate.",
        ("Each year's value is a five-year period rate, so consecutive years overlap and the curve moves slowly; "
        "the 0.0 values of a few small areas reflect few births, not the absence of infant deaths.")),
    "kindergarten_readiness": ("CITY_SCHOOLS", "Kindergarten_Readiness", "Kindergarten readiness", "percent",
        "higher is better", "School readiness", "KRA; Kindergarten Readiness; % demonstrating readiness; kra",
        "Percent of kindergartners demonstrating readiness on the Maryland Kindergarten Readiness Assessment (KRA).",
        "Only two years (2016 and 2017) are published by neighbourhood, too short a baseline to forecast a curve."),
    "teen_birth_rate": ("CITY_HEALTH", "Teen_Birth_Rate_per_1000_Females", "Teen birth rate", "rate per 1,000",
        "lower is better", "Healthy births", "Teen Birth Rate per 1,000 Females; teen births; teenbir",
        "Births to females aged 15-19 per 1,000 females aged 15-19 in the area, calendar year.",
        "Small neighbourhoods have few teen births, so their rates swing from year to year and some read 0.0."),
    "hs_completion": ("CITY_SCHOOLS", "High_School_Completion_Rate", "High school completion rate", "percent",
        "higher is better", "High school success", "High School Completion Rate; completion rate; compl",
        "Percent of 12th graders in the school year who completed high school (Maryland diploma or certificate).",
        ("It counts 12th graders who completed, not a 4-year cohort, so it does not compare with the Kentucky "
        "cohort graduation rate; BNIA published no 2018 value.")),
    "elevated_blood_lead": ("CITY_HEALTH", "Percent_of_Children_with_Elevated_Blood_Lead_Levels",
        "Children with elevated blood lead", "percent", "lower is better", "Healthy homes",
        "Percent of Children with Elevated Blood Lead Levels; EBLL; ebll",
        "Percent of children aged 0-6 tested in the year with elevated blood lead (10 ug/dL) or lead poisoning.",
        ("It uses the old 10 ug/dL threshold, far above today's reference value, so most neighbourhoods read 0.0 "
        "and many are blank: read it as a floor, not a full count of harm.")),
}
KY_SOURCE = ("Kentucky Department of Education, School Report Card (Open House) graduation rate data, "
             "https://education.ky.gov/AA/Reports/Pages/Graduation-Rate.aspx")
KY_GROUP_LABELS = [  # (dimension, group, source labels and codes across the three schemas)
    ("All", "All", "All Students|TST"),
    ("Gender", "Female", "Female|SXF"),
    ("Gender", "Male", "Male|SXM"),
    ("Race/ethnicity", "African American", "African American|ETB"),
    ("Race/ethnicity", "Hispanic", "Hispanic|Hispanic or Latino|ETH"),
    ("Race/ethnicity", "White", "White (Non-Hispanic)|ETW"),
    ("Race/ethnicity", "Asian", "Asian|ETA"),
    ("Race/ethnicity", "Two or more races", "Two or more races|ETO"),
    ("Race/ethnicity", "American Indian or Alaska Native", "American Indian or Alaska Native|ETI"),
    ("Race/ethnicity", "Native Hawaiian or Pacific Islander",
     "Native Hawaiian or Other Pacific Islander|Native Hawaiian or Pacific Islander|ETP"),
    ("Income", "Economically disadvantaged", "Free/Reduced-Price Meals|Economically Disadvantaged|LUP"),
    ("Income", "Not economically disadvantaged", "Non-Economically Disadvantaged|LUN"),
    ("English learner", "English learner", "Limited English Proficiency|English Learner|LEP"),
    ("Disability", "Students with disabilities", "Disability-With IEP (Total)|Students with Disabilities (IEP)|ACD"),
]  # left out: migrant, homeless, gap/consolidated group, EL incl. monitored, non-EL, without IEP
KY_GROUPS = {label.lower(): (dim, group) for dim, group, labels in KY_GROUP_LABELS for label in labels.split("|")}
KY_FILES = [  # file, period, columns: district, school name, group, flag, grads, cohort, rate
    ("graduation_rate_12_13.csv", "2012-13",
     ("DIST_NAME", "SCH_NAME", "DISAGG_LABEL", None, "COHORT_NUMERATOR", "COHORT_DENOMINATOR", "COHORT_RATE")),
    ("graduation_rate_17_18.csv", "2017-18",
     ("DIST_NAME", "SCH_NAME", "DEMOGRAPHIC", "SUPPRESSED4YR", "GRADS4YR", "COHORT4YR", "GRADRATE4YR")),
    ("graduation_rate_18_19.csv", "2018-19",
     ("DIST_NAME", "SCH_NAME", "DEMOGRAPHIC", "SUPPRESSED4YR", "GRADS4YR", "COHORT4YR", "GRADRATE4YR")),
    ("graduation_rate_2020.csv", "2019-20",
     ("DISTRICT NAME", "SCHOOL NAME", "DEMOGRAPHIC", "SUPPRESSED 4 YEAR", "NUMBER OF GRADS IN 4-YEAR COHORT",
      "NUMBER OF STUDENTS IN 4-YEAR COHORT", "4-YEAR GRADUATION RATE")),
]

# Illustrative measures: code, partner, name, unit, (activity, component, phase, horizon, rba),
# series (start, yearly step, noise, denominator start, denominator step), 2025 target, definition.
EVAL, GOV, PLAN, COMM = ("Evaluation and improvement", "Governance and infrastructure", "Strategic planning",
                         "Community involvement")
PP_SHORT, PP_MID = ("", EVAL, "III", "short-term"), ("", EVAL, "III", "intermediate")
ILLUSTRATIVE_METRICS = {spec[0]: spec[1:] for spec in [
    ("tutoring_students_served", "READ_BY_THIRD", "Students tutored", "count", (*PP_SHORT, "how much"),
     (420, 40, 25), 800, "Students in grades K-3 who received at least one tutoring session in the year."),
    ("tutoring_attendance", "READ_BY_THIRD", "Tutoring attendance", "percent", (*PP_SHORT, "how well"),
     (81, -1.3, 1.2, 420, 40), 90, "Percent of tutored students who attended at least 80% of their sessions."),
    ("tutoring_reading_gain", "READ_BY_THIRD", "Students gaining a reading level", "percent",
     (*PP_MID, "better off"), (48, 2.2, 1.5, 380, 36), 75,
     "Percent of tutored students who gained at least one reading level during the year."),
    ("home_visits_families", "HOME_VISITING", "Families visited", "count", (*PP_SHORT, "how much"),
     (610, 35, 30), 1000, "Families who received at least one home visit in the year."),
    ("home_visits_first_trimester", "HOME_VISITING", "Enrolled in the first trimester", "percent",
     (*PP_SHORT, "how well"), (62, 0.2, 2.0, 240, 10), 75,
     "Percent of pregnant women enrolled in home visiting during their first trimester."),
    ("home_visits_healthy_weight", "HOME_VISITING", "Babies born at a healthy weight", "percent",
     (*PP_MID, "better off"), (84, 0.8, 1.0, 210, 9), 92,
     "Percent of babies born to enrolled families who weighed at least 2,500 grams at birth."),
    ("prek_seats", "EARLY_LEARNING", "Pre-K seats", "count", (*PP_SHORT, "how much"),
     (900, 60, 20), 1600, "Funded full-day pre-kindergarten seats for 4-year-olds."),
    ("prek_quality_rated", "EARLY_LEARNING", "Pre-K classrooms rated high quality", "percent",
     (*PP_SHORT, "how well"), (55, 3, 2, 60, 4), 85,
     "Percent of pre-K classrooms in the top two tiers of the state quality rating."),
    ("prek_ready", "EARLY_LEARNING", "Pre-K graduates ready for kindergarten", "percent",
     (*PP_MID, "better off"), (44, 2.5, 2, 820, 55), 70,
     "Percent of pre-K graduates assessed as ready for kindergarten in the fall."),
    ("bb_shared_understanding", "BACKBONE", "Partners sharing an understanding of the agenda", "percent",
     ("1", PLAN, "II", "short-term", "better off"), (55, 4, 3, 18, 2), 90,
     ("Percent of partners who report, in the annual partner survey, a shared understanding of the need "
     "and the desired result.")),
    ("bb_aligned_plans", "BACKBONE", "Partners with aligned plans", "percent",
     ("1", PLAN, "III", "intermediate", "better off"), (30, 5, 3, 18, 2), 75,
     "Percent of partners whose own strategic plans reference the common agenda."),
    ("bb_working_groups", "BACKBONE", "Working-group meetings", "count", ("2", GOV, "II", "short-term", "how much"),
     (24, 3, 2), 50, "Working-group (action network) meetings held in the year."),
    ("bb_joint_initiatives", "BACKBONE", "Joint initiatives", "count",
     ("2", GOV, "III", "intermediate", "how much"), (1, 1, 0.6), 10,
     "New approaches launched together by two or more partners in the year."),
    ("bb_data_on_time", "BACKBONE", "Partners submitting data on time", "percent",
     ("3", EVAL, "II", "short-term", "how well"), (50, 5, 4, 18, 2), 95,
     "Percent of partners who sent their expected data by the due date."),
    ("bb_data_use", "BACKBONE", "Partners using data to adapt strategies", "percent",
     ("3", EVAL, "III", "intermediate", "better off"), (25, 5, 4, 18, 2), 70,
     "Percent of partners who report having changed a strategy because of shared data."),
    ("bb_media_mentions", "BACKBONE", "Media mentions", "count", ("4", COMM, "II", "short-term", "how much"),
     (140, -8, 10), 200, "Stories in local news and radio that mention the initiative or its goals."),
    ("bb_residents_engaged", "BACKBONE", "Residents engaged", "count",
     ("4", COMM, "III", "intermediate", "how much"), (300, 150, 40), 2000,
     "Residents who took part in an initiative event, listening session or action team."),
    ("bb_policy_briefings", "BACKBONE", "Policy briefings", "count", ("5", COMM, "III", "short-term", "how much"),
     (2, 1, 1), 12, "Briefings held for elected officials and agency leaders on the policy agenda."),
    ("bb_policies_adopted", "BACKBONE", "Policies adopted", "count",
     ("5", COMM, "III", "intermediate", "better off"), (0, 0.4, 0.5), 4,
     "Policy changes adopted in the year in line with the initiative's policy agenda."),
    ("bb_funds_secured", "BACKBONE", "Funds secured for the initiative", "dollars",
     ("6", GOV, "II", "short-term", "how much"), (450000, 90000, 40000), 1500000,
     "Dollars raised in the year for the backbone and the initiative's shared activities."),
    ("bb_aligned_funding", "BACKBONE", "Aligned funding", "dollars",
     ("6", PLAN, "III", "intermediate", "how much"), (2000000, 800000, 300000), 10000000,
     "Public and philanthropic dollars granted in the year to strategies in the common agenda."),
]}
SPLIT = [("Black", 0.50, -6), ("Hispanic", 0.22, -3), ("White", 0.20, 5), ("Asian", 0.08, 4)]  # share, gap
SUPPRESSED = {("prek_ready", "Asian", 2016), ("prek_ready", "Asian", 2017)}  # the two `*` cells
BY_NAME = {"HOME_VISITING"}  # partners who write the catalog name instead of the code
AREAS = {"READ_BY_THIRD": "Grade-level reading", "HOME_VISITING": "Healthy births",
         "EARLY_LEARNING": "School readiness", "BACKBONE": "Backbone effectiveness"}

ROLES = [
    ("BACKBONE", "servant leader", D("2015-09-01"), "The director wakes up thinking about the partnership."),
    ("BACKBONE", "data analytics", D("2015-09-01"), "Runs the data system and the annual community dashboard."),
    ("CITY_HEALTH", "data analytics", D("2016-03-01"), "An epidemiologist co-leads the health indicators."),
    ("EARLY_LEARNING", "facilitation", D("2016-09-01"), "Facilitates the school-readiness action network."),
    ("READ_BY_THIRD", "facilitation", D("2017-01-15"), "Facilitates the grade-level reading action network."),
    ("HOME_VISITING", "community mobilisation", D("2017-02-01"), "Parent leaders and neighbourhood outreach."),
    ("CITY_SCHOOLS", "community mobilisation", D("2018-08-15"), "Family engagement through school sites."),
    ("COMMUNITY_FDN", "convening investors", D("2015-01-15"), "Hosts the funders' table."),
    ("COMMUNITY_FDN", "anchor entity", D("2015-01-15"), "Fiscal agent: holds and disburses backbone funds."),
]
MILESTONES = [  # phase, component, milestone, status, date, note
    ("I", GOV, "Identify champions", "done", D("2014-03-15"), "Mayor, superintendent, health commissioner co-chair."),
    ("I", GOV, "Form a cross-sector steering group", "done", D("2014-06-30"), "18 organisations signed on."),
    ("I", PLAN, "Map the landscape of existing programmes", "done", D("2014-09-30"), ""),
    ("I", PLAN, "Use data to make the case for action", "done", D("2014-12-15"), "Case statement published."),
    ("I", COMM, "Facilitate community outreach", "done", D("2014-11-30"), "Twelve listening sessions."),
    ("I", COMM, "Publish a first community briefing", "done", D("2015-02-28"), ""),
    ("I", EVAL, "Analyse baseline data to find key issues and gaps", "done", D("2015-03-31"), "Baseline report."),
    ("I", EVAL, "Agree on a first list of candidate indicators", "done", D("2015-05-31"), ""),
    ("II", GOV, "Create the backbone team and its processes", "done", D("2015-09-01"), ""),
    ("II", GOV, "Adopt a partnership charter and decision rules", "done", D("2016-01-31"), ""),
    ("II", PLAN, "Create the common agenda (goals and strategy)", "done", D("2016-04-30"), ""),
    ("II", PLAN, "Agree on priority outcome areas and targets", "done", D("2016-10-31"), ""),
    ("II", COMM, "Engage the community and build public will", "done", D("2017-05-31"), "Campaign launch."),
    ("II", COMM, "Launch the resident ambassadors programme", "in progress", D("2018-12-31"), "Behind schedule."),
    ("II", EVAL, "Establish shared metrics (indicators, measurement, approach)", "done", D("2016-12-31"), ""),
    ("II", EVAL, "Sign data-sharing agreements with every partner", "in progress", D("2018-06-30"),
     "Two partners still to sign."),
    ("III", GOV, "Facilitate and refine the governance structure", "in progress", D("2024-06-30"), ""),
    ("III", GOV, "Annual review of backbone roles", "not started", D("2025-03-31"), ""),
    ("III", PLAN, "Support implementation: partners align plans to the agenda", "in progress", D("2024-12-31"), ""),
    ("III", PLAN, "Refresh the strategy for 2026-2030", "not started", D("2025-09-30"), ""),
    ("III", COMM, "Continue engagement with residents", "in progress", D("2024-12-31"), ""),
    ("III", COMM, "Conduct advocacy for the policy agenda", "in progress", D("2025-02-28"), "Legislative session."),
    ("III", EVAL, "Collect, track and report progress (annual dashboard)", "in progress", D("2024-10-31"), ""),
    ("III", EVAL, "Hold learning sessions where partners adapt strategies", "not started", D("2025-02-28"), ""),
]
# Expected but never sent (partner, metric, period), and rows whose due date came before the data did.
MISSING = [("CITY_HEALTH", "infant_mortality", 2019), ("CITY_SCHOOLS", "hs_completion", 2018),
           ("CITY_SCHOOLS", "kindergarten_readiness", 2018), ("COUNTY_SCHOOLS_KY", "grad_rate_4yr", "2020-21")]
LATE_DUE = {("COUNTY_SCHOOLS_KY", "2019-20"): D("2020-08-31"),  # KDE published 2019-20 in October 2020
            ("READ_BY_THIRD", 2023): D("2024-01-31")}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def baltimore_rows(metric: str, source: str) -> list[list]:
    """Wide BNIA file -> one row per CSA and year; empty cells (NA) are skipped."""
    rows = []
    for record in read_csv(BVS / f"{source}.csv"):
        for column, text in list(record.items())[1:]:
            if text != "":
                year = 2000 + int(re.search(r"(\d\d)$", column).group(1))
                rows.append([metric, year, record["CSA2010"], "All", "All", round(float(text), 2), None, None, None])
    return sorted(rows, key=lambda r: (r[1], r[2]))


def kentucky_rows() -> list[list]:
    """Jefferson County district-total rows of the four KDE files, 4-year rate, mapped groups only; and the state
    total for all students, the community's comparison place (the catalog's Places sheet names Kentucky so)."""
    rows = []
    for filename, period, (dist, school, group, flag, grads, cohort, rate) in KY_FILES:
        found = 0
        for record in read_csv(KY / filename):
            dimension, label = KY_GROUPS.get(record[group].strip().lower(), (None, None))
            if record[dist] == "State" and record[school].strip("-") == "State Total" and dimension == "All":
                rows.append(["grad_rate_4yr", period, "Kentucky", "All", "All", float(record[rate]),
                             int(record[grads].replace(",", "")), int(record[cohort].replace(",", "")), None])
                continue
            if record[dist] != "Jefferson County" or record[school].strip("-") != "District Total":
                continue
            if dimension is None:
                continue
            found += 1
            if record[rate] == "***" or (flag and record[flag] == "Y"):
                mark = record[rate] if record[rate] == "***" else "*"
                rows.append(["grad_rate_4yr", period, KY_GEO, dimension, label, mark, None, None, None])
            elif record[rate].strip():
                rows.append(["grad_rate_4yr", period, KY_GEO, dimension, label, float(record[rate]),
                             int(record[grads].replace(",", "")),
                             int(record[cohort].replace(",", "")), None])
        assert found == (13 if period == "2012-13" else 14), (filename, found)
    order = [(dim, group) for dim, group, _labels in KY_GROUP_LABELS]
    return sorted(rows, key=lambda r: (r[1], r[2] == "Kentucky", order.index((r[3], r[4]))))


def illustrative_rows(rng: random.Random) -> dict[str, list[list]]:
    """Seeded trends with noise; percents come with numerators and denominators that add up across groups."""
    out: dict[str, list[list]] = {}
    for code, (partner, name, unit, levels, series, _target, _definition) in ILLUSTRATIVE_METRICS.items():
        label = name if partner in BY_NAME else code
        rows = out.setdefault(partner, [])
        for t, year in enumerate(YEARS):
            level = series[0] + series[1] * t + rng.gauss(0, series[2])
            if unit != "percent":
                value = max(0, round(level, -3) if unit == "dollars" else round(level))
                rows.append([label, year, "Community", "All", "All", int(value), None, None, None])
                continue
            rate = min(98.0, level)
            total = round(series[3] + series[4] * t + rng.gauss(0, series[4] / 3))
            if levels[4] != "better off" or partner == "BACKBONE":
                num = min(total, round(total * rate / 100))
                rows.append([label, year, "Community", "All", "All", round(100 * num / total, 1), num, total, None])
                continue
            groups = []
            for group, share, gap in SPLIT:
                den = round(total * share) if (code, group, year) not in SUPPRESSED else rng.randint(5, 9)
                num = max(0, min(den, round(den * (rate + gap + rng.gauss(0, 2)) / 100)))
                groups.append((group, num, den))
            num, den = sum(g[1] for g in groups), sum(g[2] for g in groups)
            rows.append([label, year, "Community", "All", "All", round(100 * num / den, 1), num, den, None])
            for group, g_num, g_den in groups:
                if (code, group, year) in SUPPRESSED:
                    rows.append([label, year, "Community", "Race/ethnicity", group, "*", None, None, "fewer than 10"])
                else:
                    rows.append([label, year, "Community", "Race/ethnicity", group,
                                 round(100 * g_num / g_den, 1), g_num, g_den, None])
    return out


def period_end(period) -> dt.date:
    text = str(period)
    return dt.date(int(text[:4]) + 1, 6, 30) if "-" in text else dt.date(int(text), 12, 31)


def catalog_sheets(data: dict[str, list[list]], ky: list[list]) -> dict[str, tuple[list[str], list[list]]]:
    metadata = read_csv(BVS / "metadata_full.csv")
    urls = {r["dataset"]: r["source"] for r in metadata if r["source"].startswith("http")}
    metrics = []
    for code, (_p, source, name, unit, direction, area, aliases, definition, notes) in BALTIMORE.items():
        cite = ("BNIA-JFI (Baltimore Neighborhood Indicators Alliance - Jacob France Institute), Vital Signs, "
                + urls[source])
        metrics.append([code, name, definition, unit, direction, "community outcome", None, EVAL, "III", "long-term",
                        "better off", area, aliases, cite, None, notes])
    metrics.append(["grad_rate_4yr", "4-year graduation rate", ("Percent of the 4-year adjusted cohort (first-time "
                    "9th graders four years earlier, adjusted for transfers) who graduated within four years."),
                    "percent", "higher is better", "community outcome", None, EVAL, "III", "long-term", "better off",
                    "High school success", "4-Year Graduation Rate; GRADRATE4YR; COHORT_RATE", KY_SOURCE, None,
                    ("2012-13 came in a different file layout, with groups spelled out and *** for suppressed cells; "
                    "2013-14 to 2016-17 are missing from this demo, not from KDE.")])
    for code, spec in ILLUSTRATIVE_METRICS.items():
        partner, name, unit, (act, comp, phase, horizon, rba), _series, _target, definition = spec
        level = "backbone" if partner == "BACKBONE" else "partner performance"
        # One stricter health measure; backbone measures count partners and events, not people, so 0 (never suppressed).
        threshold = 20 if code == "home_visits_healthy_weight" else 0 if level == "backbone" else None
        metrics.append([code, name, definition, unit, "higher is better", level, int(act) if act else None, comp,
                        phase, horizon, rba, AREAS[partner], None, ("Illustrative (generated by "
                        "data/demo/build_workbooks.py)"), threshold, ILLUSTRATIVE])
    targets = []
    base = {(r[3], r[4]): r[5] for r in ky if r[1] == "2012-13" and r[2] == KY_GEO}
    for dimension, group in [("All", "All"), ("Race/ethnicity", "African American"), ("Race/ethnicity", "Hispanic")]:
        # Target years are calendar years; a school year counts as the year it ends (2012-13 -> 2013).
        targets.append(["grad_rate_4yr", "Community", dimension, group, 2013, "baseline", base[(dimension, group)]])
        targets.append(["grad_rate_4yr", "Community", dimension, group, 2025, "target", 90])
    first = {r[0]: r[5] for rows in data.values() for r in rows if r[1] == 2016 and r[3] == "All"}
    for code, (partner, name, _unit, _levels, _series, target, _definition) in ILLUSTRATIVE_METRICS.items():
        baseline = first[name if partner in BY_NAME else code]
        targets.append([code, "Community", "All", "All", 2016, "baseline", baseline])
        targets.append([code, "Community", "All", "All", 2025, "target", target])
    names = {spec[1]: code for code, spec in ILLUSTRATIVE_METRICS.items()}
    order = {p[0]: i for i, p in enumerate(PARTNERS)}
    sent = {(p, names.get(r[0], r[0]), r[1]) for p, rows in data.items() for r in rows}
    expected = []
    for partner, metric, period in sorted(sent | set(MISSING), key=lambda k: (order[k[0]], k[1], str(k[2]))):
        due = LATE_DUE.get((partner, period), period_end(period) + dt.timedelta(days=120))
        # When the backbone got the data before Backbone existed: on time, except the late ones.
        if (partner, metric, period) in MISSING:
            received = None
        elif (partner, period) in LATE_DUE:
            received = due + dt.timedelta(days=45)
        else:
            received = period_end(period) + dt.timedelta(days=90)
        expected.append([partner, metric, period, due, received])
    # The community's own places: Baltimore's 55 neighbourhoods (CSAs) and the Kentucky school district, and the
    # state as a comparison place: a state-wide agency file's other districts are skipped, its state total shown beside.
    csas = sorted({r[2] for rows in data.values() for r in rows if r[2] not in ("Community", KY_GEO, "Kentucky")})
    places = [[csa, "neighbourhood", "community", None] for csa in csas]
    places.append([KY_GEO, "district", "community", "Jefferson County; Jefferson County Public Schools; JCPS"])
    places.append(["Kentucky", "state", "comparison", "KY"])
    frequency = {"grad_rate_4yr": "school year"}
    return {
        "Metrics": (["code", "name", "definition", "unit", "direction", "level", "activity", "component", "phase",
                     "horizon", "rba", "outcome_area", "aliases", "source", "suppression_threshold", "notes", "frequency"],
                    [[*m, frequency.get(m[0])] for m in metrics]),
        "Partners": (["code", "name", "sector", "contact"], [list(p) for p in PARTNERS]),
        "Places": (["place", "level", "role", "aliases"], places),
        "Roles": (["partner", "role", "since", "note"], [list(r) for r in ROLES]),
        "Targets": (["metric", "geography", "dimension", "group", "year", "kind", "value"], targets),
        "Milestones": (["phase", "component", "milestone", "status", "date", "note"], [list(m) for m in MILESTONES]),
        "Expected": (["partner", "metric", "period", "due", "received"], expected),
        # Baltimore's 2010 Community Statistical Areas, copied with their provenance into boundaries/.
        "Boundaries": (["file", "names", "source"], [[CSA_BOUNDARIES, "Community", CSA_SOURCE]]),
    }


def save(sheets: dict[str, tuple[list[str], list[list]]], path: Path) -> None:
    """Write the sheets, then re-zip with fixed timestamps so repeated builds are byte-identical."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, (header, rows) in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for index, name in enumerate(header):
            width = max(len(str(v)) for v in [name] + [r[index] for r in rows[:200]] if v is not None)
            ws.column_dimensions[ws.cell(1, index + 1).column_letter].width = min(60, max(8, width + 2))
    wb.properties.creator = "data/demo/build_workbooks.py"
    wb.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6])
            out.writestr(entry, content, zipfile.ZIP_DEFLATED)


def main() -> None:
    data: dict[str, list[list]] = {}
    for metric, (partner, source, *_rest) in BALTIMORE.items():
        data.setdefault(partner, []).extend(baltimore_rows(metric, source))
    ky = kentucky_rows()
    data["COUNTY_SCHOOLS_KY"] = ky
    data.update(illustrative_rows(random.Random(20261122)))
    save(catalog_sheets(data, ky), HERE / "catalog.xlsx")
    print(f"catalog.xlsx written to {HERE}")
    for partner, rows in data.items():
        save({"Data": (DATA_HEADER, rows)}, HERE / f"{partner.lower()}.xlsx")
        print(f"{partner.lower()}.xlsx: {len(rows)} rows")


if __name__ == "__main__":
    main()
