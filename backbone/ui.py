"""The shared page frame: page setup, the sidebar, cached reads keyed on the data version, common widgets."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from backbone import config
from backbone.demo import ensure_demo
from backbone.errors import BackboneError
from backbone.intake.template import template_bytes
from backbone.show import charts, maps, render
from backbone.show.formatting import Status, direction_words, md, status
from backbone.show.slides import where_words
from backbone.show.tables import HumanTable, human_table
from backbone.store import auth, database, queries
from backbone.store.auth import User
from backbone.store.export import frame_to_csv, frame_to_xlsx

# Each page, and what a person must be allowed to do to open it (None: everyone signed in).
PAGES = [
    ("app.py", "Community dashboard", ":material/dashboard:", None),
    ("pages/1_Outcomes.py", "Outcomes over time", ":material/show_chart:", None),
    ("pages/2_Backbone_activities.py", "Backbone activities", ":material/hub:", None),
    ("pages/3_Phases.py", "Phases of collective impact", ":material/grid_view:", None),
    ("pages/4_Partners.py", "Partners and the backbone", ":material/groups:", "see_partners"),
    ("pages/5_Upload.py", "Upload data", ":material/upload_file:", "upload"),
    ("pages/6_Data_and_history.py", "Data and history", ":material/history:", "see_raw"),
    ("pages/7_Present.py", "Present", ":material/slideshow:", None),
]
SMALL_NUMBERS_KEY = "show-small-numbers"
# Who this script run is for, resolved once by setup_page (every page's first call) and read by every read after it.
THIS_RUN_USER_KEY = "signed-in-this-run"
THIS_RUN_FRESHNESS_KEY = "data-freshness-this-run"
THIS_RUN_VERSION_KEY = "data-version-this-run"


@st.cache_resource(show_spinner="Opening the store…")
def _open_store(db: str) -> bool:
    """Open (create, upgrade) the store once per process, loading the demo into an empty one."""
    database.connect(db)
    return ensure_demo(db)


# The browser tab's icon, served by this app. (A Material icon name as page_icon makes the browser fetch the icon
# from fonts.gstatic.com; the sidebar's Material icons are drawn from the font Streamlit ships, so they stay local.)
APP_ICON = config.PROJECT_ROOT / "assets" / "backbone-icon.png"


def setup_page(title: str, icon: str, needs: str | None = None, banner: bool = True) -> User:
    """Every page calls this first: page config, the store, sign-in, the sidebar, the role check. Deep links run it too.

    `icon` is the page's Material icon as the sidebar lists it (PAGES); every tab shows the app's own local icon.
    """
    st.set_page_config(page_title=f"{title} · Backbone", page_icon=str(APP_ICON), layout="wide")
    st.session_state.pop(THIS_RUN_VERSION_KEY, None)  # each run asks the store once which data it holds
    _open_store(config.db_path())
    mode = sign_in_mode()
    user = st.session_state[THIS_RUN_USER_KEY] = signed_in_user(mode)
    with st.sidebar:
        st.markdown("### Backbone")
        st.caption("Shared measurement for a collective-impact partnership")
        for path, label, page_icon, page_needs in PAGES:
            if page_needs is None or auth.can(user, page_needs):
                st.page_link(path, label=label, icon=page_icon)
        st.divider()
        # Read once a run: the sidebar says it, and every chart's "Data as of" says it again.
        freshness = st.session_state[THIS_RUN_FRESHNESS_KEY] = read("data_freshness").iloc[0]
        if pd.notna(freshness.last_partner_load):
            st.caption(f"Data last updated {pd.Timestamp(freshness.last_partner_load):%d %b %Y, %H:%M}")
        if freshness.demo_loaded:
            st.caption("Demo initiative: real public data (Baltimore BNIA-JFI Vital Signs; Kentucky Department of "
                       "Education) with illustrative partners, targets and backbone measures.")
        if auth.can(user, "see_unsuppressed"):
            st.toggle("Show small numbers", key=SMALL_NUMBERS_KEY,
                      help="Directors only: show values that partners and the public see suppressed (fewer than 11 people).")
        _account_box(user, mode)
    if banner and mode == "open":
        st.warning("Sign-in is not configured: you are the local director, and this app answers only on this computer "
                   "(127.0.0.1). See the README, 'Accounts', to switch sign-in on.", icon=":material/lock_open:")
    if needs is not None and not auth.can(user, needs):
        st.title(title)
        st.info(f"Sorry, this page is not open to you as {auth.ROLES[user.role].lower()}. The community dashboard and "
                "outcomes are; ask the backbone team if you need more.", icon=":material/block:")
        st.stop()
    return user


def sign_in_mode() -> str:
    """'oidc' with an identity provider in .streamlit/secrets.toml, 'local' once accounts have passwords, else 'open'."""
    try:
        if "auth" in st.secrets:
            return "oidc"
    except Exception:  # no secrets.toml at all: Streamlit raises rather than answering False
        pass
    return "local" if auth.local_accounts_exist(config.db_path()) else "open"


def signed_in_user(mode: str) -> User:
    """The person using this session; shows the sign-in (and stops the page) until there is one."""
    if mode == "open":
        return auth.LOCAL_DIRECTOR
    if mode == "oidc":
        if not st.user.get("is_logged_in", False):
            st.title("Backbone")
            st.markdown("Sign in with your organisation's account to see the partnership's data.")
            st.button("Sign in", type="primary", on_click=st.login)
            st.stop()
        user = auth.user_for_email(str(st.user.get("email", "")), config.db_path())
        if user is None:
            st.error(f"{md(st.user.get('email', 'Your account'))} is not registered with this partnership. Ask the "
                     "backbone team to add you.", icon=":material/block:")
            st.button("Sign out", on_click=st.logout)
            st.stop()
        return user
    user = st.session_state.get("user")
    if isinstance(user, User):
        return user
    _sign_in_form()
    st.stop()


def _sign_in_form() -> None:
    st.title("Sign in to Backbone")
    with st.form("sign-in"):
        email = st.text_input("Email", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                st.session_state["user"] = auth.sign_in(email, password, config.db_path())
            except BackboneError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.rerun()


def _account_box(user: User, mode: str) -> None:
    if mode == "open":
        return
    st.caption(f"Signed in as {md(user.label())}")
    if mode == "oidc":
        st.button("Sign out", on_click=st.logout)
    elif st.button("Sign out"):
        st.session_state.pop("user", None)
        st.rerun()


def current_user() -> User:
    """The signed-in person, as setup_page resolved them at the start of this run."""
    return st.session_state[THIS_RUN_USER_KEY]


def public() -> bool:
    """Whether reads show suppressed small cells as suppressed: always, unless a director switched them on."""
    return not (auth.can(current_user(), "see_unsuppressed") and st.session_state.get(SMALL_NUMBERS_KEY, False))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, db: str, version: tuple, args: tuple) -> pd.DataFrame:
    return getattr(queries, name)(*args, db=db)


def _scoped(name: str, args: tuple) -> tuple:
    """The read's arguments, plus who is reading and whether small cells are hidden, where the read takes them."""
    parameters = inspect.signature(getattr(queries, name)).parameters
    extra = ()
    if "user" in parameters:
        extra += (current_user(),)
    if "public" in parameters:
        extra += (public(),)
    return tuple(args) + extra


