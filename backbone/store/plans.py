"""Turn-the-curve plans (Results-Based Accountability's five questions) per community outcome, or per outcome and group.

Nothing is updated in place: every save inserts a new version of each thing it changed (the plan's words, a partner's
role, an action) under one change number, with who and when, so every change is kept and a plan can be shown as it
stood on any date (queries/350-352). Who may write, checked here on every save through `auth`: directors every plan;
a partner the actions it owns and its own proposals (anything a partner adds is a proposal until a director accepts
it); viewers nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

import duckdb
import pandas as pd

from backbone.errors import BackboneError
from backbone.store import database
from backbone.store.auth import PermissionDenied, User, can, require
from backbone.vocab import ACTION_STATUSES

EVERYONE = "All"
NOW = "infinity"  # the moment that reads every plan as it is now
# Longest text kept per field: a plan is read aloud at a convening, not a report.
LIMITS = {"story": 6000, "what_works": 6000, "brings": 500, "title": 200, "note": 2000}


@dataclass(frozen=True)
class PlanKey:
    """Which plan: a community outcome for everyone, or for one group of one breakdown (an equity plan)."""

    metric_code: str
    dimension: str = EVERYONE
    group_value: str = EVERYONE

    def __post_init__(self) -> None:
        if (self.dimension == EVERYONE) != (self.group_value == EVERYONE):
            raise BackboneError("A plan for a group names both its breakdown (such as Race/ethnicity) and the group; "
                                "a plan for everyone names neither.")

    @property
    def for_everyone(self) -> bool:
        return self.group_value == EVERYONE

    def label(self) -> str:
        """'everyone' or 'Race/ethnicity: African American'."""
        return "everyone" if self.for_everyone else f"{self.dimension}: {self.group_value}"


@dataclass(frozen=True)
class Role:
    """A partner with a role to play in a plan, and what it brings."""

    partner_code: str
    brings: str | None = None


@dataclass(frozen=True)
class Action:
    """One action of a plan. action_id None is a new action; change_seq is the version it was read at."""

    title: str
    owner_code: str
    start_date: date | None = None
    due_date: date | None = None
    status: str = "planned"
    note: str | None = None
    measure_codes: tuple[str, ...] = ()
    proposed: bool = False
    proposed_by: str | None = None
    action_id: str | None = None
    change_seq: int | None = field(default=None, compare=False)
    changed_by: str | None = field(default=None, compare=False)
    changed_at: datetime | None = field(default=None, compare=False)
    added_by: str | None = field(default=None, compare=False)
    added_at: datetime | None = field(default=None, compare=False)
    done_at: datetime | None = field(default=None, compare=False)


@dataclass
class PlanDraft:
    """A whole plan: its words, its partners with a role, its actions (a workbook's replaces the stored plan whole)."""

    key: PlanKey
    story: str | None
    what_works: str | None
    illustrative: bool
    roles: list[Role]
    actions: list[Action]


@dataclass
class Plan(PlanDraft):
    """A plan as it stood at one moment, with who started it, who changed it last and when."""

    plan_id: str
    changed_by: str
    changed_at: datetime
    started_by: str
    started_at: datetime
    last_change_seq: int


# --- reading --------------------------------------------------------------------------------------------------------

def moment(as_of: date | datetime | None) -> datetime | str:
    """The moment a read is as of: the end of a given day (a convening's date covers that day), or now."""
    if as_of is None:
        return NOW
    if isinstance(as_of, datetime):
        return as_of
    return datetime.combine(as_of, time.max)


def get_plan(key: PlanKey, as_of: date | datetime | None = None, db: str | None = None) -> Plan | None:
    """The plan for `key` as it is now, or as it stood at the end of the day `as_of`; None when there was none."""
    return _read_plan(database.cursor(db), key, moment(as_of))


def _read_plan(cur: duckdb.DuckDBPyConnection, key: PlanKey, at: datetime | str) -> Plan | None:
    found = cur.execute(
        """SELECT plan_id, story, what_works, illustrative, changed_by, changed_at, started_by, started_at
           FROM plans_as_of($at::TIMESTAMP) WHERE metric_code = $metric AND dimension = $dimension AND group_value = $group""",
        {"at": at, "metric": key.metric_code, "dimension": key.dimension, "group": key.group_value}).fetchall()
    if not found:
        return None
    plan_id, story, what_works, illustrative, changed_by, changed_at, started_by, started_at = found[0]
    params = {"at": at, "plan": plan_id}
    roles = [Role(*row) for row in cur.execute(
        "SELECT partner_code, brings FROM plan_partners_as_of($at::TIMESTAMP) WHERE plan_id = $plan ORDER BY partner_code",
        params).fetchall()]
    actions = [_action(row) for row in cur.execute(
        f"SELECT {', '.join(_ACTION_COLUMNS)} FROM plan_actions_as_of($at::TIMESTAMP) WHERE plan_id = $plan"
        " ORDER BY proposed, due_date NULLS LAST, added_at, title", params).fetchall()]
    last = cur.execute(
        """SELECT max(change_seq) FROM (SELECT change_seq FROM plans WHERE plan_id = $plan UNION ALL
           SELECT change_seq FROM plan_partners WHERE plan_id = $plan UNION ALL
           SELECT change_seq FROM plan_actions WHERE plan_id = $plan) WHERE change_seq IS NOT NULL""",
        {"plan": plan_id}).fetchall()[0][0]
    return Plan(key, story, what_works, bool(illustrative), roles, actions, plan_id, changed_by, changed_at, started_by,
                started_at, int(last or 0))


_ACTION_COLUMNS = ["title", "owner_code", "start_date", "due_date", "status", "note", "measure_codes", "proposed",
                   "proposed_by", "action_id", "change_seq", "changed_by", "changed_at", "added_by", "added_at", "done_at"]


def _action(row: tuple) -> Action:
    values = dict(zip(_ACTION_COLUMNS, row, strict=True))
    values["measure_codes"] = tuple(values["measure_codes"] or ())
    values["proposed"] = bool(values["proposed"])
    return Action(**values)


def list_plans(as_of: date | datetime | None = None, db: str | None = None) -> pd.DataFrame:
    """Every plan (now, or as it stood on a day): outcome, group, partners and actions by status, last change."""
    return database.query(
        """WITH roles AS (SELECT plan_id, count(*) AS partners FROM plan_partners_as_of($at::TIMESTAMP) GROUP BY ALL),
           actions AS (
               SELECT plan_id, count(*) FILTER (WHERE NOT proposed) AS actions,
                      count(*) FILTER (WHERE NOT proposed AND status = 'done') AS actions_done,
                      count(*) FILTER (WHERE proposed) AS proposals
               FROM plan_actions_as_of($at::TIMESTAMP) GROUP BY ALL
           )
           SELECT p.plan_id, p.metric_code, m.name AS metric_name, p.dimension, p.group_value, p.illustrative,
                  coalesce(r.partners, 0) AS partners, coalesce(a.actions, 0) AS actions,
                  coalesce(a.actions_done, 0) AS actions_done, coalesce(a.proposals, 0) AS proposals,
                  p.changed_by, p.changed_at
           FROM plans_as_of($at::TIMESTAMP) AS p
           LEFT JOIN metrics AS m USING (metric_code)
           LEFT JOIN roles AS r USING (plan_id)
           LEFT JOIN actions AS a USING (plan_id)
           ORDER BY m.name, p.dimension <> 'All', p.dimension, p.group_value""",
        {"at": moment(as_of)}, db)


def plan_keys(metric_code: str, db: str | None = None) -> list[PlanKey]:
    """The plans of one outcome as they are now: the plan for everyone first, then each group's."""
    plans = list_plans(db=db)
    mine = plans[plans.metric_code == metric_code]
    return [PlanKey(r.metric_code, r.dimension, r.group_value) for r in mine.itertuples()]


def partner_names(db: str | None = None) -> dict[str, str]:
    """Partner code -> name, for every partner in the catalog."""
    return dict(database.cursor(db).execute("SELECT partner_code, name FROM partners ORDER BY name").fetchall())


def performance_measures(db: str | None = None) -> dict[str, str]:
    """Partner performance measure code -> name: the measures an action can be tied to."""
    return dict(database.cursor(db).execute(
        "SELECT metric_code, name FROM metrics WHERE level = 'partner_performance' ORDER BY name").fetchall())


def community_outcomes(db: str | None = None) -> dict[str, str]:
    """Community outcome code -> name: what a plan can be for."""
    return dict(database.cursor(db).execute(
        "SELECT metric_code, name FROM metrics WHERE level = 'community_outcome' ORDER BY name").fetchall())


# --- checking -------------------------------------------------------------------------------------------------------

def check_action(action: Action, partners: Iterable[str], measures: Iterable[str]) -> list[tuple[str, str]]:
    """What is wrong with an action, as (field, how to fix it): empty when it can be saved."""
    problems = []
    if not (action.title or "").strip():
        problems.append(("action", "say what the action is"))
    elif len(action.title) > LIMITS["title"]:
        problems.append(("action", f"keep the action under {LIMITS['title']} characters; put the detail in the note"))
    if action.owner_code not in set(partners):
        problems.append(("owner", f"'{action.owner_code or ''}' is not a partner; choose the partner who owns the action"))
    if action.status not in ACTION_STATUSES:
        problems.append(("status", f"'{action.status}' is not a status; use one of "
                                   + ", ".join(f"'{s}'" for s in ACTION_STATUSES.values())))
    if action.start_date and action.due_date and action.due_date < action.start_date:
        problems.append(("due", f"the due date {action.due_date:%Y-%m-%d} is before the start {action.start_date:%Y-%m-%d}"))
    unknown = [code for code in action.measure_codes if code not in set(measures)]
    if unknown:
        problems.append(("measures", f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not partner performance "
                                     "measures in the catalog"))
    if len(action.note or "") > LIMITS["note"]:
        problems.append(("note", f"keep the note under {LIMITS['note']} characters"))
    return problems


def _check_words(story: str | None, what_works: str | None, roles: list[Role], partners: Iterable[str]) -> None:
    for name, text in (("story", story), ("what_works", what_works)):
        if len(text or "") > LIMITS[name]:
            raise BackboneError(f"Keep the {name.replace('_', ' ')} under {LIMITS[name]} characters.")
    seen = set()
    for role in roles:
        if role.partner_code not in set(partners):
            raise BackboneError(f"'{role.partner_code}' is not a partner in the catalog.")
        if role.partner_code in seen:
            raise BackboneError(f"{role.partner_code} is named twice among the partners; name each partner once.")
        if len(role.brings or "") > LIMITS["brings"]:
            raise BackboneError(f"Keep what {role.partner_code} brings under {LIMITS['brings']} characters.")
        seen.add(role.partner_code)


def _check_outcome(cur: duckdb.DuckDBPyConnection, key: PlanKey) -> None:
    level = cur.execute("SELECT level FROM metrics WHERE metric_code = ?", [key.metric_code]).fetchall()
    if not level:
        raise BackboneError(f"'{key.metric_code}' is not a metric in the catalog.")
    if level[0][0] != "community_outcome":
        raise BackboneError("A turn-the-curve plan is for a community outcome; this metric is not one.")


# --- writing --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Stamp:
    """Who and when of one save, and its change number."""

    seq: int
    by: str
    at: datetime


def _begin_change(cur: duckdb.DuckDBPyConnection, user: User | None, changed_by: str | None, now: datetime | None) -> _Stamp:
    # A counter row, not max + 1: two processes saving at once both update it, so on a lake one of them runs again.
    cur.execute("UPDATE counters SET value = value + 1 WHERE name = 'plan_seq'")
    seq = cur.execute("SELECT value FROM counters WHERE name = 'plan_seq'").fetchone()[0]
    return _Stamp(seq, changed_by or (user.email if user is not None else "cli"), now or datetime.now())


def _insert_plan(cur, plan_id: str, key: PlanKey, story, what_works, illustrative: bool, stamp: _Stamp,
                 removed: bool = False) -> None:
    cur.execute("INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [plan_id, key.metric_code, key.dimension, key.group_value, story or None, what_works or None,
                 illustrative, removed, stamp.seq, stamp.by, stamp.at])


