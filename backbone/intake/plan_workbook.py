"""A plans workbook (drafted by a table at a convening) read and checked like any partner file: every problem located
by sheet, row and column, and nothing written unless every row is right; then each plan on it replaced in one change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from backbone import vocab
from backbone.errors import BackboneError, Finding
from backbone.intake.catalog_workbook import SheetReader
from backbone.intake.reader.sandbox import read_untrusted
from backbone.intake.staging import stage_upload
from backbone.store import database, plans
from backbone.store.auth import User, require
from backbone.store.catalog import Catalog
from backbone.store.plan_export import PLAN_SHEETS
from backbone.text import fold_label, is_blank, text_of

REQUIRED = {"Plans": ["outcome"], "Partners": ["outcome", "partner"], "Actions": ["outcome", "action", "owner"]}
YES, NO = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}


@dataclass
class PlanLoad:
    """The outcome of loading a plans workbook: plans replaced and versions written, or the problems that stopped it."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[Finding] = field(default_factory=list)


class _Names:
    """The catalog's community outcomes, partners and partner performance measures, found by code, name or alias."""

    def __init__(self, db: str | None) -> None:
        self.catalog = Catalog.from_store(database.cursor(db))
        self.outcomes = plans.community_outcomes(db)
        self.measures = plans.performance_measures(db)
        names = plans.partner_names(db)
        self.partners = {fold_label(code): code for code in names} | {fold_label(name): code for code, name in names.items()}

    def outcome(self, raw: object) -> str | None:
        found = self.catalog.find(raw)
        return found.code if found is not None and found.code in self.outcomes else None

    def partner(self, raw: object) -> str | None:
        return self.partners.get(fold_label(raw))

    def measure(self, raw: object) -> str | None:
        found = self.catalog.find(raw)
        return found.code if found is not None and found.code in self.measures else None


def read_plan_workbook(path: Path, db: str | None = None) -> tuple[list[plans.PlanDraft], list[Finding]]:
    """The plans a workbook states, and every problem found in it (located); read in the sandboxed reader."""
    sheets = {sheet.name.strip().lower(): sheet.rows for sheet in read_untrusted(Path(path), rows=True)}
    if "plans" not in sheets:
        raise BackboneError(f"'{Path(path).name}' has no Plans sheet. Start from `python -m backbone plans export` "
                            "(or the plans download), which has the Plans, Partners and Actions sheets.")
    errors: list[Finding] = []
    names = _Names(db)
    readers = {name: SheetReader(name, sheets.get(name.lower(), [list(PLAN_SHEETS[name])]), errors, REQUIRED[name])
               for name in PLAN_SHEETS}
    if errors:  # a header without its columns: the rows cannot be read
        return [], errors
    drafts: dict[plans.PlanKey, plans.PlanDraft] = {}
    rows_of: dict[plans.PlanKey, int] = {}

    plan_sheet = readers["Plans"]
    for row, record in plan_sheet.records():
        key = _key(plan_sheet, row, record, names)
        illustrative = fold_label(record.get("illustrative"))
        if illustrative not in YES | NO:
            errors.append(Finding("Plans", row, "illustrative", f"'{text_of(record.get('illustrative'))}' is not yes or no"))
        story, what_works = plan_sheet.text(row, record, "story"), plan_sheet.text(row, record, "what_works")
        for column, text in (("story", story), ("what works", what_works)):
            limit = plans.LIMITS[column.replace(" ", "_")]
            if len(text or "") > limit:
                errors.append(Finding("Plans", row, column, f"shorten it to under {limit} characters"))
        if key is None:
            continue
        if key in drafts:
            errors.append(Finding("Plans", row, "outcome", f"this plan is already on row {rows_of[key]}; keep one row per plan"))
            continue
        drafts[key], rows_of[key] = plans.PlanDraft(key, story, what_works, illustrative in YES, [], []), row

    partner_sheet = readers["Partners"]
    for row, record in partner_sheet.records():
        draft = _draft_of(partner_sheet, row, record, names, drafts)
        partner = _partner(partner_sheet, row, record, "partner", names)
        brings = partner_sheet.text(row, record, "brings")
        if len(brings or "") > plans.LIMITS["brings"]:
            errors.append(Finding("Partners", row, "brings", f"shorten it to under {plans.LIMITS['brings']} characters"))
        if draft is None or partner is None:
            continue
        if partner in {role.partner_code for role in draft.roles}:
            errors.append(Finding("Partners", row, "partner", "this partner is already named for this plan; name it once"))
            continue
        draft.roles.append(plans.Role(partner, brings))

    action_sheet = readers["Actions"]
    seen_ids: dict[str, int] = {}
    located: list[tuple[int, plans.PlanDraft, plans.Action]] = []
    for row, record in action_sheet.records():
        draft = _draft_of(action_sheet, row, record, names, drafts)
        action_id = text_of(record.get("id")) or None
        if action_id in seen_ids:
            errors.append(Finding("Actions", row, "id", f"'{action_id}' is already used on row {seen_ids[action_id]}; "
                                                         "leave id blank for a new action"))
        elif action_id:
            seen_ids[action_id] = row
        owner = _partner(action_sheet, row, record, "owner", names)
        proposer = _partner(action_sheet, row, record, "proposed_by", names, "proposed by") if not is_blank(
            record.get("proposed_by")) else None
        status = action_sheet.choice(row, record, "status", vocab.ACTION_STATUSES) if not is_blank(record.get("status")) else "planned"
        measures = []
        for raw in text_of(record.get("measures")).split(";"):
            if raw.strip():
                code = names.measure(raw)
                if code is None:
                    close = [name for name in names.catalog.suggest(raw) if name in names.measures.values()]
                    errors.append(Finding("Actions", row, "measures", f"'{raw.strip()}' is not a partner performance measure"
                                          + (f" (did you mean '{close[0]}'?)" if close else "; see the Lists sheet")))
                else:
                    measures.append(code)
        action = plans.Action(
            title=action_sheet.text(row, record, "action") or "", owner_code=owner or "",
            start_date=action_sheet.day(row, record, "start"), due_date=action_sheet.day(row, record, "due"),
            status=status or "planned", note=action_sheet.text(row, record, "note"), measure_codes=tuple(measures),
            proposed=proposer is not None, proposed_by=proposer, action_id=action_id)
        if owner is not None and status is not None:
            for column, message in plans.check_action(action, plans.partner_names(db), names.measures):
                errors.append(Finding("Actions", row, column, message))
        if draft is not None:
            located.append((row, draft, action))

    owners = plans.action_owners(list(seen_ids), db)
    for row, draft, action in located:
        elsewhere = owners.get(action.action_id) if action.action_id else None
        if elsewhere is not None and elsewhere != draft.key:
            errors.append(Finding("Actions", row, "id", f"'{action.action_id}' is an action of the plan for "
                                  f"{names.outcomes.get(elsewhere.metric_code, elsewhere.metric_code)} ({elsewhere.label()}); "
                                  "leave id blank to add a new action here"))
        draft.actions.append(action)
    return list(drafts.values()), errors


