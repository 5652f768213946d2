"""Named reads for the pages: each a parameterised SELECT on a view in queries/, returned as a DataFrame."""

from __future__ import annotations

import pandas as pd

from backbone import config
from backbone.errors import BackboneError
from backbone.store import database
from backbone.store.auth import User, require
from backbone.vocab import BACKBONE_ROLES

# Every outcome view has a twin that partners and the public read: small cells suppressed (backbone/privacy.py).
PUBLIC_TWIN = {
    "community_outcomes": "public_outcomes",
    "outcome_trends": "public_outcome_trends",
    "equity_gaps": "public_equity_gaps",
    "place_medians": "public_place_medians",
    "activity_scorecard": "public_activity_scorecard",
    "equity_summary": "public_equity_summary",
    "community_comparisons": "public_community_comparisons",
}


def _rel(view: str, public: bool) -> str:
    """The view to read: its suppressed twin unless a director asked for every value. Names come only from PUBLIC_TWIN."""
    return PUBLIC_TWIN[view] if public else view


def _read(sql: str, params: dict | None = None, db: str | None = None) -> pd.DataFrame:
    return database.query(sql, params, path=db)


def metrics_catalog(search: str = "", db: str | None = None) -> pd.DataFrame:
    """Catalog metrics with their aliases, optionally those whose name, definition or aliases contain `search`.

    The backbone measures Backbone computes itself (ref_computed_measures) are listed too, marked `computed`.
    """
    return _read(
        """WITH catalog AS (
           SELECT m.metric_code, m.name, m.definition, m.unit, m.direction, m.level, m.activity, m.component, m.phase,
                  m.horizon, m.rba, m.outcome_area, m.source, m.notes, m.suppression_threshold,
                  (SELECT string_agg(alias, '; ' ORDER BY alias) FROM metric_aliases a WHERE a.metric_code = m.metric_code) AS aliases,
                  -- A loaded value of the metric is a current one (or replaced by a newer current one): the tables
                  -- partners have sent, kept by every load and undo, say it without reading the observations.
                  m.metric_code IN (SELECT metric_code FROM kept_received_tables) AS has_data,
                  false AS computed
           FROM metrics m
           UNION ALL BY NAME
           SELECT r.metric_code, r.name, r.definition, r.unit, r.direction, 'backbone' AS level, r.activity, r.component,
                  r.phase, r.horizon, 'Backbone effectiveness' AS outcome_area,
                  'Computed by Backbone from what happens in the app' AS source, 0 AS suppression_threshold,
                  EXISTS (SELECT 1 FROM computed_measure_trends t WHERE t.metric_code = r.metric_code) AS has_data,
                  true AS computed
           FROM ref_computed_measures r)
           SELECT * FROM catalog
           WHERE $search = '' OR concat_ws(' ', name, definition, aliases, outcome_area, metric_code) ILIKE '%' || $search || '%'
           ORDER BY CASE level WHEN 'community_outcome' THEN 1 WHEN 'partner_performance' THEN 2 ELSE 3 END, name""",
        {"search": search.strip()},
        db,
    )