def _insert_role(cur, plan_id: str, role: Role, stamp: _Stamp, removed: bool = False) -> None:
    cur.execute("INSERT INTO plan_partners VALUES (?, ?, ?, ?, ?, ?, ?)",
                [plan_id, role.partner_code, role.brings or None, removed, stamp.seq, stamp.by, stamp.at])


def _insert_action(cur, plan_id: str, action: Action, stamp: _Stamp, removed: bool = False) -> None:
    cur.execute("INSERT INTO plan_actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [action.action_id, plan_id, action.title.strip(), action.owner_code, action.start_date, action.due_date,
                 action.status, action.note or None, list(action.measure_codes), action.proposed, action.proposed_by,
                 removed, stamp.seq, stamp.by, stamp.at])


def _write_words(cur, current: Plan | None, plan_id: str, key: PlanKey, story, what_works, illustrative: bool,
                 stamp: _Stamp) -> int:
    story, what_works = (story or "").strip() or None, (what_works or "").strip() or None
    if current is not None and (current.story, current.what_works, current.illustrative) == (story, what_works, illustrative):
        return 0
    _insert_plan(cur, plan_id, key, story, what_works, illustrative, stamp)
    return 1


def _write_roles(cur, current: list[Role], wanted: list[Role], plan_id: str, stamp: _Stamp) -> int:
    before = {role.partner_code: role for role in current}
    after = {role.partner_code: replace(role, brings=(role.brings or "").strip() or None) for role in wanted}
    changes = 0
    for code in before.keys() - after.keys():
        _insert_role(cur, plan_id, before[code], stamp, removed=True)
        changes += 1
    for code, role in after.items():
        if before.get(code) != role:
            _insert_role(cur, plan_id, role, stamp)
            changes += 1
    return changes


