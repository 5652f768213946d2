"""Build the demo initiative's illustrative turn-the-curve plans: one plans workbook per meeting of the tables.

Run from the project root:

    python data/demo/build_plans.py

It writes data/demo/plans/plans-<date>.xlsx: the two illustrative plans (infant mortality; kindergarten readiness) as
the tables left them after each convening and check-in, 2023 to 2025. The demo loads them in date order through
`plans import`'s path, each as of its date, so the plans have a history to show "as it stood" and to compute the
backbone's own measures from. Everything here is invented for the demo (the plans are marked illustrative); the
evidence links point to public pages about each practice. Deterministic: byte-identical on every run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from build_workbooks import save

HERE = Path(__file__).resolve().parent
OUT = HERE / "plans"
D = dt.date.fromisoformat
MEETINGS = [D("2023-05-10"), D("2023-12-12"), D("2024-05-14"), D("2024-12-10"), D("2025-05-13")]
IMR, KR = "Infant mortality rate", "Kindergarten readiness"

# Each plan's story behind the curve and what works, from the meeting they were (re)written at.
STORIES = {
    IMR: {
        D("2023-05-10"): (
            "The typical neighbourhood's infant mortality has edged down since 2010, but slowly, and the spread between "
            "neighbourhoods is wide. The table's reading: late or no prenatal care, unsafe sleep, and preterm births "
            "tied to mothers' stress and chronic illness. The neighbourhoods with the highest rates have the fewest "
            "home-visiting places."),
        D("2024-05-14"): (
            "The typical neighbourhood's infant mortality has edged down since 2010, but slowly, and the spread between "
            "neighbourhoods is wide. First-trimester enrolment in home visiting rose after the clinics began referring, "
            "yet more than a third of families still join late. Unsafe sleep remains the cause the table can act on "
            "fastest; preterm birth the hardest."),
    },
    KR: {
        D("2023-05-10"): (
            "Readiness differs threefold between neighbourhoods, and only 2016 and 2017 are published by neighbourhood. "
            "The table's reading: too few full-day pre-K seats where readiness is lowest, uneven classroom quality, "
            "and families who miss kindergarten registration. Chronic absence starts in pre-K."),
    },
}
WHAT_WORKS = {
    IMR: {
        D("2023-05-10"): (
            "Nurse home visiting from pregnancy (https://www.nursefamilypartnership.org). Safe-sleep education with a "
            "free crib, low cost (https://safetosleep.nichd.nih.gov). Group prenatal care "
            "(https://centeringhealthcare.org). Community doulas for young mothers, low cost."),
    },
    KR: {
        D("2023-05-10"): (
            "Full-day pre-K in classrooms rated high quality. Coaching for pre-K teachers. Summer transition camps, low "
            "cost. Text-message attendance nudges to parents, no cost (https://www.attendanceworks.org)."),
    },
}
# (plan, partner, what it brings, named from)
ROLES = [
    (IMR, "City Health Department", "Vital records, the infant-death reviews and the safe-sleep campaign", D("2023-05-10")),
    (IMR, "Family Home Visiting Network", "Nurses and parent educators in the highest-rate neighbourhoods", D("2023-05-10")),
    (IMR, "Community Foundation", "Grants for doulas and cribs", D("2024-05-14")),
    (IMR, "Backbone Team", "Facilitates the healthy-births action network; neighbourhood data", D("2024-05-14")),
    (KR, "Early Learning Coalition", "Pre-K quality ratings and teacher coaching", D("2023-05-10")),
    (KR, "City Public Schools", "Kindergarten readiness results and registration", D("2023-05-10")),
    (KR, "Read by Third Tutoring", "Family literacy volunteers", D("2024-05-14")),
]
# Each action: its plan, owner and dates, the measures that show it working, its status from each meeting on (the first
# is when it was added), who proposed it until the meeting that accepted it, and notes from a meeting on.
ACTIONS = [
    {"id": "imr-1", "plan": IMR, "owner": "Family Home Visiting Network", "start": D("2023-06-01"), "due": D("2024-03-31"),
     "title": "Enrol pregnant women in home visiting in the first trimester, through referrals from prenatal clinics",
     "measures": ["Enrolled in the first trimester"],
     "status": {D("2023-05-10"): "planned", D("2023-12-12"): "under way", D("2024-05-14"): "done"},
     "note": {D("2024-05-14"): "Four clinics refer at the first visit."}},
    {"id": "imr-2", "plan": IMR, "owner": "Family Home Visiting Network", "start": D("2023-07-01"), "due": D("2024-06-30"),
     "title": "Safe-sleep talk and a free crib at every home visit",
     "measures": ["Families visited"],
     "status": {D("2023-05-10"): "planned", D("2023-12-12"): "under way", D("2024-05-14"): "done"}},
    {"id": "imr-3", "plan": IMR, "owner": "City Health Department", "start": D("2023-09-01"), "due": D("2023-12-31"),
     "title": "Safe-sleep campaign in the five neighbourhoods with the highest rates",
     "measures": [],
     "status": {D("2023-05-10"): "planned", D("2023-12-12"): "done"}},
    {"id": "imr-4", "plan": IMR, "owner": "Community Foundation", "start": D("2024-01-01"), "due": D("2024-12-31"),
     "title": "Fund community doulas for teen mothers",
     "measures": ["Babies born at a healthy weight"],
     "status": {D("2023-12-12"): "planned", D("2024-05-14"): "under way", D("2024-12-10"): "done"},
     "proposed": (D("2023-12-12"), "Community Foundation")},
    {"id": "imr-5", "plan": IMR, "owner": "City Health Department", "start": D("2024-09-01"), "due": D("2025-06-30"),
     "title": "Group prenatal care at two clinics",
     "measures": ["Babies born at a healthy weight"],
     "status": {D("2024-05-14"): "planned", D("2024-12-10"): "under way", D("2025-05-13"): "done"}},
    {"id": "imr-6", "plan": IMR, "owner": "City Health Department", "start": D("2025-07-01"), "due": D("2025-12-31"),
     "title": "Share the infant-death reviews with home visitors every quarter",
     "measures": ["Families visited"],
     "status": {D("2025-05-13"): "under way"}},
    {"id": "kr-1", "plan": KR, "owner": "Early Learning Coalition", "start": D("2023-08-01"), "due": D("2024-08-31"),
     "title": "Open 200 full-day pre-K seats in the three lowest-readiness neighbourhoods",
     "measures": ["Pre-K seats"],
     "status": {D("2023-05-10"): "planned", D("2023-12-12"): "under way", D("2024-12-10"): "done"},
     "note": {D("2024-12-10"): "180 seats opened; 20 wait for a licensed room."}},
    {"id": "kr-2", "plan": KR, "owner": "Early Learning Coalition", "start": D("2023-09-01"), "due": D("2024-06-30"),
     "title": "Coach every pre-K classroom below the top two quality tiers",
     "measures": ["Pre-K classrooms rated high quality"],
     "status": {D("2023-05-10"): "planned", D("2023-12-12"): "under way", D("2024-05-14"): "done"}},
    {"id": "kr-3", "plan": KR, "owner": "City Public Schools", "start": D("2023-10-01"), "due": D("2023-12-31"),
     "title": "Share readiness results by school with pre-K providers",
     "measures": ["Pre-K graduates ready for kindergarten"],
     "status": {D("2023-05-10"): "planned", D("2023-12-12"): "done"}},
    {"id": "kr-4", "plan": KR, "owner": "City Public Schools", "start": D("2024-06-15"), "due": D("2024-08-31"),
     "title": "Summer kindergarten transition camps",
     "measures": ["Pre-K graduates ready for kindergarten"],
     "status": {D("2024-05-14"): "planned", D("2024-12-10"): "done"}},
    {"id": "kr-5", "plan": KR, "owner": "Read by Third Tutoring", "start": D("2024-09-01"), "due": D("2025-03-31"),
     "title": "Family literacy nights at pre-K sites",
     "measures": [],
     "status": {D("2023-12-12"): "planned", D("2025-05-13"): "dropped"},
     "proposed": (D("2023-12-12"), "Read by Third Tutoring"),
     "note": {D("2025-05-13"): "Dropped: the volunteer grant ended."}},
    {"id": "kr-6", "plan": KR, "owner": "City Public Schools", "start": D("2025-08-15"), "due": D("2027-03-31"),
     "title": "Attendance text nudges for families of pre-K and kindergarten children",
     "measures": [],
     "status": {D("2025-05-13"): "planned"}},
]
PLANS_HEADER = ["outcome", "dimension", "group", "story", "what works", "illustrative"]
PARTNERS_HEADER = ["outcome", "dimension", "group", "partner", "brings"]
ACTIONS_HEADER = ["id", "outcome", "dimension", "group", "action", "owner", "start", "due", "status", "note", "measures",
                  "proposed by"]


def as_of(timeline: dict[dt.date, str], meeting: dt.date) -> str | None:
    """The value a timeline held at a meeting (the latest entry on or before it), or None before its first."""
    past = [day for day in timeline if day <= meeting]
    return timeline[max(past)] if past else None


def sheets_at(meeting: dt.date) -> dict[str, tuple[list[str], list[list]]]:
    """Both plans as they stood after `meeting`."""
    plans = [[plan, None, None, as_of(STORIES[plan], meeting), as_of(WHAT_WORKS[plan], meeting), "yes"] for plan in (IMR, KR)]
    roles = [[plan, None, None, partner, brings] for plan, partner, brings, since in ROLES if since <= meeting]
    actions = []
    for action in ACTIONS:
        status = as_of(action["status"], meeting)
        if status is None:
            continue
        proposed = action.get("proposed")
        proposer = proposed[1] if proposed and meeting <= proposed[0] else None
        actions.append([action["id"], action["plan"], None, None, action["title"], action["owner"], action["start"],
                        action["due"], status, as_of(action.get("note", {}), meeting), "; ".join(action["measures"]),
                        proposer])
    return {"Plans": (PLANS_HEADER, plans), "Partners": (PARTNERS_HEADER, roles), "Actions": (ACTIONS_HEADER, actions)}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for meeting in MEETINGS:
        path = OUT / f"plans-{meeting:%Y-%m-%d}.xlsx"
        save(sheets_at(meeting), path)
        print(f"{path.name}: {len(sheets_at(meeting)['Actions'][1])} actions")


if __name__ == "__main__":
    main()
