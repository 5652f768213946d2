"""The public site's pages as HTML text: every page readable with scripts off (a drawn image and a table for each
chart), headings in order, a language, a skip link, landmarks; every address relative, so the folder works anywhere."""

from __future__ import annotations

import json
from html import escape

import pandas as pd

from backbone.show.formatting import direction_words, gap_trend, is_missing, number, unit_label
from backbone.show.site.content import Chart, Outcome, Site, plan_actions
from backbone.show.tables import HumanTable
from backbone.vocab import PHASES

EMBED_HEIGHT = 480  # px: the iframe snippet's height (the embed page fits any width and this height)
CURRENT, NUM, BASE_SET = ' aria-current="page"', ' class="num"', ' data-base="set"'
NAV = [("index.html", "Community dashboard"), ("activities.html", "Activities and phase"), ("about.html", "About the data")]


def e(value: object) -> str:
    """Text made safe for HTML (quotes too: it goes into attributes)."""
    return escape("" if value is None or is_missing(value) else str(value), quote=True)


def page(title: str, body: str, site: Site, prefix: str = "", scripts: tuple[str, ...] = (), current: str = "") -> str:
    """A whole page: head, skip link, the site's navigation, the content, the footer with the data's vintage."""
    links = "".join(f'<li><a href="{prefix}{href}"{CURRENT if href == current else ""}>{e(label)}</a></li>'
                    for href, label in NAV)
    tail = "".join(f'<script src="{prefix}{src}" defer></script>' for src in scripts)
    demo = ('<p class="demo">Demo initiative: real public data (Baltimore BNIA-JFI Vital Signs; Kentucky Department of '
            'Education) with illustrative partners, targets and plans.</p>') if site.demo else ""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{e(title)}</title>\n'
            f'<link rel="icon" href="{prefix}assets/favicon.png">\n'
            f'<link rel="stylesheet" href="{prefix}assets/site.css">\n</head>\n<body>\n'
            f'<a class="skip" href="#main">Skip to the content</a>\n'
            f'<header class="site"><p class="site-name"><a href="{prefix}index.html">Community outcomes</a></p>'
            f'<nav aria-label="Site"><ul>{links}</ul></nav></header>\n'
            f'<main id="main">\n{body}\n</main>\n'
            f'<footer class="site">{demo}<p>Data as of {e(site.vintage_text)}. Small numbers are not shown, to protect '
            f'the people behind them (<a href="{prefix}about.html#small-numbers">why</a>). Published with Backbone.</p></footer>\n'
            f'{tail}\n</body>\n</html>\n')


def table(frame: HumanTable | pd.DataFrame, caption: str, numeric: tuple[str, ...] = ()) -> str:
    """A table people read, in a region that scrolls sideways on a narrow screen (and can be reached by keyboard)."""
    if isinstance(frame, HumanTable):
        numeric, frame = tuple(frame.numeric), frame.frame
    head = "".join(f'<th scope="col"{NUM if c in numeric else ""}>{e(c)}</th>' for c in frame.columns)
    rows = "".join("<tr>" + "".join(f'<td{NUM if c in numeric else ""}>{e(v)}</td>'
                                    for c, v in zip(frame.columns, values, strict=True)) + "</tr>\n"
                   for values in frame.itertuples(index=False, name=None))
    return (f'<div class="table-wrap" role="region" aria-label="{e(caption)}" tabindex="0"><table>'
            f'<caption>{e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>\n{rows}</tbody></table></div>')


def embed_snippet(chart_id: str, title: str, base_url: str) -> str:
    """The <iframe> a partner pastes into their own site to show one chart of the published site."""
    return (f'<iframe src="{e(base_url)}embed/{e(chart_id)}.html" title="{e(title)}" width="100%" '
            f'height="{EMBED_HEIGHT}" style="border:0" loading="lazy"></iframe>')