def _content(action: Action) -> Action:
    """An action with what a person edits only (text tidied; who proposed it kept only while it is a proposal), for
    telling whether a save changes it."""
    return replace(action, title=action.title.strip(), note=(action.note or "").strip() or None,
                   measure_codes=tuple(sorted(set(action.measure_codes))), change_seq=None,
                   proposed_by=action.proposed_by if action.proposed else None)


def save_plan(key: PlanKey, story: str | None, what_works: str | None, roles: list[Role], illustrative: bool = False,
              user: User | None = None, db: str | None = None, now: datetime | None = None,
              changed_by: str | None = None) -> Plan:
    """Start a plan or change its story, what works, partners with a role and whether it is illustrative (directors)."""
    require(user, "plan")
    cur = database.cursor(db)
    _check_outcome(cur, key)
    _check_words(story, what_works, roles, partner_names(db))

    def save(cur: duckdb.DuckDBPyConnection) -> None:
        stamp = _begin_change(cur, user, changed_by, now)
        current = _read_plan(cur, key, NOW)
        plan_id = current.plan_id if current else database.new_id()
        _write_words(cur, current, plan_id, key, story, what_works, illustrative, stamp)
        _write_roles(cur, current.roles if current else [], roles, plan_id, stamp)

    database.write(save, db)
    return get_plan(key, db=db)