def headline_trends(level: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Each metric of a level at its headline geography (the whole community, else the median place), all groups."""
    return _read(
        f"""WITH ranked AS (
               SELECT *, dense_rank() OVER (PARTITION BY metric_code ORDER BY geography <> 'Community') AS pick
               FROM {_rel('outcome_trends', public)}
               WHERE level = $level AND geography IN ('Community', 'Median of places') AND dimension = 'All'
           )
           SELECT r.* EXCLUDE (pick), m.definition, m.source, m.notes, m.outcome_area
           FROM ranked r JOIN metrics m USING (metric_code)
           WHERE pick = 1
           ORDER BY m.outcome_area, r.metric_name, r.period_end""",
        {"level": level},
        db,
    )


def place_spread(metric_code: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Lowest, median and highest place per period, for a metric known only by place."""
    return _read(
        f"""SELECT metric_code, period_label, year(period_end) AS period_year, value, low_value, high_value,
                  low_place, high_place, n_places, n_places_above_zero
           FROM {_rel('place_medians', public)} WHERE metric_code = $metric AND dimension = 'All' ORDER BY period_end""",
        {"metric": metric_code},
        db,
    )


def geographies(metric_code: str, public: bool = True, db: str | None = None) -> list[str]:
    """The places a metric has data for: the whole community (or median place) first, then by name."""
    frame = _read(
        f"""SELECT DISTINCT geography FROM {_rel('outcome_trends', public)} WHERE metric_code = $metric
           ORDER BY geography NOT IN ('Community', 'Median of places'), geography""",
        {"metric": metric_code},
        db,
    )
    return frame.geography.tolist()


def dimensions(metric_code: str, geography: str, public: bool = True, db: str | None = None) -> list[str]:
    """The disaggregations a metric has at a place (never 'All')."""
    frame = _read(
        f"""SELECT DISTINCT dimension FROM {_rel('community_outcomes', public)}
           WHERE metric_code = $metric AND geography = $geography AND dimension <> 'All' ORDER BY dimension""",
        {"metric": metric_code, "geography": geography},
        db,
    )
    return frame.dimension.tolist()


def trend(metric_code: str, geography: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """The turn-the-curve series for one metric and place, all groups together."""
    return _read(
        f"""SELECT t.*, m.definition, m.source, m.notes
           FROM {_rel('outcome_trends', public)} t JOIN metrics m USING (metric_code)
           WHERE t.metric_code = $metric AND t.geography = $geography AND t.dimension = 'All' AND t.group_value = 'All'
           ORDER BY t.period_end""",
        {"metric": metric_code, "geography": geography},
        db,
    )


def group_trend(metric_code: str, geography: str, dimension: str, group_value: str, public: bool = True,
                db: str | None = None) -> pd.DataFrame:
    """The turn-the-curve series of one group (an equity plan's curve), shaped like `trend`."""
    return _read(
        f"""SELECT t.*, m.definition, m.source, m.notes
           FROM {_rel('outcome_trends', public)} t JOIN metrics m USING (metric_code)
           WHERE t.metric_code = $metric AND t.geography = $geography AND t.dimension = $dimension
             AND t.group_value = $group
           ORDER BY t.period_end""",
        {"metric": metric_code, "geography": geography, "dimension": dimension, "group": group_value},
        db,
    )


def by_group(metric_code: str, geography: str, dimension: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Each group's value over time for one disaggregation, with suppressed cells kept (value empty)."""
    return _read(
        f"""SELECT metric_code, period_label, year(period_end) AS period_year, period_end, group_value, value, numerator,
                  denominator, suppressed, suppression_marks, suppression_reason, display, unstable, n_partners,
                  coalesce(c.colour_index, 0) AS colour_index
           FROM {_rel('community_outcomes', public)} LEFT JOIN group_colours AS c USING (dimension, group_value)
           WHERE metric_code = $metric AND geography = $geography AND dimension = $dimension
           ORDER BY period_end, group_value""",
        {"metric": metric_code, "geography": geography, "dimension": dimension},
        db,
    )


def equity(metric_code: str, geography: str, dimension: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Each group's gap to the best-off group over time."""
    return _read(
        f"""SELECT metric_code, period_label, year(period_end) AS period_year, group_value, value, best_group, best_value,
                  gap_to_best, ratio_to_best, all_value, difference_to_all, gap_change_since_baseline, gap_trend,
                  coalesce(c.colour_index, 0) AS colour_index
           FROM {_rel('equity_gaps', public)} LEFT JOIN group_colours AS c USING (dimension, group_value)
           WHERE metric_code = $metric AND geography = $geography AND dimension = $dimension
           ORDER BY period_end, group_value""",
        {"metric": metric_code, "geography": geography, "dimension": dimension},
        db,
    )


def places_over_time(metric_code: str, places: tuple[str, ...], public: bool = True, db: str | None = None) -> pd.DataFrame:
    """The series of several places (the community, the median place or any place) for one metric, to compare them."""
    return _read(
        f"""SELECT metric_code, geography, period_label, period_year, period_end, value, suppressed, suppression_reason,
                  display, unit
           FROM {_rel('outcome_trends', public)}
           WHERE metric_code = $metric AND list_contains($places, geography) AND dimension = 'All' AND group_value = 'All'
           ORDER BY list_position($places, geography), period_end""",
        {"metric": metric_code, "places": list(places)},
        db,
    )


def comparison_places(metric_code: str, public: bool = True, db: str | None = None) -> list[str]:
    """The catalog's comparison places (the state, the nation) with data for a metric, to set beside the community."""
    frame = _read(
        f"""SELECT DISTINCT geography FROM {_rel('community_comparisons', public)}
           WHERE metric_code = $metric AND role = 'comparison' AND dimension = 'All' AND value IS NOT NULL
           ORDER BY geography""",
        {"metric": metric_code},
        db,
    )
    return frame.geography.tolist()


def equity_summary(public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Every community outcome with groups: the group furthest behind, its gap, and which way the gap has moved."""
    return _read(
        f"""SELECT * FROM {_rel('equity_summary', public)}
           WHERE level = 'community_outcome' AND geography = 'Community'
           ORDER BY relative_gap DESC NULLS LAST, metric_name, dimension""",
        db=db,
    )


def boundaries(db: str | None = None) -> pd.DataFrame:
    """The partnership's boundary files, with their area names (JSON) and geometry (GeoJSON or TopoJSON text)."""
    return _read("""SELECT file_name, format, object_name, name_property, source, area_names_json, geometry_json
                    FROM boundaries ORDER BY file_name""", db=db)


def places_latest(metric_code: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Every place's value in the metric's latest period with place data, all groups together."""
    return _read(
        f"""WITH places AS (
               SELECT * FROM {_rel('community_outcomes', public)}
               WHERE metric_code = $metric AND geography <> 'Community' AND dimension = 'All'
                   AND geography NOT IN (SELECT place FROM places WHERE role = 'comparison')  -- benchmarks, not ours
           )
           SELECT geography, period_label, value, suppressed, suppression_reason, display FROM places
           WHERE period_end = (SELECT max(period_end) FROM places)
           ORDER BY value DESC NULLS LAST""",
        {"metric": metric_code},
        db,
    )


def activity_scorecard(public: bool = True, db: str | None = None) -> pd.DataFrame:
    """The six activities with their measures (one row per measure; activities without measures once)."""
    return _read(f"SELECT * FROM {_rel('activity_scorecard', public)} ORDER BY activity, horizon DESC, metric_name", db=db)


def level_series(level: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Whole-community series of every metric of a level (backbone: the computed measures too), for sparklines."""
    return _read(
        f"""SELECT metric_code, period_label, period_year, value, target_value, target_year
           FROM {_rel('outcome_trends', public)}
           WHERE level = $level AND geography = 'Community' AND dimension = 'All' AND group_value = 'All'
           UNION ALL
           SELECT metric_code, period_label, period_year, value, NULL, NULL FROM computed_measure_trends
           WHERE level = $level
           ORDER BY metric_code, period_label""",
        {"level": level},
        db,
    )


def partner_performance(public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Partner performance measures with their latest whole-community value and the partners who report them."""
    return _read(
        f"""WITH latest AS (
               SELECT DISTINCT metric_code, metric_name, unit, direction, latest_period, latest_value, baseline_value,
                      baseline_year, change_since_baseline, target_value, target_year, status
               FROM {_rel('outcome_trends', public)}
               WHERE level = 'partner_performance' AND geography = 'Community' AND dimension = 'All' AND group_value = 'All'
           ),
           reporters AS (
               -- A partner's loaded value is current, or replaced by a newer one of its own: the same partners as
               -- current_observations names, from the tables each has sent (kept by every load and undo).
               SELECT r.metric_code, string_agg(DISTINCT p.name, ', ') AS partners
               FROM kept_received_tables r JOIN partners p ON p.partner_code = r.partner_code
               GROUP BY ALL
           )
           SELECT m.rba, m.metric_code, m.name AS metric_name, m.unit, m.direction, m.definition, r.partners,
                  l.* EXCLUDE (metric_code, metric_name, unit, direction)
           FROM metrics m
           LEFT JOIN latest l USING (metric_code)
           LEFT JOIN reporters r USING (metric_code)
           WHERE m.level = 'partner_performance'
           ORDER BY CASE m.rba WHEN 'how_much' THEN 1 WHEN 'how_well' THEN 2 WHEN 'better_off' THEN 3 ELSE 4 END, m.name""",
        db=db,
    )


def phase_matrix(db: str | None = None) -> pd.DataFrame:
    """The 12 cells of the phase matrix."""
    return _read("SELECT * FROM phase_matrix ORDER BY component_order, phase_order", db=db)


def milestones(phase: str, component: str, db: str | None = None) -> pd.DataFrame:
    """The milestones of one cell of the phase matrix."""
    return _read(
        """SELECT milestone_id, title, status, status_date, note FROM milestones
           WHERE phase = $phase AND component = $component ORDER BY status_date NULLS LAST, title""",
        {"phase": phase, "component": component},
        db,
    )


def evidence(phase: str, component: str, public: bool = True, db: str | None = None) -> pd.DataFrame:
    """Catalog metrics that evidence one cell, with their latest whole-community value where there is one."""
    return _read(
        f"""WITH latest AS (
               SELECT DISTINCT metric_code, latest_period, latest_value, status FROM {_rel('outcome_trends', public)}
               WHERE geography IN ('Community', 'Median of places') AND dimension = 'All'
           )
           SELECT m.metric_code, m.name AS metric_name, m.unit, l.latest_period, l.latest_value, l.status
           FROM metrics m LEFT JOIN latest l USING (metric_code)
           WHERE m.phase = $phase AND m.component = $component ORDER BY m.name""",
        {"phase": phase, "component": component},
        db,
    )


def partners_overview(db: str | None = None) -> pd.DataFrame:
    """Partners with their backbone roles (in words), what they contribute and when they last sent data."""
    frame = _read(
        """WITH roles AS (
               SELECT partner_code, list(role ORDER BY role) AS role_codes, min(since) AS role_since
               FROM backbone_roles GROUP BY ALL
           ),
           contributions AS (
               -- Per partner and table, kept by every load and undo (queries/096_received_tables.sql).
               SELECT partner_code, count(DISTINCT metric_code) AS metrics_reported,
                      sum(current_values)::BIGINT AS current_values, string_agg(DISTINCT metric_code, ', ') AS metric_codes
               FROM kept_received_tables GROUP BY ALL
           ),
           last_upload AS (
               SELECT partner_code, max(uploaded_at) AS last_submission, count(*) AS uploads
               FROM uploads WHERE kind = 'partner' AND status = 'loaded' GROUP BY ALL
           )
           SELECT p.partner_code, p.name, p.sector, p.contact, r.role_codes, r.role_since,
                  coalesce(c.metrics_reported, 0) AS metrics_reported, coalesce(c.current_values, 0) AS current_values,
                  c.metric_codes, u.last_submission, coalesce(u.uploads, 0) AS uploads
           FROM partners p
           LEFT JOIN roles r USING (partner_code)
           LEFT JOIN contributions c USING (partner_code)
           LEFT JOIN last_upload u USING (partner_code)
           ORDER BY p.name""",
        db=db,
    )
    frame["roles"] = frame.pop("role_codes").map(_role_words)
    return frame


def _role_words(codes: object) -> str:
    """A partner's role codes as the words the page shows (no roles: empty)."""
    if not pd.api.types.is_list_like(codes):  # NULL arrives as None, NaN or pd.NA
        return ""
    return ", ".join(BACKBONE_ROLES.get(code, code) for code in codes)


def backbone_roles(db: str | None = None) -> pd.DataFrame:
    """Which partner plays which backbone function, since when."""
    return _read(
        """SELECT r.role, p.name AS partner, r.partner_code, r.since, r.note
           FROM backbone_roles r LEFT JOIN partners p USING (partner_code) ORDER BY r.role, p.name""",
        db=db,
    )


def submission_status(user: User, db: str | None = None) -> pd.DataFrame:
    """Partner x metric x period: expected, received, late, missing (a partner sees its own rows)."""
    require(user, "see_partners")
    return _read(
        """SELECT * FROM submission_status WHERE $partner IS NULL OR partner_code = $partner
           ORDER BY partner_name, metric_name, period_label""",
        {"partner": None if user.is_director else user.partner_code},
        db,
    )


def uploads(user: User, db: str | None = None) -> pd.DataFrame:
    """Every upload the user may see, newest first: all for a director, their own organisation's for a partner."""
    require(user, "see_raw")
    return _read(
        """SELECT u.upload_id, u.uploaded_at, u.uploaded_by, u.kind, u.partner_code, p.name AS partner, u.file_name,
                  u.status, u.rows_loaded, u.rows_new, u.rows_changed, u.rows_unchanged, u.rows_suppressed,
                  u.rows_missing, u.replaced_uploads, u.undone_at, u.undone_by
           FROM uploads u LEFT JOIN partners p USING (partner_code)
           WHERE $partner IS NULL OR u.partner_code = $partner
           ORDER BY u.load_seq DESC""",
        {"partner": None if user.is_director else user.partner_code},
        db,
    )


def _require_upload_owner(upload_id: str, user: User, db: str | None) -> None:
    """Refuse, in words, an upload that does not exist or is another partner's."""
    owner = database.cursor(db).execute("SELECT partner_code FROM uploads WHERE upload_id = ?", [upload_id]).fetchone()
    if owner is None:
        raise BackboneError(f"No upload with id '{upload_id}'.")
    require(user, "see_raw", owner[0])


def upload_detail(upload_id: str, user: User, db: str | None = None) -> pd.DataFrame:
    """One upload (for a link to it), if the user may see it: refused politely for another partner's upload."""
    _require_upload_owner(upload_id, user, db)
    return uploads(user, db).query("upload_id == @upload_id")


def recipes(user: User, db: str | None = None) -> pd.DataFrame:
    """The partners' saved recipes the user may see (all for a director, their own for a partner), by partner."""
    require(user, "see_raw")
    return _read(
        """SELECT p.name AS partner, r.name, r.saved_at, r.saved_by, r.last_used_at, r.mapping_json AS mapping
           FROM recipes r LEFT JOIN partners p USING (partner_code)
           WHERE $partner IS NULL OR r.partner_code = $partner
           ORDER BY p.name, r.saved_at DESC""",
        {"partner": None if user.is_director else user.partner_code},
        db,
    )


def held_back(user: User, db: str | None = None) -> pd.DataFrame:
    """Tables whose newest figures are held back from partners and the public (store/holdback.py), for directors: the
    metric by name, the period, since when, and why."""
    require(user, "see_unsuppressed")
    return _read(
        """SELECT coalesce(m.name, h.metric_code) AS metric, h.period_label, h.held_since, h.judged_at, h.cells, h.reason
           FROM held_back h LEFT JOIN metrics m USING (metric_code)
           ORDER BY metric, h.period_label""", None, db)


def upload_impacts(user: User, db: str | None = None) -> pd.DataFrame:
    """The partner loads the user may see that kept what they changed on the dashboard (impact_json), newest first."""
    require(user, "see_raw")
    return _read(
        """SELECT u.upload_id, u.uploaded_at, p.name AS partner, u.file_name, u.status, u.impact_json
           FROM uploads u LEFT JOIN partners p USING (partner_code)
           WHERE u.kind = 'partner' AND u.impact_json IS NOT NULL AND ($partner IS NULL OR u.partner_code = $partner)
           ORDER BY u.load_seq DESC""",
        {"partner": None if user.is_director else user.partner_code},
        db,
    )


def undo_preview(upload_id: str, user: User, db: str | None = None) -> pd.DataFrame:
    """What undoing an upload would do: its current values that would leave, and the earlier values that would return."""
    _require_upload_owner(upload_id, user, db)
    return _read(
        """WITH target AS (
               SELECT u.upload_id, u.file_name, u.uploaded_at, u.load_seq, p.name AS partner
               FROM uploads u LEFT JOIN partners p USING (partner_code) WHERE u.upload_id = $upload
           ),
           leaving AS (
               SELECT partner_code, metric_code, period_label, geography, dimension, group_value
               FROM current_observations WHERE upload_id = $upload
           ),
           -- For each value leaving, the latest earlier version still loaded: it becomes current again.
           coming_back AS (
               SELECT l.*, u.file_name, u.uploaded_at
               FROM leaving l
               JOIN observations o USING (partner_code, metric_code, period_label, geography, dimension, group_value)
               JOIN uploads u ON u.upload_id = o.upload_id
               WHERE u.status = 'loaded' AND u.load_seq < (SELECT load_seq FROM target)
               QUALIFY row_number() OVER (PARTITION BY l.partner_code, l.metric_code, l.period_label, l.geography,
                                                       l.dimension, l.group_value ORDER BY u.load_seq DESC) = 1
           )
           SELECT t.file_name, t.partner, t.uploaded_at,
                  (SELECT count(*) FROM leaving) AS values_leaving,
                  (SELECT count(*) FROM coming_back) AS values_returning,
                  (SELECT string_agg(DISTINCT file_name, ', ' ORDER BY file_name) FROM coming_back) AS returning_from
           FROM target t""",
        {"upload": upload_id},
        db,
    )


def data_freshness(db: str | None = None) -> pd.DataFrame:
    """When partner data last arrived, and whether the demo initiative is what the store holds."""
    return _read(
        """SELECT max(uploaded_at) FILTER (WHERE kind = 'partner' AND status = 'loaded') AS last_partner_load,
                  coalesce(bool_or(uploaded_by = $demo), false) AS demo_loaded
           FROM uploads""",
        {"demo": config.DEMO_USER},
        db,
    )


def partners(db: str | None = None) -> pd.DataFrame:
    """Partner codes and names, for pickers."""
    return _read("SELECT partner_code, name FROM partners ORDER BY name", db=db)


def initiative_phase(db: str | None = None) -> pd.DataFrame:
    """Each component's phase reached, for the phase-at-a-glance strip."""
    return _read(
        """SELECT DISTINCT component, component_name, component_order, component_phase_reached
           FROM phase_matrix ORDER BY component_order""",
        db=db,
    )