def chart_figure(chart: Chart, prefix: str, embed: bool = False) -> str:
    """The chart: drawn as an image (what shows with scripts off and what prints) and, where scripts run, the same chart
    interactive in its place."""
    w, h = chart.size
    return (f'<figure class="chart{" fill" if embed else ""}" data-chart="{e(chart.chart_id)}">'
            f'<div class="chart-live" role="img" aria-label="{e(chart.description)}"></div>'
            f'<img class="chart-static" src="{prefix}charts/{e(chart.chart_id)}.svg" width="{w}" height="{h}" '
            f'alt="{e(chart.description)}">'
            + ("" if embed else f"<figcaption>{e(chart.takeaway)}</figcaption>") + "</figure>")


def chart_section(chart: Chart, base_url: str, level: int = 2) -> str:
    """A chart with its takeaway, its table, what is hidden and why, its downloads and its embed snippet."""
    hidden = ("<p class=\"hidden-values\"><strong>Not shown, to protect small numbers:</strong> "
              + e("; ".join(chart.hidden)) + ".</p>") if chart.hidden else ""
    note = f'<p class="note">{e(chart.note)}</p>' if chart.note else ""
    snippet = embed_snippet(chart.chart_id, chart.title, base_url)
    where = "" if base_url else (' <span class="note">(the address where this site is published goes before '
                                 '<code>embed/</code>)</span>')
    return (f'<section id="{e(chart.chart_id)}" aria-labelledby="h-{e(chart.chart_id)}">'
            f'<h{level} id="h-{e(chart.chart_id)}">{e(chart.heading)}</h{level}>\n'
            f"{chart_figure(chart, '../')}\n{note}{hidden}\n"
            f"{table(chart.table, f'{chart.title}: the values')}\n"
            f'<p class="downloads">Download what this chart shows: <a href="../data/{e(chart.chart_id)}.csv" download>CSV</a>'
            f' · <a href="../data/{e(chart.chart_id)}.xlsx" download>Excel</a> · '
            f'<a href="../embed/{e(chart.chart_id)}.html">the chart alone</a></p>\n'
            f'<details class="embed"><summary>Embed this chart</summary><p>Paste this into a web page:{where}</p>'
            f'<pre><code data-embed="../embed/{e(chart.chart_id)}.html"{BASE_SET if base_url else ""}>'
            f"{e(snippet)}</code></pre></details>\n</section>")


def _status(outcome: Outcome) -> str:
    return f'<span class="status" style="color:{outcome.status.colour}">{e(outcome.status.symbol)} {e(outcome.status.words)}</span>'


def _key_numbers(outcome: Outcome) -> str:
    return ('<dl class="numbers">'
            f"<div><dt>Latest ({e(outcome.latest_period)})</dt><dd>{e(outcome.latest)}</dd></div>"
            f"<div><dt>Change</dt><dd>{e(outcome.change)}</dd></div>"
            f"<div><dt>Target</dt><dd>{e(outcome.target)}</dd></div>"
            f"<div><dt>Status</dt><dd>{_status(outcome)}</dd></div></dl>")


def home(site: Site) -> str:
    """The community dashboard: where the initiative is, each outcome's latest value, change, status and takeaway,
    and equity at a glance."""
    parts = ["<h1>Community dashboard</h1>",
             "<p class=\"lead\">Are the community's outcomes getting better? Each card shows the latest value, the change "
             "since the baseline and whether that change is for the better, with the target where one is set.</p>"]
    parts.append(_phase_strip(site))
    parts.append('<h2 id="outcomes">Community outcomes</h2>')
    if not site.outcomes:
        parts.append("<p>No community outcome has a value to show yet.</p>")
    parts.append('<ul class="cards">')
    for o in site.outcomes:
        card = (f'<img src="charts/{e(o.code)}-card.svg" width="400" height="150" alt="{e(o.card_text)}">'
                if o.card is not None else "<p>No value to show: every value is hidden to protect small numbers.</p>")
        parts.append(f'<li class="card"><h3><a href="outcomes/{e(o.code)}.html">{e(o.name)}</a></h3>'
                     f'<p class="where">{e(o.area)} · {e(o.where)}</p>{_key_numbers(o)}'
                     f"<p>{e(o.takeaway)}</p>{card}</li>")
    parts.append("</ul>")
    parts.append('<h2 id="equity">Equity at a glance</h2>')
    if site.equity.empty:
        parts.append("<p>No community outcome is broken down by group yet.</p>")
    else:
        parts.append("<p>For each outcome broken down by group: the group furthest behind the best-off group, the size "
                     "of that gap, and whether it has narrowed since the first period measured. Widest gaps first.</p>")
        rows = pd.DataFrame({
            "Outcome": site.equity.metric_name, "By": site.equity.dimension,
            "Gap since the first period": [f"{gap_trend(v).symbol} {gap_trend(v).words}" for v in site.equity.gap_trend],
            "Who is behind, and by how much": site.equity.line})
        parts.append(table(rows, "Equity at a glance: the widest gap of each breakdown"))
    parts.append('<p><a href="activities.html">The backbone\'s six activities and the phase of the initiative</a> · '
                 '<a href="about.html">About the data</a></p>')
    return "\n".join(parts)