def remove_plan(key: PlanKey, user: User | None = None, db: str | None = None, now: datetime | None = None) -> None:
    """Take a plan down (directors); its history stays, so it can still be shown as it stood before."""
    require(user, "plan")

    def remove(cur: duckdb.DuckDBPyConnection) -> None:
        current = _read_plan(cur, key, NOW)
        if current is None:
            raise BackboneError("There is no such plan to remove.")
        stamp = _begin_change(cur, user, None, now)
        _insert_plan(cur, current.plan_id, key, current.story, current.what_works, current.illustrative, stamp, removed=True)

    database.write(remove, db)


def may_update(user: User | None, action: Action) -> bool:
    """Whether `user` may change an action's status, dates and note: directors; its owner; its proposer while proposed."""
    if user is None or can(user, "plan"):
        return True
    if not can(user, "plan_actions"):
        return False
    return action.owner_code == user.partner_code or (action.proposed and action.proposed_by == user.partner_code)


def _may_write(user: User | None, old: Action | None, new: Action | None) -> None:
    """Raise PermissionDenied unless `user` may turn `old` into `new` (None: added / removed)."""
    if user is None or can(user, "plan"):
        return  # the command line, or a director
    require(user, "plan_actions")  # a viewer stops here
    mine = user.partner_code
    if old is None:
        if not (new.proposed and new.proposed_by == mine):
            raise PermissionDenied("Sorry, a partner's new action is a proposal until the backbone team accepts it.")
    elif old.proposed and old.proposed_by == mine:
        if new is not None and not new.proposed:
            raise PermissionDenied("Sorry, the backbone team accepts proposals; yours stays proposed until then.")
    elif old.owner_code == mine:
        if new is None:
            raise PermissionDenied(f"Sorry, '{old.title}' is in the plan: set its status to dropped rather than removing it.")
        if new.owner_code != mine or new.proposed != old.proposed or new.proposed_by != old.proposed_by:
            raise PermissionDenied("Sorry, only the backbone team hands an action to another partner.")
    else:
        require(user, "plan_actions", old.owner_code)


