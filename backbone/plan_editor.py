"""The turn-the-curve plan under an outcome's curve (Outcomes page): the five questions answered, each action with the
curves of the measures that show it working, the plan as it stood on a date, its history, the Excel download, and the
editor each role may use (directors everything, a partner its own actions and proposals, viewers read).

Widgets only; what may be written, and how, is decided in backbone.store.plans.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from backbone import config, ui
from backbone.errors import BackboneError
from backbone.intake.plan_workbook import load_plan_upload
from backbone.show import charts
from backbone.show.formatting import md, md_with_links, number, plural
from backbone.show.story import curve_sentence
from backbone.store import auth, database, plans
from backbone.store.auth import User
from backbone.store.plan_export import plan_workbook_bytes
from backbone.vocab import ACTION_STATUSES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLASH_KEY = "plan-flash"
STATUS_BADGES = {"planned": ("○", "gray"), "under_way": ("◐", "blue"), "done": ("●", "green"), "dropped": ("✕", "gray")}
ONE_GROUP = "A plan for one group…"


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(name: str, db: str, version: tuple, args: tuple) -> object:
    return getattr(plans, name)(*args, db=db)


def _read(name: str, *args: object) -> object:
    """A read from backbone.store.plans, cached until the next change of any plan (or load, undo, catalog edit)."""
    db = config.db_path()
    return _cached(name, db, database.data_version(db), args)


def plan_section(metric_code: str, geography: str) -> None:
    """The plan for the outcome on screen: picked (everyone or a group), shown now or as it stood on a date, edited."""
    user = ui.current_user()
    outcomes = _read("community_outcomes")
    st.header("Turning the curve: the plan")
    if metric_code not in outcomes:
        st.caption("Turn-the-curve plans are made for community outcomes; this measure shows how partners or the "
                   "backbone are doing.")
        return
    st.caption("Results-Based Accountability's five questions: how are we doing; the story behind the curve; the "
               "partners with a role to play; what works; and the action plan.")
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    key = _pick_plan(metric_code, geography, user)
    if key is None:
        return
    as_of = st.date_input("Show the plan as it stood on", value=None, key="plan-as-of", format="YYYY-MM-DD",
                          help="A convening's date: the plan as the table left it that day. Empty: the plan as it is now.")
    plan = _read("get_plan", key, as_of)
    names = _read("partner_names")
    if plan is None:
        when = f" on {as_of:%d %b %Y}" if as_of else " yet"
        ui.empty_state(f"No turn-the-curve plan for {md(outcomes[metric_code])} ({md(key.label())}){when}."
                       + (" Start it below." if auth.can(user, "plan") and not as_of else
                          " The backbone team starts plans; partners then add and update their actions." if not as_of else ""))
    else:
        _show(plan, geography, names, as_of, None if as_of else user)
    _downloads(as_of, key)
    if as_of is not None:
        st.caption("Editing is off while the plan is shown as it stood on a past date; empty the date to edit it.")
        return
    if auth.can(user, "plan"):
        _director_editor(key, plan, user, names)
    elif auth.can(user, "plan_actions") and plan is not None:
        _partner_editor(key, plan, user, names)
    elif plan is not None:
        st.caption("The backbone team and the partners with actions keep this plan up to date.")


def _pick_plan(metric_code: str, geography: str, user: User) -> plans.PlanKey | None:
    """Which plan to show: for everyone, an existing group's, or (directors) a new group's."""
    keys = _read("plan_keys", metric_code)
    choices = {plans.PlanKey(metric_code).label().capitalize(): plans.PlanKey(metric_code)}
    choices |= {key.label(): key for key in keys if not key.for_everyone}
    options = list(choices) + ([ONE_GROUP] if auth.can(user, "plan") else [])
    chosen = st.selectbox("Plan for", options, key=f"plan-for-{metric_code}",
                          help="The plan for everyone, or an equity plan for one group that the curve leaves behind.")
    if chosen != ONE_GROUP:
        return choices[chosen]
    dimensions = ui.read_list("dimensions", metric_code, geography)
    if not dimensions:
        ui.empty_state("This outcome has no breakdown by group in this place, so there is no group to plan for.")
        return None
    left, right = st.columns(2)
    dimension = left.selectbox("Breakdown", dimensions, key=f"plan-dimension-{metric_code}")
    groups = ui.read("by_group", metric_code, geography, dimension)
    group = right.selectbox("Group", sorted(set(groups.group_value) - {"All"}), key=f"plan-group-{metric_code}")
    return plans.PlanKey(metric_code, dimension, group) if group else None


def _show(plan: plans.Plan, geography: str, names: dict[str, str], as_of: date | None, editor: User | None) -> None:
    """The five questions answered, then the action plan with each action's measures beside it (and, for `editor`, a
    status control on each action they may update)."""
    if plan.illustrative:
        st.badge("Illustrative plan: made up for the demo, not a real table's", icon=":material/science:", color="orange")
    last = max([plan.changed_at, *(a.changed_at for a in plan.actions)])
    st.caption(f"Started {plan.started_at:%d %b %Y} by {md(plan.started_by)} · last changed {last:%d %b %Y %H:%M}"
               + (f" · shown as it stood on {as_of:%d %b %Y}" if as_of else ""))
    st.subheader("1. How are we doing?")
    if plan.key.for_everyone:
        series = ui.read("trend", plan.key.metric_code, geography)
        st.markdown(md(curve_sentence(series.iloc[-1])) + " The curve is above." if len(series) else "No values yet.")
    else:
        series = ui.read("group_trend", plan.key.metric_code, geography, plan.key.dimension, plan.key.group_value)
        if len(series):
            row = series.iloc[-1]
            sentence = curve_sentence(row)
            st.markdown(f"For {md(plan.key.label())}: {md(sentence)}")
            ui.chart(charts.turn_the_curve, series, row.unit, description=f"{plan.key.label()}: {sentence}", key="plan-curve")
        else:
            st.markdown(f"No values for {md(plan.key.label())} here yet (or they are hidden to protect small numbers).")
    st.subheader("2. The story behind the curve")
    st.markdown(md_with_links(plan.story) if plan.story else "*Not written yet.*")
    st.subheader("3. Partners with a role to play")
    st.markdown("\n".join(f"- **{md(names.get(r.partner_code, r.partner_code))}**" + (f": {md(r.brings)}" if r.brings else "")
                          for r in plan.roles) or "*None named yet.*")
    st.subheader("4. What works")
    st.markdown(md_with_links(plan.what_works) if plan.what_works else "*Not written yet.*")
    st.subheader("5. The action plan")
    accepted = [a for a in plan.actions if not a.proposed]
    proposals = [a for a in plan.actions if a.proposed]
    if not accepted:
        ui.empty_state("No actions yet.")
    measured = ui.read("level_series", "partner_performance")
    measure_names = _read("performance_measures")
    for action in accepted:
        _action_card(plan.key, action, names, measured, measure_names, editor)
    if proposals:
        st.markdown(f"**Proposed, waiting for the backbone team** ({len(proposals)})")
        for action in proposals:
            _action_card(plan.key, action, names, measured, measure_names, editor)
    if editor is not None and auth.can(editor, "plan_actions"):
        _add_action_form(plan, editor, names, measure_names)
    with st.expander("Every change to this plan"):
        st.dataframe(_read("history", plan.key), hide_index=True, width="stretch",
                     column_config={"changed_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
                                    "changed_by": "Who", "change": st.column_config.TextColumn("What changed", width="large")})


def _action_card(key: plans.PlanKey, action: plans.Action, names: dict[str, str], measured: pd.DataFrame,
                 measure_names: dict[str, str], editor: User | None) -> None:
    """One action: what, who, when, status and note, with the curves of its measures beside it."""
    with st.container(border=True):
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"**{md(action.title)}**")
            symbol, colour = STATUS_BADGES[action.status]
            if editor is not None and plans.may_update(editor, action):
                _status_control(key, action, editor)
            else:
                st.badge(f"{symbol} {ACTION_STATUSES[action.status]}", color=colour)
            dates = " to ".join(f"{day:%d %b %Y}" for day in (action.start_date, action.due_date) if day)
            st.caption(f"{md(names.get(action.owner_code, action.owner_code))}" + (f" · {dates}" if dates else "")
                       + (f" · done {action.done_at:%d %b %Y}" if action.done_at else "")
                       + (f" · proposed by {md(names.get(action.proposed_by, action.proposed_by))}" if action.proposed else ""))
            if action.note:
                st.markdown(md_with_links(action.note))
        with right:
            if not action.measure_codes:
                st.caption("No measure tied to this action yet.")
            for code in action.measure_codes:
                points = measured[measured.metric_code == code]
                name = measure_names.get(code, code)
                latest = points[points.value.notna()].tail(1)
                st.caption(f"{md(name)}" + (f": {number(latest.value.iloc[0], _unit(code))} in {md(latest.period_label.iloc[0])}"
                                            if len(latest) else ": no data yet"))
                if len(points) > 1:
                    ui.chart(charts.sparkline, points, description=f"Trend of {name}", key=f"measure-{action.action_id}-{code}")


def _status_control(key: plans.PlanKey, action: plans.Action, user: User) -> None:
    """The action's status as buttons its owner (or a director) presses: saved at once, kept with who and when."""
    chosen = st.segmented_control(
        "Status", list(ACTION_STATUSES), format_func=lambda code: f"{STATUS_BADGES[code][0]} {ACTION_STATUSES[code]}",
        default=action.status, key=f"plan-status-{action.action_id}-{action.change_seq}", label_visibility="collapsed")
    if chosen is None or chosen == action.status:
        return
    try:
        plans.save_actions(key, [action], [replace(action, status=chosen)], user=user)
    except BackboneError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        _saved(f"'{action.title}' is now {ACTION_STATUSES[chosen]}.")