def _phase_strip(site: Site) -> str:
    if site.phase.empty:
        return ""
    names = list(PHASES)
    reached = int(site.phase.component_phase_reached.min())
    working = names[min(reached, len(names) - 1)]
    items = "".join(f"<li><strong>{e(r.component_name)}</strong>: {_phase_done(int(r.component_phase_reached))}</li>"
                    for r in site.phase.itertuples())
    return (f'<h2 id="phase">Where the initiative is</h2><p>Working in <strong>Phase {working}: {e(PHASES[working])}'
            f'</strong>. Phases completed by component:</p><ul class="phase">{items}</ul>')


def _phase_done(reached: int) -> str:
    return f"Phase {list(PHASES)[reached - 1]} done" if reached else "Phase I under way"


def outcome_page(outcome: Outcome, site: Site, base_url: str) -> str:
    """One outcome: the key numbers and takeaway, each chart with its table and downloads, what it measures and where it
    comes from, and the turn-the-curve plans."""
    o = outcome
    parts = [f"<h1>{e(o.name)}</h1>", f'<p class="where">{e(o.area)} · {e(o.where)}</p>', _key_numbers(o),
             f'<p class="lead">{e(o.takeaway)}</p>',
             '<nav aria-label="On this page" class="toc"><ul>'
             + "".join(f'<li><a href="#{e(c.chart_id)}">{e(c.heading)}</a></li>' for c in o.charts)
             + '<li><a href="#about">What it measures</a></li>'
             + ('<li><a href="#plans">The plan</a></li>' if o.plans else "") + "</ul></nav>"]
    parts += [chart_section(c, base_url) for c in o.charts]
    hidden = sum(len(c.hidden) for c in o.charts)
    parts.append(
        '<section id="about" aria-labelledby="h-about"><h2 id="h-about">What it measures</h2><dl class="facts">'
        f"<div><dt>Definition</dt><dd>{e(o.definition)}</dd></div>"
        f"<div><dt>Unit</dt><dd>{e(unit_label(o.unit))}</dd></div>"
        f"<div><dt>Which way is better</dt><dd>{e(direction_words(o.direction).capitalize())}</dd></div>"
        f"<div><dt>Source</dt><dd>{e(o.source)}</dd></div>"
        f"<div><dt>Data as of</dt><dd>{e(site.vintage_text)} (latest period {e(o.latest_period)})</dd></div>"
        f"<div><dt>What is hidden, and why</dt><dd>"
        + (f"{hidden} value{'s' if hidden != 1 else ''} on this page are not shown, to protect small numbers: each chart "
           "lists its own, with the reason. " if hidden else "Nothing on this page is hidden. ")
        + '<a href="../about.html#small-numbers">The small-numbers rules</a>.</dd></div>'
        + (f"<div><dt>The story behind the curve</dt><dd>{e(o.notes)}</dd></div>" if o.notes else "")
        + "</dl></section>")
    if o.plans:
        parts.append('<section id="plans" aria-labelledby="h-plans"><h2 id="h-plans">Turning the curve: the plan</h2>')
        for plan in o.plans:
            parts.append(_plan(plan, site))
        parts.append("</section>")
    return "\n".join(parts)