def _key(sheet: SheetReader, row: int, record: dict, names: _Names) -> plans.PlanKey | None:
    raw = record.get("outcome")
    code = names.outcome(raw)
    if code is None:
        if is_blank(raw):
            message = "'outcome' is empty; name the community outcome the plan is for"
        elif names.catalog.find(raw) is not None:
            message = f"'{text_of(raw)}' is not a community outcome; a plan is for one of the outcomes on the Lists sheet"
        else:
            close = [name for name in names.catalog.suggest(raw) if name in names.outcomes.values()]
            message = f"'{text_of(raw)}' is not a community outcome in the catalog" + (
                f" (did you mean '{close[0]}'?)" if close else "")
        sheet.errors.append(Finding(sheet.name, row, "outcome", message))
        return None
    dimension, group = sheet.text(row, record, "dimension"), sheet.text(row, record, "group")
    if bool(dimension) != bool(group):
        sheet.errors.append(Finding(sheet.name, row, "group" if dimension else "dimension",
                                    "an equity plan names both the breakdown and the group; leave both blank for everyone"))
        return None
    return plans.PlanKey(code, dimension or plans.EVERYONE, group or plans.EVERYONE)


def _draft_of(sheet: SheetReader, row: int, record: dict, names: _Names,
              drafts: dict[plans.PlanKey, plans.PlanDraft]) -> plans.PlanDraft | None:
    key = _key(sheet, row, record, names)
    if key is None:
        return None
    if key not in drafts:
        sheet.errors.append(Finding(sheet.name, row, "outcome", "this plan is not on the Plans sheet; add a row for it there "
                                                                "(same outcome, dimension and group)"))
        return None
    return drafts[key]


def _partner(sheet: SheetReader, row: int, record: dict, column: str, names: _Names, label: str | None = None) -> str | None:
    raw = record.get(column)
    code = names.partner(raw)
    if code is None:
        sheet.errors.append(Finding(sheet.name, row, label or column,
                                    f"'{text_of(raw)}' is not a partner; use a partner's name or code from the Lists sheet"
                                    if not is_blank(raw) else f"'{label or column}' is empty; name the partner"))
    return code


def load_plan_workbook(path: Path, actor: User | None = None, changed_by: str | None = None, db: str | None = None,
                       now: datetime | None = None) -> PlanLoad:
    """Check a plans workbook and, when every row is right, replace each plan on it in one change (directors)."""
    require(actor, "plan")
    drafts, errors = read_plan_workbook(path, db)
    if errors:
        return PlanLoad({}, errors)
    if not drafts:
        raise BackboneError(f"'{Path(path).name}' has no plan rows on its Plans sheet; nothing was changed.")
    counts = plans.replace_plans(drafts, user=actor, changed_by=changed_by, db=db, now=now)
    return PlanLoad(counts, [])


def load_plan_upload(data: bytes, file_name: str, actor: User, db: str | None = None) -> PlanLoad | str:
    """A plans workbook sent through the browser: its outcome, or the plain reason it could not be read."""
    require(actor, "plan")
    path = stage_upload(data, file_name, db)
    try:
        return load_plan_workbook(path, actor=actor, db=db)
    except BackboneError as exc:
        return str(exc)
    finally:
        path.unlink(missing_ok=True)