def _data_version(db: str) -> tuple:
    """The store's data version, asked once a script run (a page makes a dozen reads) and again after a write."""
    if THIS_RUN_VERSION_KEY not in st.session_state:
        st.session_state[THIS_RUN_VERSION_KEY] = database.data_version(db)
    return st.session_state[THIS_RUN_VERSION_KEY]


def read(name: str, *args) -> pd.DataFrame:
    """A named read from backbone.store.queries for this user, cached until the next upload, undo or catalog change."""
    db = config.db_path()
    return _cached(name, db, _data_version(db), _scoped(name, args))


def read_list(name: str, *args) -> list:
    """A named read that returns a list (choices for a picker), cached like `read`."""
    db = config.db_path()
    return list(_cached_list(name, db, _data_version(db), _scoped(name, args)))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_list(name: str, db: str, version: tuple, args: tuple) -> tuple:
    return tuple(getattr(queries, name)(*args, db=db))


def clear_caches() -> None:
    """After a write in this session: the data version changes (asked again now); this frees memory sooner."""
    st.session_state.pop(THIS_RUN_VERSION_KEY, None)
    _cached.clear()
    _cached_list.clear()


@st.cache_data(show_spinner=False, max_entries=4)
def _template(db: str, version: tuple) -> bytes:
    return template_bytes(db)