def _plan(plan, site: Site) -> str:
    names = site.partner_names
    roles = "".join(f"<li>{e(names.get(r.partner_code, r.partner_code))}{f': {e(r.brings)}' if r.brings else ''}</li>"
                    for r in plan.roles) or "<li>None named yet.</li>"
    actions = "".join(f"<li>{e(line)}</li>" for line in plan_actions(plan, names)) or "<li>No actions yet.</li>"
    label = "Everyone" if plan.key.for_everyone else plan.key.label()
    return (f"<h3>For {e(label)}</h3>"
            + ('<p class="note">An illustrative plan, made up for the demo.</p>' if plan.illustrative else "")
            + f"<h4>The story behind the curve</h4><p>{e(plan.story or 'Not written yet.')}</p>"
            f"<h4>Partners with a role to play</h4><ul>{roles}</ul>"
            f"<h4>What works</h4><p>{e(plan.what_works or 'Not written yet.')}</p>"
            f"<h4>The action plan</h4><ul>{actions}</ul>")


def activities(site: Site) -> str:
    """The backbone's six activities with their measures, and the phase matrix."""
    parts = ["<h1>The backbone's six activities and the phase of the initiative</h1>",
             "<p class=\"lead\">A backbone organisation does six things for the partnership. Each activity's measures "
             "say whether it is working: the share moving the right way compares each latest value with its "
             "baseline.</p>"]
    scorecard = site.activities
    for activity, rows in scorecard.groupby("activity", sort=True):
        first = rows.iloc[0]
        share = "" if is_missing(first.share_moving_right_way) else f"{float(first.share_moving_right_way):.0%}"
        parts.append(f'<h2 id="activity-{int(activity)}">{int(activity)}. {e(first.activity_name)}</h2>')
        outcomes = " ".join(f"{label}: {text}." for label, text in (("Short term", first.short_term_outcome),
                                                                    ("Intermediate", first.intermediate_outcome))
                            if isinstance(text, str) and text)
        if outcomes:
            parts.append(f"<p>{e(outcomes)}</p>")
        measures = rows[rows.metric_code.notna()]
        if measures.empty:
            parts.append("<p>No measure for this activity yet.</p>")
            continue
        parts.append(f"<p>{int(first.n_measures_with_trend)} of {int(first.n_measures)} measures have a trend"
                     + (f"; {share} of those are moving the right way." if share else ".") + "</p>")
        frame = pd.DataFrame({
            "Measure": measures.metric_name, "Latest period": measures.latest_period.fillna(""),
            "Latest value": [number(v, u) for v, u in zip(measures.latest_value, measures.unit, strict=True)],
            "Status": [_status_words(v) for v in measures.status]})
        parts.append(table(frame, f"{first.activity_name}: its measures", ("Latest value",)))
    parts.append('<h2 id="phase">The phase of the initiative</h2>')
    if site.phase_matrix.empty:
        parts.append("<p>No phase recorded yet.</p>")
    else:
        parts.append(_phase_strip(site).replace('<h2 id="phase">Where the initiative is</h2>', ""))
        matrix = site.phase_matrix
        frame = pd.DataFrame({
            "Component": matrix.component_name, "Phase": [f"{p}: {n}" for p, n in zip(matrix.phase, matrix.phase_name, strict=True)],
            "What the work is": matrix.cell_work.fillna(""), "Status": matrix.cell_status.fillna("").astype(str).str.replace("_", " "),
            "Milestones done": [f"{int(d)} of {int(t)}" for d, t in zip(matrix.milestones_done.fillna(0),
                                                                       matrix.milestones_total.fillna(0), strict=True)]})
        parts.append(table(frame, "The phase matrix: each component in each phase"))
    return "\n".join(parts)