def _add_action_form(plan: plans.Plan, user: User, names: dict[str, str], measure_names: dict[str, str]) -> None:
    """A new action in a few fields (a partner's is a proposal until a director accepts it)."""
    director = auth.can(user, "plan")
    by_name = {name: code for code, name in names.items()}
    by_measure = {name: code for code, name in measure_names.items()}
    with st.expander("Add an action" if director else "Propose an action", icon=":material/add_task:"):
        with st.form(f"plan-add-{plan.plan_id}-{plan.last_change_seq}", clear_on_submit=True):
            title = st.text_input("Action", max_chars=plans.LIMITS["title"], placeholder="What will be done, by whom, where")
            partners = list(by_name)
            mine = names.get(user.partner_code) if user.partner_code else None
            owner = st.selectbox("Owner", partners, index=partners.index(mine) if mine in partners else None,
                                 placeholder="The partner who owns it")
            left, middle, right = st.columns(3)
            start = left.date_input("Start", value=None, format="YYYY-MM-DD")
            due = middle.date_input("Due", value=None, format="YYYY-MM-DD")
            status = right.selectbox("Status", list(ACTION_STATUSES), format_func=ACTION_STATUSES.get)
            measures = st.multiselect("Measures that show it working", list(by_measure),
                                      help="Partner performance measures: how much, how well, is anyone better off.")
            note = st.text_input("Note", max_chars=plans.LIMITS["note"])
            if not st.form_submit_button("Add the action" if director else "Propose the action", type="primary",
                                         icon=":material/add:"):
                return
    action = plans.Action(title=title.strip(), owner_code=by_name.get(owner, ""), start_date=start, due_date=due,
                          status=status, note=note.strip() or None, measure_codes=tuple(by_measure[m] for m in measures),
                          proposed=not director, proposed_by=None if director else user.partner_code)
    try:
        plans.save_actions(plan.key, [], [action], user=user)
    except BackboneError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        _saved(f"'{action.title}' added to the plan." if director else
               f"'{action.title}' proposed: the backbone team will accept it into the plan.")


