"""The shared page frame: page setup, the sidebar, cached reads keyed on the data version, common widgets."""

from __future__ import annotations

import inspect
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.runtime.context import StreamlitHeaders

from backbone import config
from backbone.demo import ensure_demo
from backbone.errors import BackboneError
from backbone.intake.preview import FINDINGS_SHOWN, findings_frame
from backbone.intake.staging import sweep
from backbone.intake.template import template_bytes
from backbone.show import charts, maps, render
from backbone.show.formatting import Status, direction_words, md, plural, status
from backbone.show.site import html as site_html
from backbone.show.slides import where_words
from backbone.show.tables import HumanTable, human_table
from backbone.store import auth, database, lake, queries, sessions
from backbone.store import sign_in_record as signins
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
# The browser tab's icon, served by this app. (A Material icon name as page_icon makes the browser fetch the icon
# from fonts.gstatic.com; the sidebar's Material icons are drawn from the font Streamlit ships, so they stay local.)
FAVICON = Path(__file__).with_name("favicon.png")
# Streamlit fades a caption with opacity 0.6, links and all (a source's address in a caption measured 2.83:1 on white,
# under WCAG AA's 4.5:1: axe-core, tests/e2e/test_accessibility.py), and a disabled widget's label too (2.52:1, the
# partner's own organisation on the Upload page). Captions are the palette's muted grey instead (6.3:1), their links its
# blue (6.9:1), and a label stays readable while its widget is greyed. A fixed rule of the app's own.
APP_STYLE = ('<style>[data-testid="stCaptionContainer"] { opacity: 1; color: #57606A; }'
             ' [data-testid="stCaptionContainer"] a { color: #1F5C99; }'
             ' [data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"] p { color: #1A1A1A; }</style>')
SMALL_NUMBERS_KEY = "show-small-numbers"
# Who this script run is for, resolved once by setup_page (every page's first call) and read by every read after it.
THIS_RUN_USER_KEY = "signed-in-this-run"
THIS_RUN_FRESHNESS_KEY = "data-freshness-this-run"
THIS_RUN_VERSION_KEY = "data-version-this-run"


@st.cache_resource(show_spinner="Opening the store…")
def _open_store(db: str) -> bool:
    """Open (create, upgrade) the store once per process, loading the demo into an empty one."""
    database.connect(db)
    sweep(db)  # staged files and kept originals a killed process left behind
    return ensure_demo(db)


def setup_page(title: str, icon: str, needs: str | None = None, banner: bool = True) -> User:
    """Every page calls this first: page config, the store, sign-in, the sidebar, the role check. Deep links run it too.

    `icon` is the page's own (its sidebar link shows it); the browser tab shows Backbone's favicon, a local file, since
    Streamlit fetches a Material icon favicon from Google's font servers: a request to an outside address.
    """
    st.set_page_config(page_title=f"{title} · Backbone", page_icon=FAVICON, layout="wide")
    st.html(APP_STYLE)
    st.session_state.pop(THIS_RUN_VERSION_KEY, None)  # each run asks the store once which data it holds
    _open_store(config.db_path())
    mode = sign_in_mode()
    if mode == "open" and not serves_only_this_computer(st.get_option("server.address"), _connection_ip(), _headers()):
        st.error("Sign-in is off, so this app serves only the computer it runs on, and it is set to answer on a network "
                 "address (or reached through a proxy): it shows nothing. Add an account (`python -m backbone users "
                 "add`) to turn sign-in on, or set `server.address = \"127.0.0.1\"` in .streamlit/config.toml.",
                 icon=":material/lock:")
        st.stop()
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


# Session state of a signed-in session: the user (a password sign-in), when a page last ran for it, the identity-provider
# sign-in it belongs to, and why the last one ended (shown above the sign-in until the next one).
USER_KEY, LAST_ACTIVE_KEY, PROVIDER_SIGN_IN_KEY, ENDED_KEY = "user", "last-active", "provider-sign-in", "sign-in-ended"
_LOOPBACK_NAMES = {"localhost"}
_FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-Ip")
_NO_HEADERS = StreamlitHeaders([])