def _status_words(value: object) -> str:
    from backbone.show.formatting import status

    shown = status(value)
    return f"{shown.symbol} {shown.words}"


def about(site: Site, thresholds: pd.DataFrame) -> str:
    """Where the numbers come from, what each outcome measures, and the small-numbers rules."""
    parts = ["<h1>About the data</h1>",
             f'<p class="lead">The partners of this initiative send their data to the backbone, which checks it, combines '
             f"it and publishes the community's outcomes here. Data as of {e(site.vintage_text)}: the date the latest "
             "partner data was loaded.</p>",
             '<h2 id="outcomes">The outcomes, their definitions and sources</h2>']
    frame = pd.DataFrame({
        "Outcome": [o.name for o in site.outcomes], "What it measures": [o.definition for o in site.outcomes],
        "Unit": [unit_label(o.unit) for o in site.outcomes],
        "Which way is better": [direction_words(o.direction).capitalize() for o in site.outcomes],
        "Source": [o.source for o in site.outcomes], "Latest period": [o.latest_period for o in site.outcomes]})
    parts.append(table(frame, "Every outcome published here"))
    parts.append('<h2 id="small-numbers">Small numbers are not shown</h2>'
                 "<p>A value that rests on only a few people could identify them. So a value is not shown when it counts "
                 "fewer people than the outcome's threshold, when a partner marked it suppressed at source, when too few "
                 "partners contribute to it, or when it could be worked out from the values that are shown (a total "
                 "minus its other parts, say); another value is then hidden too, so that it cannot. A hidden value is "
                 "never shown as 0: tables and downloads leave it blank and say why. Rates are computed from summed "
                 "counts, never by averaging rates.</p>")
    if len(thresholds):
        parts.append(table(thresholds, "The smallest count shown, by outcome", ("Smallest count shown",)))
    parts.append('<h2 id="downloads">Downloads and embedding</h2>'
                 "<p>Every chart on an outcome's page has a CSV and an Excel download of exactly what it shows, and a "
                 "page of the chart alone, which other websites can embed with the snippet under the chart.</p>")
    if site.boundary_sources:
        parts.append('<h2 id="maps">Maps</h2><p>' + e("; ".join(site.boundary_sources)) + "</p>")
    parts.append('<h2 id="accessibility">Accessibility</h2><p>Every chart has a text alternative (its takeaway and its '
                 "values) and a table, and every page works with a keyboard, with scripts turned off and in print.</p>")
    return "\n".join(parts)


def embed_page(chart: Chart, outcome: Outcome, site: Site) -> str:
    """One chart alone, to sit in another site's iframe: its title, the chart fitting the frame, source and a link back."""
    credit = (f"Source: {e(outcome.source)} · Data as of {e(site.vintage_text)} · "
              f'<a href="../outcomes/{e(outcome.code)}.html#{e(chart.chart_id)}" target="_top">The data and more</a>')
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{e(chart.title)}</title>\n'
            f'<link rel="icon" href="../assets/favicon.png">\n'
            f'<link rel="stylesheet" href="../assets/site.css">\n</head>\n<body class="embed">\n'
            f'<main class="embed-frame"><h1>{e(chart.title)}</h1>'
            f'<p class="where">{e(outcome.where)} · {e(unit_label(outcome.unit))}</p>\n'
            f"{chart_figure(chart, '../', embed=True)}\n"
            f'<p class="credit">{credit}</p></main>\n'
            f'<script src="../assets/vega.js" defer></script><script src="../charts/{e(chart.chart_id)}.js" defer></script>'
            f'<script src="../assets/site.js" defer></script>\n</body>\n</html>\n')


def chart_script(chart_id: str, spec: dict) -> str:
    """A chart's spec as a script that registers it (a script, not a fetch: pages opened from disk may not fetch)."""
    return (f"(window.BACKBONE_CHARTS = window.BACKBONE_CHARTS || {{}})[{json.dumps(chart_id)}] = "
            f"{json.dumps(spec, sort_keys=True, separators=(',', ':'), ensure_ascii=True)};\n")
