"""The shared page frame: page setup, the sidebar, cached reads keyed on the data version, common widgets."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from backbone import charts, config, queries, store
from backbone.demo import DEMO_USER, ensure_demo
from backbone.export import frame_to_xlsx
from backbone.formatting import Status, direction_words, md, status
from backbone.template import template_bytes

PAGES = [
    ("app.py", "Community dashboard", ":material/dashboard:"),
    ("pages/1_Outcomes.py", "Outcomes over time", ":material/show_chart:"),
    ("pages/2_Backbone_activities.py", "Backbone activities", ":material/hub:"),
    ("pages/3_Phases.py", "Phases of collective impact", ":material/grid_view:"),
    ("pages/4_Partners.py", "Partners and the backbone", ":material/groups:"),
    ("pages/5_Upload.py", "Upload data", ":material/upload_file:"),
    ("pages/6_Data_and_history.py", "Data and history", ":material/history:"),
]


@st.cache_resource(show_spinner="Opening the store…")
def _open_store(db: str) -> bool:
    """Open (create, upgrade) the store once per process, loading the demo into an empty one."""
    store.connect(db)
    return ensure_demo(db)


def setup_page(title: str, icon: str) -> None:
    """Every page calls this first: page config, the store, the sidebar. Deep links run it too."""
    st.set_page_config(page_title=f"{title} · Backbone", page_icon=icon, layout="wide")
    _open_store(config.db_path())
    with st.sidebar:
        st.markdown("### Backbone")
        st.caption("Shared measurement for a collective-impact partnership")
        for path, label, page_icon in PAGES:
            st.page_link(path, label=label, icon=page_icon)
        st.divider()
        uploads = read("uploads")
        partner_loads = uploads[(uploads.kind == "partner") & (uploads.status == "loaded")]
        if len(partner_loads):
            st.caption(f"Data last updated {pd.Timestamp(partner_loads.uploaded_at.max()):%d %b %Y, %H:%M}")
        if (uploads.uploaded_by == DEMO_USER).any():
            st.caption("Demo initiative: real public data (Baltimore BNIA-JFI Vital Signs; Kentucky Department of "
                       "Education) with illustrative partners, targets and backbone measures.")


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, db: str, version: tuple, args: tuple) -> pd.DataFrame:
    return getattr(queries, name)(*args, db=db)


def read(name: str, *args) -> pd.DataFrame:
    """A named read from backbone.queries, cached until the next upload, undo or catalog change."""
    db = config.db_path()
    return _cached(name, db, store.data_version(db), tuple(args))


def read_list(name: str, *args) -> list:
    """A named read that returns a list (choices for a picker), cached like `read`."""
    db = config.db_path()
    return list(_cached_list(name, db, store.data_version(db), tuple(args)))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_list(name: str, db: str, version: tuple, args: tuple) -> tuple:
    return tuple(getattr(queries, name)(*args, db=db))


def clear_caches() -> None:
    """After a write in this session: the data version changes anyway; this frees memory sooner."""
    _cached.clear()
    _cached_list.clear()


def current_user() -> str:
    """Who is using the app, as recorded with uploads and undos (sign-in is not configured yet)."""
    return "local director"


@st.cache_data(show_spinner=False, max_entries=4)
def _template(db: str, version: tuple) -> bytes:
    return template_bytes(db)


def template_download() -> None:
    """The partner workbook template for the catalog as it is now."""
    db = config.db_path()
    st.download_button("Download the template", _template(db, store.data_version(db)), "backbone-template.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")


def choose(label: str, choices: dict[str, str], key: str, container=st, **options) -> str | None:
    """A picker bound to the URL: people see (and links carry) the readable label; the page gets the code.

    Streamlit's `bind="query-params"` writes the shown text into the URL, so the labels are the options.
    """
    codes: dict[str, str] = {}
    for code, text in choices.items():
        codes[text if text not in codes else f"{text} ({code})"] = code
    chosen = container.selectbox(label, list(codes), key=key, bind="query-params", **options)
    return codes.get(chosen)


@st.cache_data(show_spinner=False, max_entries=2048)
def _chart_spec(builder: str, args: tuple) -> dict:
    # Altair spends ~50 ms building and validating a chart; its inputs are cached reads, so build each spec once.
    return getattr(charts, builder)(*args).to_dict()


def chart(builder: Callable[..., alt.TopLevelMixin], *args, description: str, key: str | None = None) -> None:
    """Draw `builder(*args)` (a function of backbone.charts) full width, with a text alternative for screen readers."""
    st.vega_lite_chart(spec=_chart_spec(builder.__name__, args), theme=None, width="stretch", alt=description, key=key)


def table(frame: pd.DataFrame, label: str = "Show as a table", columns: dict | None = None, expanded: bool = False) -> None:
    """The table alternative for a chart, in an expander."""
    with st.expander(label, expanded=expanded):
        st.dataframe(frame, hide_index=True, column_config=columns, width="stretch")


def downloads(frame: pd.DataFrame, base_name: str, key: str) -> None:
    """Download what is shown, as CSV and as Excel."""
    left, right = st.columns(2)
    left.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"), f"{base_name}.csv", "text/csv",
                         key=f"{key}-csv", icon=":material/download:", width="stretch")
    right.download_button("Download Excel", frame_to_xlsx(frame), f"{base_name}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}-xlsx",
                          icon=":material/download:", width="stretch")


def status_badge(value: object) -> Status:
    """Show a status as a coloured badge with words and symbol; returns how it reads."""
    shown = status(value)
    st.badge(f"{shown.symbol} {shown.words}", color=shown.badge)
    return shown


def about_metric(row: pd.Series) -> None:
    """What a metric means, which way is better, where it came from, how fresh it is, in plain words."""
    parts = [f"**{md(row.metric_name)}**: {md(row.definition) or 'no definition in the catalog yet.'}",
             f"*{direction_words(row.direction).capitalize()}.*"]
    if getattr(row, "source", None):
        parts.append(f"Source: {md(row.source)}.")
    if pd.notna(getattr(row, "last_updated", None)):
        parts.append(f"Latest period {md(row.latest_period)}; loaded {pd.Timestamp(row.last_updated):%d %b %Y}.")
    st.caption(" ".join(parts))
    if getattr(row, "notes", None):
        st.caption(f"Note: {md(row.notes)}")


def empty_state(message: str) -> None:
    """What to do next when there is nothing to show."""
    st.info(message, icon=":material/info:")