def save_actions(key: PlanKey, before: list[Action], after: list[Action], user: User | None = None,
                 db: str | None = None, now: datetime | None = None, changed_by: str | None = None) -> int:
    """Save an edited list of a plan's actions in one change: those in `before` but not `after` are removed, those
    without an id added, the rest changed where they differ. Returns how many actions changed.

    `before` is what the editor showed (a partner's editor shows its own actions and proposals only); a save is refused,
    with nothing written, when one of them changed since it was read, or when the user may not make a change.
    """
    require(user, "plan_actions")
    if user is not None and not can(user, "plan"):
        # A partner's new rows are its proposals, whatever the editor sent.
        after = [a if a.action_id else replace(a, proposed=True, proposed_by=user.partner_code) for a in after]
    partners, measures = partner_names(db), performance_measures(db)
    for number, action in enumerate(after, start=1):
        problems = check_action(action, partners, measures)
        if problems:
            raise BackboneError(f"Row {number} ({action.title or 'no name'}): "
                                + "; ".join(f"{where}: {what}" for where, what in problems) + ".")
    shown = {a.action_id: a for a in before if a.action_id}
    kept = {a.action_id for a in after if a.action_id}

    def save(cur: duckdb.DuckDBPyConnection) -> int:
        plan = _read_plan(cur, key, NOW)
        if plan is None:
            raise BackboneError("There is no plan for this outcome yet: the backbone team starts it first.")
        current = {a.action_id: a for a in plan.actions}
        for action_id, seen in shown.items():
            now_is = current.get(action_id)
            if now_is is None or (seen.change_seq is not None and now_is.change_seq != seen.change_seq):
                who = f"{now_is.changed_by} on {now_is.changed_at:%d %b %Y %H:%M}" if now_is else "someone else"
                raise BackboneError(f"'{seen.title}' was changed by {who} after you opened the plan; nothing was "
                                    "saved. Reload to see that change, then make yours again.")
        stamp, changes = _begin_change(cur, user, changed_by, now), 0
        for action_id in shown.keys() - kept:
            _may_write(user, current[action_id], None)
            _insert_action(cur, plan.plan_id, current[action_id], stamp, removed=True)
            changes += 1
        for action in after:
            old = current.get(action.action_id) if action.action_id else None
            if action.action_id and old is None:
                raise BackboneError(f"'{action.title}' is not an action of this plan.")
            if old is not None and _content(old) == _content(action):
                continue
            _may_write(user, old, action)
            _insert_action(cur, plan.plan_id, _content(replace(action, action_id=action.action_id or database.new_id())),
                           stamp)
            changes += 1
        return changes

    return database.write(save, db)


