"""The catalog's accepted vocabularies: codes, labels and the words partners use for them."""

from __future__ import annotations

import re

# code -> label. Labels are what people read; codes are what the store holds.
UNITS = {
    "count": "count",
    "percent": "percent",
    "rate_per_1000": "rate per 1,000",
    "rate_per_100000": "rate per 100,000",
    "dollars": "dollars",
    "number": "number",
    "index": "index",
}
# How a rate is scaled from numerator / denominator. Units absent here are not ratios.
UNIT_SCALE = {"percent": 100.0, "rate_per_1000": 1000.0, "rate_per_100000": 100000.0}
# Units whose values add up across partners and places.
ADDITIVE_UNITS = {"count", "dollars"}

DIRECTIONS = {"up": "higher is better", "down": "lower is better"}
LEVELS = {
    "community_outcome": "community outcome",
    "partner_performance": "partner performance",
    "backbone": "backbone",
}
ACTIVITIES = {
    "1": "Guide vision and strategy",
    "2": "Support aligned activities",
    "3": "Establish shared measurement practices",
    "4": "Build public will",
    "5": "Advance policy",
    "6": "Mobilize funding",
}
COMPONENTS = {
    "governance": "Governance and infrastructure",
    "planning": "Strategic planning",
    "community": "Community involvement",
    "evaluation": "Evaluation and improvement",
}
PHASES = {"I": "Initiate action", "II": "Organize for impact", "III": "Sustain action and impact"}
HORIZONS = {"short_term": "short-term", "intermediate": "intermediate", "long_term": "long-term"}
RBA_QUESTIONS = {"how_much": "how much", "how_well": "how well", "better_off": "better off"}
BACKBONE_ROLES = {
    "servant_leader": "servant leader / director",
    "data_analytics": "data analytics",
    "facilitation": "facilitation of practitioners",
    "community_mobilisation": "community mobilisation",
    "convening_investors": "convening investors",
    "anchor_entity": "anchor entity / fiscal agent",
}
MILESTONE_STATUSES = {"not_started": "not started", "in_progress": "in progress", "done": "done"}
TARGET_KINDS = {"baseline": "baseline", "target": "target"}
# Where an action of a turn-the-curve plan stands.
ACTION_STATUSES = {"planned": "planned", "under_way": "under way", "done": "done", "dropped": "dropped"}
# How often a metric is reported: a date in a file becomes the period of this frequency that contains it.
FREQUENCIES = {"annual": "annual", "school_year": "school year", "fiscal_year": "fiscal year", "quarter": "quarter",
               "month": "month", "as_written": "as written"}
# A catalog place is one of the community's own, or a place the community compares itself with.
PLACE_ROLES = {"community": "community", "comparison": "comparison"}

# Extra spellings people write, beyond the code and the label.
_SYNONYMS: dict[int, dict[str, str]] = {
    id(UNITS): {"%": "percent", "per 1000": "rate_per_1000", "per 100000": "rate_per_100000", "$": "dollars"},
    id(DIRECTIONS): {"higher": "up", "lower": "down", "higher is better": "up", "lower is better": "down"},
    id(COMPONENTS): {
        "governance and infrastructure": "governance",
        "strategic planning": "planning",
        "community involvement": "community",
        "evaluation and improvement": "evaluation",
    },
    id(BACKBONE_ROLES): {
        "servant leader": "servant_leader",
        "director": "servant_leader",
        "facilitation": "facilitation",
        "community mobilization": "community_mobilisation",
        "anchor entity": "anchor_entity",
        "fiscal agent": "anchor_entity",
    },
    id(ACTION_STATUSES): {"in progress": "under_way", "underway": "under_way", "started": "under_way",
                          "complete": "done", "completed": "done", "cancelled": "dropped", "canceled": "dropped",
                          "not started": "planned"},
    id(PHASES): {"1": "I", "2": "II", "3": "III", "phase i": "I", "phase ii": "II", "phase iii": "III"},
    id(FREQUENCIES): {"calendar year": "annual", "yearly": "annual", "year": "annual", "academic year": "school_year",
                      "financial year": "fiscal_year", "fy": "fiscal_year", "quarterly": "quarter", "monthly": "month",
                      "as in the file": "as_written"},
    id(PLACE_ROLES): {"own": "community", "ours": "community", "member": "community", "part of the community": "community",
                      "benchmark": "comparison", "peer": "comparison", "compare": "comparison"},
}
MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december"]


def month_number(raw: object) -> int | None:
    """1-12 from '7', 7, 'July' or 'Jul', else None."""
    text = str(raw).strip().lower() if raw is not None else ""
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    matches = [i for i, name in enumerate(MONTH_NAMES, start=1) if len(text) >= 3 and name.startswith(text)]
    return matches[0] if len(matches) == 1 else None


def _fold(text: str) -> str:
    """Lower-case, with runs of spaces, dashes and underscores made one space, for forgiving matches."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower()).replace(" ,", ",")


def lookup(vocabulary: dict[str, str], raw: object) -> str | None:
    """The code that `raw` names in `vocabulary` (by code, label or synonym, case-insensitive), or None."""
    if raw is None:
        return None
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    folded = _fold(text)
    for code, label in vocabulary.items():
        if folded in (_fold(code), _fold(label)):
            return code
    synonym = _SYNONYMS.get(id(vocabulary), {}).get(folded)
    if synonym:
        return synonym
    if vocabulary is ACTIVITIES:
        # "Activity 3" or "3. Establish shared measurement" are both common in planning documents.
        match = re.match(r"^(?:activity\s*)?([1-6])\b", folded)
        return match.group(1) if match else None
    return None


def accepted(vocabulary: dict[str, str]) -> str:
    """The accepted values, for an error message."""
    return ", ".join(f"'{label}'" for label in vocabulary.values())
