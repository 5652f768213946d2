"""Write the public site into a folder: pages, embeds, each chart drawn (SVG) and as an interactive spec, its data as
CSV and Excel, the scripts and style it needs. The same store writes the same bytes (no date but the data's vintage)."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from backbone import config
from backbone.errors import BackboneError
from backbone.show import render
from backbone.show.site import html
from backbone.show.site.content import Chart, Site, gather
from backbone.store.auth import User, require
from backbone.store.export import frame_to_csv, frame_to_xlsx

HERE = Path(__file__).parent
MARK = ".backbone-site"  # says a folder holds a site Backbone wrote, so publishing again may replace its files
MARK_TEXT = b"This folder is a public site written by `python -m backbone publish`; publishing again replaces it.\n"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry a time: a fixed one keeps two runs byte-identical


@dataclass
class Published:
    """What a publish wrote: the folder, how many pages and files, and the weight of the outcome pages."""

    folder: Path
    pages: int
    files: int
    page_bytes: dict[str, int] = field(default_factory=dict)  # outcome page -> its HTML, charts' SVG and specs, in bytes

    @property
    def largest_page(self) -> tuple[str, int]:
        return max(self.page_bytes.items(), key=lambda item: item[1]) if self.page_bytes else ("", 0)


@cache
def vega_bundle() -> bytes:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert's own copy: nothing fetched), for Altair's Vega-Lite."""
    version = re.match(r"v?(\d+\.\d+)", alt.SCHEMA_VERSION).group(1)
    return vl_convert.javascript_bundle(vl_version=version).encode("utf-8")


def stable_zip(entries: dict[str, bytes]) -> bytes:
    """A zip of these files, sorted, each with a fixed time: the same files give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return out.getvalue()


def stable_xlsx(frame: pd.DataFrame, when: datetime | None) -> bytes:
    """The table as .xlsx (formula-safe), stamped with the data's vintage instead of the moment it was written."""
    stamp = f"{(when or datetime(2000, 1, 1)):%Y-%m-%dT%H:%M:%SZ}".encode()
    source = zipfile.ZipFile(io.BytesIO(frame_to_xlsx(frame)))
    entries = {}
    for name in source.namelist():
        body = source.read(name)
        if name == "docProps/core.xml":
            body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<3>", body)
        entries[name] = body
    # Excel wants [Content_Types].xml first; sorted order puts it there ('[' sorts before letters).
    return stable_zip(entries)


def steady_svg(svg: str) -> str:
    """Vega numbers an SVG's gradients and clips with a counter that runs on through the process: number them from 1
    in each file, so the same chart is the same bytes whichever chart was drawn before it."""
    names: dict[str, str] = {}

    def rename(match: re.Match) -> str:
        kind = match.group(1)
        return names.setdefault(match.group(0), f"{kind}_{sum(1 for n in names.values() if n.startswith(kind + '_')) + 1}")

    return re.sub(r"\b(gradient|clip|pattern|marker)_(\d+)\b", rename, svg)


def _svg(spec: dict, size: tuple[int, int]) -> bytes:
    return steady_svg(render.svg(spec, size)).encode("utf-8")


def _spec(chart: Chart) -> dict:
    spec = chart.chart.to_dict()
    spec["description"] = chart.description
    # The chart's container is an image whose name is the description (the takeaway and every value): the marks inside
    # need no names of their own, so Vega leaves them out of the accessibility tree rather than name some and not others.
    config = spec.setdefault("config", {})
    config["aria"] = False
    config.setdefault("mark", {})["aria"] = False
    return spec


def _chart_files(chart: Chart, site: Site) -> dict[str, bytes]:
    spec = _spec(chart)
    return {
        f"charts/{chart.chart_id}.svg": _svg(render.untitled(spec), chart.size),
        f"charts/{chart.chart_id}.js": html.chart_script(chart.chart_id, spec).encode("utf-8"),
        f"data/{chart.chart_id}.csv": frame_to_csv(chart.data),
        f"data/{chart.chart_id}.xlsx": stable_xlsx(chart.data, site.vintage),
    }