def _unit(code: str) -> str:
    catalog = ui.read("metrics_catalog")
    found = catalog[catalog.metric_code == code]
    return str(found.unit.iloc[0]) if len(found) else "number"


@st.cache_data(show_spinner=False, max_entries=8)
def _workbook(db: str, version: tuple, as_of: date | None) -> bytes:
    return plan_workbook_bytes(as_of, db)


def _downloads(as_of: date | None, key: plans.PlanKey) -> None:
    label = "Download the plans (Excel)" + (f" as they stood on {as_of:%d %b %Y}" if as_of else "")
    db = config.db_path()
    st.download_button(label, _workbook(db, database.data_version(db), as_of),
                       f"plans{f'-{as_of:%Y-%m-%d}' if as_of else ''}.xlsx",
                       XLSX, on_click="ignore", icon=":material/download:", key=f"plans-xlsx-{key.metric_code}",
                       help="Every plan, with the Plans, Partners and Actions sheets a table can edit at a convening "
                            "and load back (python -m backbone plans import, or below).")


# --- editing ----------------------------------------------------------------------------------------------------------

def _saved(message: str) -> None:
    st.session_state[FLASH_KEY] = message
    ui.clear_caches()
    st.rerun()


def _director_editor(key: plans.PlanKey, plan: plans.Plan | None, user: User, names: dict[str, str]) -> None:
    by_name = {name: code for code, name in names.items()}
    with st.expander("Start this plan" if plan is None else "Edit the plan", expanded=plan is None, icon=":material/edit:"):
        ident = plan.plan_id if plan else f"new-{key.metric_code}-{key.dimension}-{key.group_value}"
        version = plan.last_change_seq if plan else 0
        with st.form(f"plan-words-{ident}-{version}"):
            story = st.text_area("The story behind the curve", plan.story if plan else "", key=f"plan-story-{ident}-{version}",
                                 max_chars=plans.LIMITS["story"], help="Causes and forces at work, as the table sees them.")
            what_works = st.text_area("What works", plan.what_works if plan else "", max_chars=plans.LIMITS["what_works"],
                                      key=f"plan-works-{ident}-{version}",
                                      help="Evidence, including no-cost and low-cost ideas; web addresses become links.")
            named = plan.roles if plan else []
            roles = st.data_editor(
                pd.DataFrame({"partner": pd.Series([names.get(r.partner_code, r.partner_code) for r in named], dtype="string"),
                              "brings": pd.Series([r.brings or "" for r in named], dtype="string")}),
                column_config={"partner": st.column_config.SelectboxColumn("Partner", options=list(by_name), required=True),
                               "brings": st.column_config.TextColumn("What it brings", max_chars=plans.LIMITS["brings"])},
                num_rows="dynamic", hide_index=True, width="stretch", key=f"plan-roles-{ident}-{version}")
            illustrative = st.checkbox("Illustrative (a made-up example, labelled so everywhere)",
                                       value=plan.illustrative if plan else False, key=f"plan-illustrative-{ident}-{version}")
            if st.form_submit_button("Save the story, partners and what works", type="primary", icon=":material/save:"):
                chosen = [plans.Role(by_name.get(r.partner, r.partner), r.brings or None)
                          for r in roles.itertuples() if isinstance(r.partner, str) and r.partner]
                try:
                    plans.save_plan(key, story, what_works, chosen, illustrative, user=user)
                except BackboneError as exc:
                    st.error(str(exc), icon=":material/error:")
                else:
                    _saved("Plan saved." if plan else "Plan started: add its actions below.")
        if plan is not None:
            st.markdown("**Actions** · add a row for a new action; untick *Proposal* to accept a partner's proposal; set "
                        "the status to *dropped* rather than deleting an action that was under way.")
            _actions_editor(key, plan, plan.actions, user, names, proposals_column=True)
            if st.button("Take this plan down", icon=":material/delete:", key=f"plan-remove-{plan.plan_id}",
                         help="It leaves the page, the deck and the report card; its history stays, so it can still be "
                              "shown as it stood before."):
                plans.remove_plan(key, user=user)
                _saved("Plan taken down; it can still be shown as it stood before today.")
    with st.expander("Load a plans workbook", icon=":material/upload_file:"):
        st.caption("A workbook from the Excel download, edited at a convening: each plan on its Plans sheet is replaced "
                   "whole (an action left out is removed, its history kept). Nothing changes unless every row is right.")
        upload = st.file_uploader("Plans workbook", type=["xlsx", "xls", "ods"], key="plans-file")
        if upload is not None:
            outcome = ui.load_once(upload, "plans-loads", "Load these plans",
                                   lambda data, name: load_plan_upload(data, name, user), key="plans-load")
            if outcome is not None:
                st.success(f"Loaded: {plural(outcome.counts['plans'], 'plan')} replaced, "
                           f"{plural(outcome.counts['changes'], 'change')} kept in their history.",
                           icon=":material/check_circle:")