def action_owners(action_ids: Iterable[str], db: str | None = None) -> dict[str, PlanKey]:
    """The plan each of these action ids belongs (or belonged) to, for the ids the store knows."""
    ids = list(action_ids)
    if not ids:
        return {}
    rows = database.cursor(db).execute(
        """SELECT DISTINCT a.action_id, p.metric_code, p.dimension, p.group_value
           FROM plan_actions AS a JOIN (SELECT DISTINCT plan_id, metric_code, dimension, group_value FROM plans) AS p
           USING (plan_id) WHERE list_contains($ids, a.action_id)""", {"ids": ids}).fetchall()
    return {row[0]: PlanKey(*row[1:]) for row in rows}


def replace_plans(drafts: list[PlanDraft], user: User | None = None, changed_by: str | None = None,
                  db: str | None = None, now: datetime | None = None) -> dict[str, int]:
    """Write whole plans (a workbook's) in one change: each draft's words, partners and actions replace its plan's;
    an action of the plan missing from the draft is removed. Plans not drafted are left alone. Directors only."""
    require(user, "plan")
    cur = database.cursor(db)
    partners, measures = partner_names(db), performance_measures(db)
    for draft in drafts:
        _check_outcome(cur, draft.key)
        _check_words(draft.story, draft.what_works, draft.roles, partners)
        for action in draft.actions:
            if check_action(action, partners, measures):
                raise BackboneError(f"An action of the plan for {draft.key.metric_code} cannot be saved: "
                                    + "; ".join(f"{w}: {m}" for w, m in check_action(action, partners, measures)))
    owners = action_owners([a.action_id for d in drafts for a in d.actions if a.action_id], db)

    def save(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
        stamp = _begin_change(cur, user, changed_by, now)
        counts = {"plans": 0, "changes": 0}
        for draft in drafts:
            current = _read_plan(cur, draft.key, NOW)
            plan_id = current.plan_id if current else database.new_id()
            changes = _write_words(cur, current, plan_id, draft.key, draft.story, draft.what_works, draft.illustrative, stamp)
            changes += _write_roles(cur, current.roles if current else [], draft.roles, plan_id, stamp)
            existing = {a.action_id: a for a in current.actions} if current else {}
            drafted = {a.action_id for a in draft.actions if a.action_id}
            for action_id in existing.keys() - drafted:
                _insert_action(cur, plan_id, existing[action_id], stamp, removed=True)
                changes += 1
            for action in draft.actions:
                if action.action_id and owners.get(action.action_id, draft.key) != draft.key:
                    raise BackboneError(f"Action '{action.action_id}' belongs to another plan.")
                old = existing.get(action.action_id)
                if old is not None and _content(old) == _content(action):
                    continue
                _insert_action(cur, plan_id, _content(replace(action, action_id=action.action_id or database.new_id())),
                               stamp)
                changes += 1
            counts["plans"] += 1
            counts["changes"] += changes
        return counts

    return database.write(save, db)


# --- history --------------------------------------------------------------------------------------------------------

def history(key: PlanKey, db: str | None = None) -> pd.DataFrame:
    """Every change to a plan, oldest first: when, who, and what changed, in words."""
    cur = database.cursor(db)
    params = {"metric": key.metric_code, "dimension": key.dimension, "group": key.group_value}
    ids = "SELECT DISTINCT plan_id FROM plans WHERE metric_code = $metric AND dimension = $dimension AND group_value = $group"
    versions = {
        "plan": cur.execute(f"SELECT * FROM plans WHERE plan_id IN ({ids}) ORDER BY change_seq", params).df(),
        "role": cur.execute(f"SELECT * FROM plan_partners WHERE plan_id IN ({ids}) ORDER BY change_seq", params).df(),
        "action": cur.execute(f"SELECT * FROM plan_actions WHERE plan_id IN ({ids}) ORDER BY change_seq", params).df(),
    }
    names = partner_names(db)
    said: dict[int, list[str]] = {}
    stamps: dict[int, tuple] = {}
    for kind, frame in versions.items():
        previous: dict[tuple, dict] = {}
        for row in frame.to_dict("records"):
            entity = (row["plan_id"], row.get("partner_code"), row.get("action_id"))
            said.setdefault(row["change_seq"], []).extend(_describe(kind, previous.get(entity), row, names))
            stamps[row["change_seq"]] = (row["changed_at"], row["changed_by"])
            previous[entity] = row
    rows = [{"changed_at": stamps[seq][0], "changed_by": stamps[seq][1], "change": "; ".join(words)}
            for seq, words in sorted(said.items()) if words]
    return pd.DataFrame(rows, columns=["changed_at", "changed_by", "change"])


def _describe(kind: str, old: dict | None, new: dict, names: dict[str, str]) -> list[str]:
    """What one new version changed, in words ('Action 'X': status planned -> done')."""
    if kind == "plan":
        if new["removed"]:
            return ["plan taken down"]
        if old is None or old["removed"]:
            return ["plan started" + (" (illustrative)" if new["illustrative"] else "")]
        words = [f"{label} changed" for column, label in (("story", "story behind the curve"), ("what_works", "what works"))
                 if _text(old[column]) != _text(new[column])]
        if bool(old["illustrative"]) != bool(new["illustrative"]):
            words.append("marked illustrative" if new["illustrative"] else "no longer marked illustrative")
        return words
    if kind == "role":
        partner = names.get(new["partner_code"], new["partner_code"])
        if new["removed"]:
            return [f"{partner} no longer named among the partners"]
        if old is None or old["removed"]:
            return [f"{partner} named among the partners" + (f" ({new['brings']})" if _text(new["brings"]) else "")]
        return [f"what {partner} brings changed"]
    title = new["title"]
    if new["removed"]:
        return [f"action '{title}' removed"]
    if old is None or old["removed"]:
        owner = names.get(new["owner_code"], new["owner_code"])
        by = f", proposed by {names.get(new['proposed_by'], new['proposed_by'])}" if new["proposed"] else ""
        return [f"action '{title}' added ({owner}, {ACTION_STATUSES.get(new['status'], new['status'])}{by})"]
    words = []
    if old["proposed"] and not new["proposed"]:
        words.append("proposal accepted")
    if old["title"] != title:
        words.append(f"renamed from '{old['title']}'")
    if old["owner_code"] != new["owner_code"]:
        words.append(f"owner {names.get(old['owner_code'], old['owner_code'])} -> {names.get(new['owner_code'], new['owner_code'])}")
    if old["status"] != new["status"]:
        words.append(f"status {ACTION_STATUSES.get(old['status'], old['status'])} -> {ACTION_STATUSES.get(new['status'], new['status'])}")
    for column, label in (("start_date", "start"), ("due_date", "due")):
        if _day(old[column]) != _day(new[column]):
            words.append(f"{label} {_day(old[column]) or 'none'} -> {_day(new[column]) or 'none'}")
    if _text(old["note"]) != _text(new["note"]):
        words.append("note changed")
    if sorted(old["measure_codes"] if old["measure_codes"] is not None else []) != sorted(
            new["measure_codes"] if new["measure_codes"] is not None else []):
        words.append("measures changed")
    return [f"action '{title}': {', '.join(words)}"] if words else []


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _day(value: object) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return f"{pd.Timestamp(value):%Y-%m-%d}"