def serves_only_this_computer(server_address: str | None, visitor_ip: str | None, headers: Mapping[str, str]) -> bool:
    """True when the app listens on a loopback address only, the visitor is on this computer (Streamlit gives no
    address then) and no proxy forwarded the request: the only place open mode (everyone a director) may run."""
    if not server_address:
        return False  # Streamlit's default: every interface
    try:
        loopback = server_address in _LOOPBACK_NAMES or ipaddress.ip_address(server_address.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    forwarded = any(header in headers for header in _FORWARDING_HEADERS)
    return loopback and visitor_ip is None and not forwarded


def visitor_address() -> str | None:
    """The visitor's address where Streamlit exposes it (None: this computer), taken from X-Forwarded-For behind the
    number of proxies `BACKBONE_TRUSTED_PROXIES` says stand in front of the app."""
    hops = config.trusted_proxies()
    if hops:
        forwarded = [part.strip() for value in _headers().get_all("X-Forwarded-For") for part in value.split(",")
                     if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return _connection_ip()


def _connection_ip() -> str | None:
    # Streamlit's address of the browser's connection, None for this computer (and outside a real server: AppTest).
    ip = st.context.ip_address
    return ip if isinstance(ip, str) else None


def _headers() -> StreamlitHeaders:
    headers = st.context.headers
    return headers if hasattr(headers, "get_all") else _NO_HEADERS


def sign_in_mode() -> str:
    """'oidc' with an identity provider in .streamlit/secrets.toml; else 'local' while sign-in is on (from the first
    account until `users sign-in off`), else 'open'."""
    try:
        if "auth" in st.secrets:
            return "oidc"
    except Exception:  # no secrets.toml at all: Streamlit raises rather than answering False
        pass
    return "local" if auth.sign_in_required(config.db_path()) else "open"


def signed_in_user(mode: str) -> User:
    """The person using this session; shows the sign-in (and stops the page) until there is one.

    Every page run checks the account against the store again and ends a session idle for longer than the timeout.
    """
    if mode == "open":
        return auth.LOCAL_DIRECTOR
    now, last_active = datetime.now(), st.session_state.get(LAST_ACTIVE_KEY)
    if mode == "oidc":
        verdict = _provider_session(now, last_active)
    else:
        user = st.session_state.get(USER_KEY)
        verdict = sessions.check_password_session(user, last_active, now, config.db_path()) if isinstance(user, User) else None
        if verdict is None or verdict.user is None:
            if verdict is not None:
                st.session_state[ENDED_KEY] = verdict.message
            st.session_state.pop(USER_KEY, None)
            st.session_state.pop(LAST_ACTIVE_KEY, None)
            _sign_in_form()
            st.stop()
    st.session_state[LAST_ACTIVE_KEY] = now
    st.session_state.pop(ENDED_KEY, None)
    return verdict.user


def _provider_session(now: datetime, last_active: datetime | None) -> sessions.Verdict:
    if not st.user.get("is_logged_in", False):
        st.title("Backbone")
        _show_ending()
        st.markdown("Sign in with your organisation's account to see the partnership's data.")
        st.button("Sign in", type="primary", on_click=st.login)
        st.stop()
    verdict = sessions.check_provider_session(st.user.to_dict(), visitor_address(), last_active, now, config.db_path())
    if verdict.user is None:
        st.session_state.pop(LAST_ACTIVE_KEY, None)
        st.title("Backbone")
        if verdict.ended in ("unverified", "unregistered", "removed"):
            st.error(md(verdict.message), icon=":material/block:")
            st.button("Sign out", on_click=st.logout)
        else:  # timed out, changed or signed out: a new sign-in starts a new session
            st.warning(md(verdict.message), icon=":material/lock_clock:")
            st.button("Sign in again", type="primary", on_click=st.login)
        st.stop()
    st.session_state[PROVIDER_SIGN_IN_KEY] = verdict.session_key
    return verdict


def _show_ending() -> None:
    if st.session_state.get(ENDED_KEY):
        st.warning(md(st.session_state[ENDED_KEY]), icon=":material/lock_clock:")


def _sign_in_form() -> None:
    st.title("Sign in to Backbone")
    _show_ending()
    with st.form("sign-in"):
        email = st.text_input("Email", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                st.session_state[USER_KEY] = auth.sign_in(email, password, config.db_path(), address=visitor_address())
            except BackboneError as exc:
                st.error(md(str(exc)), icon=":material/error:")
            else:
                st.session_state[LAST_ACTIVE_KEY] = datetime.now()
                st.session_state.pop(ENDED_KEY, None)
                st.rerun()
    if not auth.local_accounts_exist(config.db_path()):
        st.caption("Sign-in is on, but no account has a password yet: add one with `python -m backbone users add`, or "
                   "configure the identity provider (README, 'Accounts and who sees what').")


def _account_box(user: User, mode: str) -> None:
    if mode == "open":
        return
    st.caption(f"Signed in as {md(user.label())}")
    st.button("Sign out", on_click=_sign_out, args=(user, mode))


def _sign_out(user: User, mode: str) -> None:
    """The Sign out button: recorded, and an identity-provider sign-in ended for good before its cookie is cleared."""
    sessions.sign_out(user, st.session_state.pop(PROVIDER_SIGN_IN_KEY, None), db=config.db_path())
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(LAST_ACTIVE_KEY, None)
    st.session_state[ENDED_KEY] = "You signed out."
    if mode == "oidc":
        st.logout()


def sign_in_record() -> None:
    """Directors: every sign-in, refusal, sign-out and timeout of the last 90 days (on the Partners page)."""
    if not auth.can(current_user(), "see_partners"):
        return
    st.divider()
    st.subheader("Who signed in")
    db = config.db_path()
    # Each read of a lake asks PostgreSQL for the table's files (a third of the Partners page's rerun there), and its
    # snapshot moves with every line written (asked at most once a second, at once after this process's own writes):
    # so a lake's record is read again only when it may have changed. A file's is read every run: that costs little.
    record = (_lake_sign_in_record(db, database.data_version(db)) if lake.is_lake(db)
              else signins.recent(config.SIGN_IN_RECORD_DAYS, db))
    st.caption(f"The last {config.SIGN_IN_RECORD_DAYS} days, newest first: sign-ins, refusals (a wrong password, an "
               "email that is not registered or not verified, a write the account may not make), sign-outs and timeouts. "
               "'this computer' means no address was given. `python -m backbone users log` prints the same.")
    if record.empty:
        st.caption("Nothing recorded yet.")
        return
    st.dataframe(record, hide_index=True, width="stretch",
                 column_config={"when": st.column_config.DatetimeColumn("when", format="D MMM YYYY, HH:mm:ss")})


@st.cache_data(show_spinner=False, max_entries=4)
def _lake_sign_in_record(db: str, version: tuple) -> pd.DataFrame:
    return signins.recent(config.SIGN_IN_RECORD_DAYS, db)


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


def embed_this_chart(chart_id: str, title: str, metric_code: str) -> None:
    """"Embed this chart": the <iframe> snippet of the same chart on the published public site, and its page's address
    (the site's base URL is the BACKBONE_SITE_URL setting)."""
    base = config.site_url()
    base = base + "/" if base and not base.endswith("/") else base
    with st.expander("Embed this chart", icon=":material/code:"):
        st.caption("Partners paste this into their own web page to show this chart from the published public site "
                   "(small numbers hidden, as partners and the public see it). It shows what was last published.")
        st.code(site_html.embed_snippet(chart_id, title, base), language="html")
        if base:
            st.markdown(f"On the public site: {md(f'{base}outcomes/{metric_code}.html#{chart_id}')}")
        else:
            st.caption("The site's address is not set: set BACKBONE_SITE_URL to where the site is served (README, "
                       "'Publishing the public site'), and the snippet names it.")


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


def load_once(upload, state_key: str, button: str, load: Callable[[bytes, str], object], key: str | None = None,
              companions: Sequence = ()):
    """Load an uploaded workbook once, when `button` is pressed (Streamlit hands the same file over on every rerun), and
    show its refusal or its located problems here; returns the outcome of a load that went through, else None.
    `companions` are files sent with it (a catalog's boundary files): a new set of them is a new load."""
    done = st.session_state.setdefault(state_key, {})
    load_key = (upload.file_id, *sorted(f.file_id for f in companions))
    if load_key not in done and st.button(button, type="primary", icon=":material/upload:", key=key):
        done[load_key] = load(upload.getvalue(), upload.name)
        clear_caches()
    outcome = done.get(load_key)
    if isinstance(outcome, str):
        st.error(outcome, icon=":material/error:")
    elif outcome is not None and outcome.errors:
        st.error(f"{plural(len(outcome.errors), 'problem')} to fix; nothing was changed.", icon=":material/error:")
        st.dataframe(pd.DataFrame([e.as_dict() for e in outcome.errors]), hide_index=True, width="stretch",
                     column_config={"sheet": "Sheet", "row": "Row", "column": "Column", "message": "What to do"})
    else:
        return outcome
    return None


def show_text_table(frame: pd.DataFrame) -> None:
    """A small table of text that wraps (st.table), every cell shown as typed (st.table reads cells as Markdown)."""
    st.table(frame.map(md), hide_index=True)


FINDING_HEADERS = {"sheet": "Sheet", "row": "Row", "column": "Column", "message": "What to do"}


def show_findings(findings: Sequence, key: str) -> None:
    """Located findings as a table whose long messages wrap (never cut off), blanks where a finding names no row or
    column; past the first few hundred, the whole list is a download."""
    show_text_table(findings_frame(findings).rename(columns=FINDING_HEADERS))
    if len(findings) > FINDINGS_SHOWN:
        st.caption(f"The first {FINDINGS_SHOWN} of {plural(len(findings), 'finding')}; download them all:")
        st.download_button("Download every finding (CSV)", frame_to_csv(findings_frame(findings, limit=None)),
                           "findings.csv", "text/csv", key=f"{key}-all", icon=":material/download:")


IMPACT_HEADERS = {"metric": "Metric", "period": "Period", "place": "Place", "group": "Group", "change": "Change",
                  "before": "Before", "after": "After", "before_numerator": "Before: numerator",
                  "before_denominator": "Before: denominator", "after_numerator": "After: numerator",
                  "after_denominator": "After: denominator", "flag": "Look twice"}


def show_impact(impact: dict | None, done: bool = False) -> None:
    """A load's effect on the figures the dashboard shows (intake/impact.py): the flagged moves in words, then every
    figure it changes, before -> after. `done` says it of a load made, not one about to be."""
    if not impact:
        st.caption("No record of what this load changed on the dashboard (it was loaded before Backbone kept one).")
        return
    would = "" if done else "would "
    parts = [f"{plural(impact['figures_new'], 'figure')} {would}appear", f"{impact['figures_changed']:,} {would}change",
             f"{impact['figures_gone']:,} {would}disappear"]
    st.markdown("On the dashboard (community, places and groups, small numbers hidden): " + ", ".join(parts) + ".")
    for flag in impact["flags"]:
        st.warning(md(flag), icon=":material/warning:")
    for held in impact.get("held_back", []):
        st.info(md(held), icon=":material/lock_clock:")
    if impact["changes"]:
        frame = pd.DataFrame(impact["changes"])
        frame["group"] = [g if d == "All" else f"{d}: {g}" for d, g in zip(frame.dimension, frame.group, strict=True)]
        show_table(frame[list(IMPACT_HEADERS)].rename(columns=IMPACT_HEADERS),
                   columns={"Look twice": st.column_config.TextColumn("Look twice", width="large")})
    if impact.get("changes_not_listed"):
        st.caption(f"… and {plural(impact['changes_not_listed'], 'more figure')} not listed.")
