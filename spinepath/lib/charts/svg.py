"""What every chart shares: the look, and a matplotlib figure made an inline, accessible SVG.

Figures are ``matplotlib.figure.Figure`` objects (never pyplot, whose global state concurrent
requests would share) saved by the SVG backend with text kept as text, a fixed hash salt and no
date, so the same data always gives the same bytes. matplotlib names its groups ``figure_1``,
``axes_1``… in every drawing, so the ids of one chart are prefixed with a digest of its own bytes:
two different charts on one page never share an id (and two identical ones share identical
definitions). The root ``<svg>`` loses its fixed width and height (it scales to its box), is an
image labelled by its ``<title>`` and described by its ``<desc>``; the same words come back as
:class:`Chart` ``.title`` and ``.summary`` for the page to show as the text alternative.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported when the first chart is drawn, not when a page module is imported: it
# takes seconds to import, and most requests (and the API) draw no chart.

# Okabe & Ito (2008): told apart with every common colour-vision deficiency. Each series also gets
# its own marker, line style or hatch so that the chart still reads printed in greyscale.
BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
VERMILLION_TEXT = "#a63a00"  # the same hue dark enough for text (6.5:1 on white)
GREEN = "#009E73"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#666666"
LIGHT_GREY = "#dddddd"
SERIES_STYLES: tuple[dict[str, Any], ...] = (
    {"color": BLUE, "marker": "o", "linestyle": "-"},
    {"color": VERMILLION, "marker": "s", "linestyle": "--"},
    {"color": GREEN, "marker": "^", "linestyle": "-."},
    {"color": PURPLE, "marker": "D", "linestyle": ":"},
)

RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#222222",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "hatch.linewidth": 0.8,
    "legend.frameon": False,
}


@dataclass(frozen=True)
class Chart:
    """One drawn chart: the inline ``<svg>`` element and its words for the text alternative."""

    svg: str
    title: str
    summary: str

    def __html__(self) -> str:  # Django's ``{{ chart }}`` inserts the SVG unescaped.
        return self.svg

    def __str__(self) -> str:
        return self.svg


@contextmanager
def style(salt: str, **extra: Any) -> Iterator[None]:
    """The shared look, with the SVG hash salt that keeps ids stable from run to run."""
    import matplotlib

    settings: Any = {**RC, "svg.hashsalt": salt, **extra}
    with matplotlib.rc_context(settings):
        yield


def figure(width_in: float, height_in: float, *, constrained: bool = True) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), layout="constrained" if constrained else None)


def n_label(n: int | None) -> str:
    return "n=–" if n is None else f"n={n:,}"


def percent(value: float | None, digits: int = 0) -> str:
    return "suppressed" if value is None else f"{value * 100:.{digits}f}%"


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(xlink:href="#|href="#|url\(#)([^")]+)')
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')
_GROUP = re.compile(r'<g id="([^"]+)"')
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(
    r"\s*<defs>\s*<style[^>]*>(.*?)</style>\s*</defs>|\s*<style[^>]*>(.*?)</style>", re.S
)
_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")


def _as_attributes(declarations: str) -> str:
    return "".join(f' {name}="{value}"' for name, value in _DECLARATION.findall(declarations))


def presentation_attributes(raw: str) -> str:
    """matplotlib's CSS (a ``<style>`` element and ``style=""`` attributes) as SVG attributes.

    The pages' Content-Security-Policy allows no inline styles, and a browser applies that to
    an inline SVG's ``<style>`` and ``style`` attributes too. Every property matplotlib writes
    (fill, stroke, fonts, text-anchor, opacity) is also an SVG presentation attribute, which CSP
    does not govern, so the chart looks the same. The one rule in the ``<style>`` element (``*``:
    line joins and caps) becomes attributes on the root, which every element inherits.
    """
    inherited = ""
    for element in _STYLE_ELEMENT.finditer(raw):
        rule = element.group(1) or element.group(2) or ""
        inherited += "".join(_as_attributes(body) for body in re.findall(r"\*\s*\{([^}]*)\}", rule))
    raw = _STYLE_ELEMENT.sub("", raw)
    raw = _STYLE_ATTRIBUTE.sub(lambda m: _as_attributes(m.group(1)), raw)
    if inherited:
        raw = raw.replace("<svg", "<svg" + inherited, 1)
    return raw


def to_svg(
    fig: Figure,
    *,
    title: str,
    summary: str,
    css_class: str = "chart",
    tooltips: dict[str, str] | None = None,
) -> Chart:
    """``fig`` as an inline ``<svg>`` element (no XML prolog, no metadata).

    ``tooltips`` maps an artist's ``gid`` to words shown on hover (an SVG ``<title>`` inside its
    group); such groups also get the class ``mark``."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    raw = buffer.getvalue()
    raw = raw[raw.index("<svg") :]
    raw = re.sub(r"\s*<metadata>.*?</metadata>", "", raw, count=1, flags=re.S)
    raw = presentation_attributes(raw)
    for gid, words in (tooltips or {}).items():
        raw = raw.replace(
            f'<g id="{gid}">', f'<g id="{gid}" class="mark"><title>{escape(words)}</title>', 1
        )
    digest = hashlib.sha1(f"{title}\n{summary}\n{raw}".encode(), usedforsecurity=False)
    prefix = "c" + digest.hexdigest()[:10]
    raw = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', raw)
    raw = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", raw)
    head, rest = raw.split(">", 1)
    head = _SIZE.sub("", head)
    labels = (
        f' class="{css_class}" role="img" aria-labelledby="{prefix}-title"'
        f' aria-describedby="{prefix}-desc" focusable="false"'
    )
    words = (
        f'\n <title id="{prefix}-title">{escape(title)}</title>'
        f'\n <desc id="{prefix}-desc">{escape(summary)}</desc>'
    )
    return Chart(svg=f"{head}{labels}>{words}{rest}".rstrip(), title=title, summary=summary)