def site_files(site: Site, base_url: str = "") -> dict[str, bytes]:
    """Every file of the site, by its path inside the folder."""
    files: dict[str, bytes] = {
        "assets/vega.js": vega_bundle(),
        "assets/site.js": (HERE / "site.js").read_bytes(),
        "assets/site.css": (HERE / "site.css").read_bytes(),
        "assets/favicon.png": (HERE.parent.parent / "favicon.png").read_bytes(),
        MARK: MARK_TEXT,
    }
    for outcome in site.outcomes:
        if outcome.card is not None:
            files[f"charts/{outcome.code}-card.svg"] = _svg(outcome.card.to_dict(), (400, 150))
        scripts = ["assets/vega.js"]
        for chart in outcome.charts:
            files |= _chart_files(chart, site)
            scripts.append(f"charts/{chart.chart_id}.js")
            files[f"embed/{chart.chart_id}.html"] = html.embed_page(chart, outcome, site).encode("utf-8")
        files[f"outcomes/{outcome.code}.html"] = html.page(
            f"{outcome.name} · Community outcomes", html.outcome_page(outcome, site, base_url), site, "../",
            (*scripts, "assets/site.js")).encode("utf-8")
    files["index.html"] = html.page("Community dashboard · Community outcomes", html.home(site), site,
                                    current="index.html").encode("utf-8")
    files["activities.html"] = html.page("Activities and phase · Community outcomes", html.activities(site), site,
                                         current="activities.html").encode("utf-8")
    files["about.html"] = html.page("About the data · Community outcomes", html.about(site, _thresholds(site)), site,
                                    current="about.html").encode("utf-8")
    return files


def _thresholds(site: Site) -> pd.DataFrame:
    return pd.DataFrame({"Outcome": [o.name for o in site.outcomes],
                         "Smallest count shown": [str(o.threshold) for o in site.outcomes]})


def _page_weights(files: dict[str, bytes], site: Site) -> dict[str, int]:
    weights = {}
    for outcome in site.outcomes:
        page = f"outcomes/{outcome.code}.html"
        parts = [page] + [f"charts/{c.chart_id}.{kind}" for c in outcome.charts for kind in ("svg", "js")]
        weights[page] = sum(len(files[p]) for p in parts)
    return weights


def _prepare(folder: Path) -> None:
    """An empty folder, or one holding an earlier site (its files go; dot-files such as .git stay)."""
    if folder.exists() and not folder.is_dir():
        raise BackboneError(f"'{folder}' is a file; give a folder to publish the site into.")
    folder.mkdir(parents=True, exist_ok=True)
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if entries and not (folder / MARK).exists():
        raise BackboneError(f"'{folder}' already holds files that are not a Backbone site; publish into an empty folder "
                            "(or the folder of an earlier site, which is replaced).")
    for entry in entries:
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def publish_site(folder: Path, db: str | None = None, base_url: str | None = None, actor: User | None = None) -> Published:
    """Write the public site of the store into `folder` (replacing an earlier site there). Directors and the command
    line only: the site is public, whoever reads it."""
    require(actor, "edit")
    base = config.site_url() if base_url is None else base_url.strip()
    base = base + "/" if base and not base.endswith("/") else base
    site = gather(db)
    files = site_files(site, base)
    _prepare(folder)
    for name, body in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        path.chmod(0o644)  # the store's files are the owner's alone (umask 077); a public site is for anyone to read
    for sub in {(folder / name).parent for name in files}:
        sub.chmod(0o755)
    pages = sum(1 for name in files if name.endswith(".html"))
    return Published(folder, pages, len(files), _page_weights(files, site))


def folder_zip(folder: Path) -> bytes:
    """A published site folder as one zip (the Publish button's download); the same folder gives the same bytes."""
    return stable_zip({p.relative_to(folder).as_posix(): p.read_bytes()
                       for p in sorted(folder.rglob("*")) if p.is_file() and ".git" not in p.relative_to(folder).parts})