def template_download() -> None:
    """The partner workbook template for the catalog as it is now."""
    db = config.db_path()
    st.download_button("Download the template", _template(db, database.data_version(db)), "backbone-template.xlsx",
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


MAP_BUILDERS = {"choropleth"}  # chart builders that live in show.maps; the others are show.charts


@st.cache_data(show_spinner=False, max_entries=2048)
def _chart_spec(builder: str, args: tuple) -> dict:
    # Altair spends ~50 ms building and validating a chart; its inputs are cached reads, so build each spec once.
    module = maps if builder in MAP_BUILDERS else charts
    return getattr(module, builder)(*args).to_dict()


def chart(builder: Callable[..., alt.TopLevelMixin], *args, description: str, key: str | None = None,
          width: str = "stretch") -> dict:
    """Draw `builder(*args)` (a function of backbone.show.charts or .maps) full width, with a text alternative for
    screen readers; width "content" keeps the chart's own width (inside `scroll_sideways`, for a wide matrix).
    Returns the spec drawn, for a download of the same chart."""
    spec = _chart_spec(builder.__name__, args)
    st.vega_lite_chart(spec=spec, theme=None, width=width, alt=description, key=key)
    return spec


def scroll_sideways(key: str):
    """A container that scrolls sideways when what it holds is wider than the screen (a matrix on a phone)."""
    # A fixed style rule of the app's own (the key is ours, never user text).
    st.html(f"<style>.st-key-{key} {{ overflow-x: auto; }} .st-key-{key} > div {{ min-width: max-content; }}</style>")
    return st.container(key=key)


def table(frame: pd.DataFrame | HumanTable, label: str = "Show as a table", columns: dict | None = None,
          expanded: bool = False) -> None:
    """The table alternative for a chart, in an expander (a HumanTable's numbers aligned to the right)."""
    with st.expander(label, expanded=expanded):
        show_table(frame, columns)


@st.cache_data(show_spinner=False, max_entries=256)
def human(frame: pd.DataFrame, columns: dict, unit: str = "number", units: pd.Series | None = None) -> HumanTable:
    """show.tables.human_table, cached: a table of a thousand rows is written once, not on every rerun."""
    return human_table(frame, columns, unit, units)


def show_table(frame: pd.DataFrame | HumanTable, columns: dict | None = None) -> None:
    """A table full width; a HumanTable (backbone.show.tables) with its columns of numbers aligned to the right."""
    if isinstance(frame, HumanTable):
        columns = {title: st.column_config.TextColumn(title, alignment="right") for title in frame.numeric} | (columns or {})
        frame = frame.frame
    st.dataframe(frame, hide_index=True, column_config=columns, width="stretch")


def downloads(frame: pd.DataFrame, base_name: str, key: str, chart_spec: dict | None = None) -> None:
    """Download what is shown, as CSV and as Excel, and the chart (with its title, source and vintage) as PNG and SVG."""
    buttons = st.columns(4 if chart_spec is not None else 2)
    buttons[0].download_button("Download CSV", frame_to_csv(frame), f"{base_name}.csv", "text/csv",
                               key=f"{key}-csv", icon=":material/download:", width="stretch")
    # The workbook is written when asked for (openpyxl takes ~30 ms a table, on every rerun if written up front).
    buttons[1].download_button("Download Excel", lambda: frame_to_xlsx(frame), f"{base_name}.xlsx",
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}-xlsx",
                               on_click="ignore", icon=":material/download:", width="stretch")
    if chart_spec is not None:
        # Rendered on the server when asked for (vl-convert), in the app's font: the image explains itself.
        buttons[2].download_button("Chart (PNG)", lambda: render.png(chart_spec), f"{base_name}.png", "image/png",
                                   on_click="ignore", key=f"{key}-png", icon=":material/image:", width="stretch")
        buttons[3].download_button("Chart (SVG)", lambda: render.svg(chart_spec), f"{base_name}.svg", "image/svg+xml",
                                   on_click="ignore", key=f"{key}-svg", icon=":material/image:", width="stretch")


def chart_context(title: str, geography: str, groups: str, unit: str, source: object, note: str = "") -> charts.ChartContext:
    """What a chart on a page says about itself (title, place, groups, unit, source, the data's vintage) when downloaded."""
    loaded = st.session_state[THIS_RUN_FRESHNESS_KEY].last_partner_load
    return charts.ChartContext(title, where_words(geography), groups, unit,
                               source if isinstance(source, str) and source else "not recorded in the catalog",
                               f"{pd.Timestamp(loaded):%d %b %Y}" if pd.notna(loaded) else "no data loaded", note)


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