def _partner_editor(key: plans.PlanKey, plan: plans.Plan, user: User, names: dict[str, str]) -> None:
    mine = [a for a in plan.actions if a.owner_code == user.partner_code or (a.proposed and a.proposed_by == user.partner_code)]
    with st.expander(f"Your actions and proposals ({names.get(user.partner_code, user.partner_code)})", expanded=True,
                     icon=":material/edit:"):
        st.caption("Update the status, dates and notes of the actions you own. A row you add is a proposal, which the "
                   "backbone team accepts into the plan. Set an action to dropped rather than deleting it.")
        _actions_editor(key, plan, mine, user, names, proposals_column=False)


def _actions_editor(key: plans.PlanKey, plan: plans.Plan, shown: list[plans.Action], user: User, names: dict[str, str],
                    proposals_column: bool) -> None:
    """A table of actions to edit; saving sends the rows shown before and after to the store, which checks every change."""
    by_name = {name: code for code, name in names.items()}
    measures = _read("performance_measures")
    measure_codes = {name: code for code, name in measures.items()}
    statuses = {label: code for code, label in ACTION_STATUSES.items()}
    # Typed columns, so an empty plan's editor still knows what each column holds.
    frame = pd.DataFrame({
        "action_id": pd.Series([a.action_id for a in shown], dtype="string"),
        "action": pd.Series([a.title for a in shown], dtype="string"),
        "owner": pd.Series([names.get(a.owner_code, a.owner_code) for a in shown], dtype="string"),
        "start": pd.to_datetime(pd.Series([a.start_date for a in shown], dtype=object)),
        "due": pd.to_datetime(pd.Series([a.due_date for a in shown], dtype=object)),
        "status": pd.Series([ACTION_STATUSES[a.status] for a in shown], dtype="string"),
        "note": pd.Series([a.note or "" for a in shown], dtype="string"),
        "measures": pd.Series([[measures.get(c, c) for c in a.measure_codes] for a in shown], dtype=object),
        "proposal": pd.Series([a.proposed for a in shown], dtype="boolean"),
    })
    config = {
        "action_id": None,
        "action": st.column_config.TextColumn("Action", required=True, max_chars=plans.LIMITS["title"], width="large"),
        "owner": st.column_config.SelectboxColumn("Owner", options=list(by_name), required=True),
        "start": st.column_config.DateColumn("Start", format="YYYY-MM-DD"),
        "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
        "status": st.column_config.SelectboxColumn("Status", options=list(statuses), required=True, default="planned"),
        "note": st.column_config.TextColumn("Note", max_chars=plans.LIMITS["note"]),
        "measures": st.column_config.MultiselectColumn("Measures that show it working", options=list(measure_codes)),
        "proposal": st.column_config.CheckboxColumn("Proposal (untick to accept)", default=False)
        if proposals_column else None,
    }
    edited = st.data_editor(frame, column_config=config, num_rows="dynamic", hide_index=True, width="stretch",
                            key=f"plan-actions-{plan.plan_id}-{plan.last_change_seq}-{'all' if proposals_column else 'mine'}")
    if not st.button("Save the actions", type="primary", icon=":material/save:",
                     key=f"plan-actions-save-{plan.plan_id}-{'all' if proposals_column else 'mine'}"):
        return
    before = {a.action_id: a for a in shown}
    after = []
    for row in edited.to_dict("records"):
        old = before.get(row["action_id"]) if isinstance(row["action_id"], str) else None
        proposed = bool(row["proposal"]) if proposals_column else (old.proposed if old else True)
        after.append(plans.Action(
            title=str(row["action"] or "").strip(), owner_code=by_name.get(row["owner"], row["owner"] or ""),
            start_date=_day(row["start"]), due_date=_day(row["due"]), status=statuses.get(row["status"], "planned"),
            note=str(row["note"] or "").strip() or None,
            measure_codes=tuple(measure_codes.get(m, m) for m in (row["measures"] or [])),
            proposed=proposed, proposed_by=(old.proposed_by if old and old.proposed else user.partner_code) if proposed else None,
            action_id=old.action_id if old else None, change_seq=old.change_seq if old else None))
    try:
        changed = plans.save_actions(key, shown, after, user=user)
    except BackboneError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        _saved(f"Saved: {plural(changed, 'action')} changed." if changed else "Nothing had changed.")


def _day(value: object) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return pd.Timestamp(value).date()
