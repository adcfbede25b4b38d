"""Drawing panels: pure functions that paint numbers onto a pygame Surface.

Price paths per band over rounds, aggregate demand against supply, and the
band plan as bars to scale with real frequencies. Each function takes a
target surface, a Rect and plain data (never the auction, a Match or a
scene), so screens, tests and benchmarks can draw the same panel anywhere.
Nothing here changes game state, reads another bidder's private data, or
decides an auction rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pygame

from game.scenario.units import fmt_usd
from game.ui.scene import fit_text, record_panel, record_text, render_text

Colour = tuple[int, int, int]

# Band lines must never look like operators (red/green/orange/blue in the
# scenario), so the price chart uses its own palette (Okabe-Ito based).
BAND_PALETTE: tuple[Colour, ...] = (
    (86, 180, 233),
    (230, 159, 0),
    (0, 158, 115),
    (240, 228, 66),
    (204, 121, 167),
    (213, 94, 0),
    (170, 170, 255),
    (140, 200, 140),
)


@dataclass(frozen=True)
class ChartStyle:
    """Fonts and colours of every panel; defaults suit the dark theme."""

    font: Any
    """pygame.font.Font for titles and block labels."""
    small_font: Any
    """pygame.font.Font for ticks and legends."""
    panel: Colour = (30, 35, 45)
    grid: Colour = (55, 62, 76)
    axis: Colour = (130, 138, 152)
    text: Colour = (225, 230, 238)
    muted: Colour = (150, 158, 172)
    unsold: Colour = (92, 96, 104)
    supply: Colour = (235, 235, 235)
    excess: Colour = (230, 120, 60)
    demand: Colour = (96, 150, 220)

    @classmethod
    def from_palette(cls, font: Any, small_font: Any, colours: Mapping[str, Any]) -> ChartStyle:
        """The style for the app's palette (keys 'panel', 'line', 'muted', 'text', 'unsold', 'warn', 'accent')."""
        def get(key: str, default: Colour) -> Colour:
            return parse_colour(colours[key]) if key in colours else default

        return cls(
            font=font,
            small_font=small_font,
            panel=get("panel", cls.panel),
            grid=get("line", cls.grid),
            axis=_lighten(get("line", cls.grid), 0.35),
            text=get("text", cls.text),
            muted=get("muted", cls.muted),
            unsold=get("unsold", cls.unsold),
            excess=get("warn", cls.excess),
            demand=get("accent", cls.demand),
        )


@dataclass(frozen=True)
class PlanBlock:
    """One frequency range in a band-plan bar; ``bidder`` None is unsold spectrum."""

    bidder: str | None
    from_mhz: float
    to_mhz: float
    lots: int = 0
    existing: bool = False
    """Spectrum held before the auction (drawn lighter), not won in it."""


@dataclass(frozen=True)
class PlanBar:
    """A bar of the band plan: a frequency range and the blocks inside it."""

    title: str
    lo_mhz: float
    hi_mhz: float
    blocks: tuple[PlanBlock, ...]
    note: str = ""
    """Small text under the title, e.g. the uplink range of an FDD band."""
    to_scale: bool = True
    """False when real frequencies are unknown and the bar counts lots instead."""


@dataclass(frozen=True)
class Legend:
    """Operator names and colours for the band plan's legend."""

    names: Mapping[str, str]
    colours: Mapping[str, Colour]
    order: tuple[str, ...] = field(default=())


def parse_colour(value: Any) -> Colour:
    """'#d7263d', a pygame.Color or (r, g, b) to an RGB tuple."""
    c = pygame.Color(value) if isinstance(value, str | pygame.Color) else pygame.Color(*value)
    return (c.r, c.g, c.b)


def _luminance(c: Colour) -> float:
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def text_on(c: Colour) -> Colour:
    """Black or white, whichever reads better on ``c``."""
    return (15, 15, 18) if _luminance(c) > 140 else (250, 250, 250)


def _lighten(c: Colour, amount: float) -> Colour:
    r, g, b = (int(v + (255 - v) * amount) for v in c)
    return (r, g, b)


def _blit(surface: Any, font: Any, text: str, colour: Colour, pos: tuple[int, int], anchor: str = "topleft") -> Any:
    img = render_text(font, text, colour)
    rect = img.get_rect(**{anchor: pos})
    surface.blit(img, rect)
    record_text(rect, text)
    return rect


def nice_step(span: float, max_ticks: int) -> float:
    """A 1-2-5 step that cuts ``span`` into at most ``max_ticks`` intervals.

    >>> nice_step(280, 8), nice_step(7.2, 6), nice_step(0.5, 5)
    (50.0, 2.0, 0.1)
    """
    if span <= 0 or max_ticks < 1:
        return 1.0
    raw = span / max_ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return float(m * power)
    return float(10 * power)


def ticks(lo: float, hi: float, max_ticks: int) -> list[float]:
    """Round values between ``lo`` and ``hi`` inclusive, at a 1-2-5 step.

    >>> ticks(2500, 2690, 5)
    [2500.0, 2550.0, 2600.0, 2650.0]
    """
    step = nice_step(hi - lo, max_ticks)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    v = first
    while v <= hi + 1e-9:
        out.append(round(v, 6))
        v += step
    return out


def round_ticks(lo: int, hi: int, max_ticks: int) -> list[int]:
    """Whole round numbers from ``lo`` to ``hi`` at a 1-2-5 step of at least 1 (rounds are never halved).

    >>> round_ticks(0, 5, 20), round_ticks(1, 40, 5)
    ([0, 1, 2, 3, 4, 5], [10, 20, 30, 40])
    """
    step = max(1, int(nice_step(hi - lo, max_ticks)))
    first = -(-lo // step) * step
    return list(range(first, hi + 1, step))


def fmt_tick_mhz(value: float) -> str:
    """'2500', '1805.5': no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _empty(surface: Any, rect: Any, style: ChartStyle, message: str) -> None:
    pygame.draw.rect(surface, style.panel, rect, border_radius=4)
    record_panel(rect)
    _blit(surface, style.font, message, style.muted, rect.center, "center")


# ------------------------------------------------------------------ prices


def draw_price_paths(
    surface: Any,
    rect: Any,
    price_history: Mapping[str, Sequence[int]],
    reserves: Mapping[str, int],
    style: ChartStyle,
    *,
    title: str = "Posted price per band by round, % above reserve",
) -> None:
    """One line per band: posted price after each round as a premium over reserve.

    Bands differ a hundredfold in price per lot, so the common axis is the
    premium over reserve; the legend gives each band's latest price per lot.
    Round 0 is the reserve (the opening price).
    """
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, style.panel, rect, border_radius=4)
    record_panel(rect)
    pad = 10
    title_rect = _blit(surface, style.font, title, style.text, (rect.x + pad, rect.y + pad))
    bands = [b for b in price_history if b in reserves]
    rounds = max((len(price_history[b]) for b in bands), default=0)
    if rounds == 0:
        _blit(surface, style.font, "No round has closed yet", style.muted, rect.center, "center")
        return
    premiums = {
        b: [0.0] + [(p / reserves[b] - 1.0) * 100.0 for p in price_history[b]] for b in bands
    }
    top = max((max(v) for v in premiums.values()), default=0.0)
    top = max(top, 5.0)
    y_step = nice_step(top, 5)
    top = math.ceil(top / y_step - 1e-9) * y_step

    legend_w = max(
        style.small_font.size(f"{b} MHz  {fmt_usd(price_history[b][-1])}  +{premiums[b][-1]:.1f}%")[0] for b in bands
    ) + 30
    label_w = style.small_font.size(f"{top:.0f}%")[0] + 8
    plot = pygame.Rect(
        rect.x + pad + label_w,
        title_rect.bottom + 12,
        max(20, rect.w - 2 * pad - label_w - legend_w - 10),
        max(20, rect.h - (title_rect.bottom + 12 - rect.y) - style.small_font.get_linesize() - 2 * pad),
    )

    def x_of(i: int) -> float:
        return plot.x + plot.w * i / max(1, rounds)

    def y_of(v: float) -> float:
        return plot.bottom - plot.h * v / top

    v = 0.0
    while v <= top + 1e-9:
        y = int(y_of(v))
        pygame.draw.line(surface, style.grid, (plot.x, y), (plot.right, y))
        _blit(surface, style.small_font, f"{v:.0f}%", style.muted, (plot.x - 6, y), "midright")
        v += y_step
    for r in round_ticks(0, rounds, max(1, plot.w // 60)):
        x = int(x_of(r))
        pygame.draw.line(surface, style.axis, (x, plot.bottom), (x, plot.bottom + 4))
        # Point 0 is the opening (reserve) price, before round 1; its label starts at the
        # axis so it clears the y-axis labels.
        if r == 0:
            _blit(surface, style.small_font, "open", style.muted, (x, plot.bottom + 5), "topleft")
        else:
            _blit(surface, style.small_font, f"{r}", style.muted, (x, plot.bottom + 5), "midtop")
    pygame.draw.line(surface, style.axis, plot.bottomleft, plot.bottomright)

    # Every point is drawn at its exact value. Where paths coincide (several bands at 0%), they
    # stay told apart by line width (earlier bands wider, so each later line runs inside the one
    # below it) and by a marker of its own shape at every round, as in the legend.
    n = len(bands)
    for i, b in enumerate(bands):
        colour = BAND_PALETTE[i % len(BAND_PALETTE)]
        points = [(x_of(j), y_of(val)) for j, val in enumerate(premiums[b])]
        if len(points) > 1:
            pygame.draw.lines(surface, colour, False, points, line_width(i, n))
        every = max(1, len(points) // max(1, plot.w // 14))
        for j, (px, py) in enumerate(points):
            if j % every == 0 or j == len(points) - 1:
                draw_marker(surface, MARKERS[i % len(MARKERS)], colour, (int(px), int(py)), 4)

    lx = plot.right + 18
    ly = plot.y
    line_h = style.small_font.get_linesize() + 4
    for i, b in enumerate(bands):
        colour = BAND_PALETTE[i % len(BAND_PALETTE)]
        pygame.draw.line(surface, colour, (lx, ly + line_h // 2), (lx + 14, ly + line_h // 2), line_width(i, n))
        draw_marker(surface, MARKERS[i % len(MARKERS)], colour, (lx + 7, ly + line_h // 2), 4)
        text = f"{b} MHz  {fmt_usd(price_history[b][-1])}  +{premiums[b][-1]:.1f}%"
        _blit(surface, style.small_font, text, style.text, (lx + 20, ly + line_h // 2), "midleft")
        ly += line_h


MARKERS = ("circle", "square", "triangle", "diamond", "cross", "down")
"""Marker shape per band on the price chart (by band order), repeated in the legend."""


def line_width(i: int, n: int) -> int:
    """Width of band ``i``'s price line of ``n``: the first widest, each later one 1 px thinner, the last 2 px."""
    return 2 + max(0, n - 1 - i)


def draw_marker(surface: Any, shape: str, colour: Colour, centre: tuple[int, int], r: int) -> None:
    """A small filled marker of ``shape`` centred on the exact data point (outlined, so it shows on any line)."""
    x, y = centre
    outline = (14, 20, 27)
    if shape == "circle":
        pygame.draw.circle(surface, colour, centre, r)
        pygame.draw.circle(surface, outline, centre, r, 1)
        return
    if shape == "square":
        pts = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    elif shape == "triangle":
        pts = [(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)]
    elif shape == "down":
        pts = [(x - r - 1, y - r), (x + r + 1, y - r), (x, y + r + 1)]
    elif shape == "diamond":
        pts = [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)]
    else:  # cross
        pygame.draw.line(surface, colour, (x - r, y - r), (x + r, y + r), 3)
        pygame.draw.line(surface, colour, (x - r, y + r), (x + r, y - r), 3)
        return
    pygame.draw.polygon(surface, colour, pts)
    pygame.draw.polygon(surface, outline, pts, 1)


# ------------------------------------------------------------------ demand


def draw_demand_panel(
    surface: Any,
    rect: Any,
    band_label: str,
    demand: Sequence[int],
    supply: int,
    style: ChartStyle,
) -> None:
    """Aggregate demand per round as bars against the band's supply (a line)."""
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, style.panel, rect, border_radius=4)
    record_panel(rect)
    pad = 8
    title = _blit(surface, style.font, band_label, style.text, (rect.x + pad, rect.y + pad))
    if demand:
        last = demand[-1]
        state = "excess" if last > supply else "no excess"
        colour = style.excess if last > supply else style.muted
        _blit(
            surface, style.small_font, f"{last}/{supply} lots, {state}", colour,
            (rect.right - pad, title.centery), "midright",
        )
    top = max([supply, *demand]) if demand else supply
    top = max(top, 1)
    step = max(1, int(nice_step(top, 4)))
    top = math.ceil(top * 1.1 / step) * step
    label_w = style.small_font.size(str(top))[0] + 6
    lh = style.small_font.get_linesize()
    plot_top = title.bottom + 8 + lh // 2  # the top axis label is centred on the line: keep it under the title
    plot = pygame.Rect(
        rect.x + pad + label_w,
        plot_top,
        max(10, rect.w - 2 * pad - label_w),
        max(10, rect.bottom - pad - lh - 4 - plot_top),
    )

    def y_of(v: float) -> int:
        return int(plot.bottom - plot.h * v / top)

    for v in range(0, top + 1, step):
        y = y_of(v)
        pygame.draw.line(surface, style.grid, (plot.x, y), (plot.right, y))
        _blit(surface, style.small_font, str(v), style.muted, (plot.x - 4, y), "midright")
    n = len(demand)
    if n:
        slot = plot.w / n
        gap = 1 if slot >= 4 else 0
        for i, d in enumerate(demand):
            x0 = int(plot.x + i * slot)
            x1 = max(x0 + 1, int(plot.x + (i + 1) * slot) - gap)
            y = y_of(d)
            colour = style.excess if d > supply else style.demand
            pygame.draw.rect(surface, colour, pygame.Rect(x0, y, x1 - x0, plot.bottom - y))
        for r in round_ticks(1, n, max(1, plot.w // 40)):
            x = int(plot.x + (r - 0.5) * slot)
            _blit(surface, style.small_font, str(r), style.muted, (x, plot.bottom + 3), "midtop")
    else:
        _blit(surface, style.small_font, "no rounds yet", style.muted, plot.center, "center")
    ys = y_of(supply)
    x = plot.x
    while x < plot.right:  # dashed supply line, drawn over the bars
        pygame.draw.line(surface, style.supply, (x, ys), (min(x + 6, plot.right), ys), 2)
        x += 10
    pygame.draw.line(surface, style.axis, plot.bottomleft, plot.bottomright)


def draw_demand_grid(
    surface: Any,
    rect: Any,
    demand_history: Mapping[str, Sequence[int]] | None,
    supply: Mapping[str, int],
    style: ChartStyle,
    *,
    columns: int = 3,
    note_when_hidden: str = "Aggregate demand is not shown under the excess-only information policy",
) -> None:
    """Small multiples of :func:`draw_demand_panel`, one per band, in ``columns``."""
    rect = pygame.Rect(rect)
    if demand_history is None:
        _empty(surface, rect, style, note_when_hidden)
        return
    bands = [b for b in supply if b in demand_history]
    if not bands:
        _empty(surface, rect, style, "No bands")
        return
    rows = math.ceil(len(bands) / columns)
    gap = 8
    w = (rect.w - gap * (columns - 1)) // columns
    h = (rect.h - gap * (rows - 1)) // rows
    for i, b in enumerate(bands):
        r, c = divmod(i, columns)
        cell = pygame.Rect(rect.x + c * (w + gap), rect.y + r * (h + gap), w, h)
        draw_demand_panel(surface, cell, f"{b} MHz", demand_history[b], supply[b], style)


# ------------------------------------------------------------------ band plan


def draw_band_plan(
    surface: Any,
    rect: Any,
    bars: Sequence[PlanBar],
    legend: Legend,
    style: ChartStyle,
    *,
    title: str = "Band plan after the auction (MHz)",
) -> None:
    """A horizontal bar per band, blocks to scale with real frequencies.

    Each bar has its own scale (the 2x3.6 MHz of 1800 would vanish beside the
    280 MHz of 3500); tick labels give the real frequencies in MHz. Blocks
    take their operator's colour, unsold spectrum is grey, spectrum held
    before the auction is drawn lighter.
    """
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, style.panel, rect, border_radius=4)
    record_panel(rect)
    pad = 10
    title_rect = _blit(surface, style.font, title, style.text, (rect.x + pad, rect.y + pad))
    # Legend right-aligned on the title line, or on its own line when it would collide.
    order = legend.order or tuple(legend.names)
    entries = [(legend.names[b], legend.colours[b]) for b in order if b in legend.colours]
    entries.append(("unsold", style.unsold))
    legend_w = sum(style.small_font.size(name)[0] + 32 for name, _ in entries)
    legend_y = title_rect.centery
    top = title_rect.bottom + 10
    if title_rect.right + 20 + legend_w > rect.right - pad:
        legend_y = title_rect.bottom + 6 + style.small_font.get_linesize() // 2
        top = legend_y + style.small_font.get_linesize() + 8
    x = rect.right - pad
    for name, colour in reversed(entries):
        w = style.small_font.size(name)[0]
        _blit(surface, style.small_font, name, style.text, (x, legend_y), "midright")
        x -= w + 6
        pygame.draw.rect(surface, colour, pygame.Rect(x - 12, legend_y - 6, 12, 12))
        x -= 12 + 14
    if not bars:
        _blit(surface, style.font, "No band plan", style.muted, rect.center, "center")
        return
    label_w = max(max(style.font.size(bar.title)[0], style.small_font.size(bar.note)[0]) for bar in bars) + 16
    label_w = min(label_w, rect.w // 3)
    row_h = (rect.bottom - pad - top) / len(bars)
    tick_h = style.small_font.get_linesize() + 4
    bar_h = int(max(10, min(row_h - tick_h - 8, style.font.get_linesize() * 2.2)))
    for i, bar in enumerate(bars):
        y = int(top + i * row_h)
        bar_rect = pygame.Rect(rect.x + pad + label_w, y, rect.right - pad - (rect.x + pad + label_w), bar_h)
        # Labels are cut to their column rather than run under the bar's tick labels.
        _blit(surface, style.font, fit_text(style.font, bar.title, label_w - 8), style.text, (rect.x + pad, y))
        if bar.note:
            _blit(surface, style.small_font, fit_text(style.small_font, bar.note, label_w - 8), style.muted,
                  (rect.x + pad, y + style.font.get_linesize()))
        _draw_bar(surface, bar_rect, bar, legend, style)


def _draw_bar(surface: Any, bar_rect: Any, bar: PlanBar, legend: Legend, style: ChartStyle) -> None:
    span = bar.hi_mhz - bar.lo_mhz
    pygame.draw.rect(surface, style.grid, bar_rect)
    if span <= 0:
        return

    def x_of(f: float) -> int:
        return round(float(bar_rect.x + bar_rect.w * (f - bar.lo_mhz) / span))

    for block in bar.blocks:
        x0, x1 = x_of(block.from_mhz), x_of(block.to_mhz)
        if x1 <= x0:
            x1 = x0 + 1
        r = pygame.Rect(x0, bar_rect.y, x1 - x0, bar_rect.h)
        if block.bidder is None:
            colour = style.unsold
        else:
            colour = legend.colours.get(block.bidder, style.axis)
            if block.existing:
                colour = _lighten(colour, 0.45)
        pygame.draw.rect(surface, colour, r)
        if block.bidder is None:
            _hatch(surface, r, _lighten(style.unsold, 0.15))
        pygame.draw.line(surface, style.panel, (r.x, r.y), (r.x, r.bottom - 1), 2)
        label = _block_label(block, legend, style, r.w)
        if label:
            _blit(surface, style.small_font, label, text_on(colour), r.center, "center")
    pygame.draw.rect(surface, style.axis, bar_rect, 1)

    if bar.to_scale:
        max_ticks = max(2, bar_rect.w // (style.small_font.size("0000.0")[0] + 14))
        values = ticks(bar.lo_mhz, bar.hi_mhz, max_ticks)
        edge_labels = {bar.lo_mhz, bar.hi_mhz}
        for v in values:
            x = x_of(v)
            pygame.draw.line(surface, style.axis, (x, bar_rect.bottom), (x, bar_rect.bottom + 4))
        # Edges always get their exact frequency; inner ticks only where they do not collide.
        placed: list[Any] = []
        for v, anchor in ((bar.lo_mhz, "topleft"), (bar.hi_mhz, "topright")):
            img = render_text(style.small_font, fmt_tick_mhz(v), style.text)
            pos = (x_of(v), bar_rect.bottom + 4)
            rr = img.get_rect(**{anchor: pos})
            surface.blit(img, rr)
            record_text(rr, fmt_tick_mhz(v))
            placed.append(rr.inflate(10, 0))
        for v in values:
            if any(abs(v - e) < 1e-6 for e in edge_labels):
                continue
            img = render_text(style.small_font, fmt_tick_mhz(v), style.muted)
            rr = img.get_rect(midtop=(x_of(v), bar_rect.bottom + 4))
            if any(rr.colliderect(p) for p in placed):
                continue
            surface.blit(img, rr)
            record_text(rr, fmt_tick_mhz(v))
            placed.append(rr.inflate(10, 0))
    else:
        _blit(
            surface, style.small_font, "frequencies not given: lots from the bottom", style.muted,
            (bar_rect.x, bar_rect.bottom + 4),
        )


def _hatch(surface: Any, r: Any, colour: Colour) -> None:
    clip = surface.get_clip()
    surface.set_clip(r.clip(clip) if clip else r)
    for x in range(r.x - r.h, r.right, 8):
        pygame.draw.line(surface, colour, (x, r.bottom), (x + r.h, r.y))
    surface.set_clip(clip)


def _block_label(block: PlanBlock, legend: Legend, style: ChartStyle, width: int) -> str:
    """The longest label that fits: name and MHz, name, short name, nothing."""
    name = "unsold" if block.bidder is None else legend.names.get(block.bidder, block.bidder)
    short = name.split(" ")[0]
    size = block.to_mhz - block.from_mhz
    candidates = [f"{name}  {fmt_tick_mhz(size)} MHz", f"{short} {fmt_tick_mhz(size)} MHz", short, short[:3]]
    for text in candidates:
        if style.small_font.size(text)[0] + 6 <= width:
            return text
    return ""


# ------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Column:
    """A table column: header, alignment ('left' or 'right') and share of the width."""

    header: str
    align: str = "right"
    weight: float = 1.0


def column_widths(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], font: Any, bold: Any, style: ChartStyle,
    bold_rows: Sequence[int] = (), pad: int = 8,
) -> list[int]:
    """The width each column of :func:`draw_table` needs for its widest cell (header included)."""
    needed = []
    for j, c in enumerate(columns):
        cells = [style.small_font.size(c.header)[0]]
        cells += [(bold if i in bold_rows else font).size(row[j])[0] for i, row in enumerate(rows) if j < len(row)]
        needed.append(max(cells) + 2 * pad)
    return needed


def draw_table(
    surface: Any,
    rect: Any,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    style: ChartStyle,
    *,
    body_font: Any = None,
    swatches: Sequence[Colour | None] = (),
    bold_rows: Sequence[int] = (),
    bold_font: Any = None,
    row_colours: Sequence[Colour | None] = (),
) -> int:
    """Rows of text in aligned columns under a header; returns the y below the last row.

    ``swatches[i]`` paints a small operator-colour square before the first
    cell of row i; rows that do not fit in ``rect`` are left out.
    """
    rect = pygame.Rect(rect)
    font = body_font or style.small_font
    bold = bold_font or font
    total = sum(c.weight for c in columns) or 1.0
    pad = 8
    # Each column gets at least its widest cell, so right-aligned figures never run
    # into their neighbour; what is left is shared by weight. A table too wide for its
    # rectangle drops to the small font before any cell is cut.
    needed = column_widths(columns, rows, font, bold, style, bold_rows, pad)
    if sum(needed) > rect.w and font is not style.small_font:
        font = bold = style.small_font
        needed = column_widths(columns, rows, font, bold, style, bold_rows, pad)
    spare = rect.w - sum(needed)
    widths = (
        [n + spare * c.weight / total for n, c in zip(needed, columns, strict=True)]
        if spare >= 0
        else [rect.w * c.weight / total for c in columns]
    )
    xs: list[tuple[int, int]] = []
    x = float(rect.x)
    for w in widths:
        xs.append((int(x) + pad, int(x + w) - pad))
        x += w
    line_h = font.get_linesize() + 6
    y = rect.y
    for (x0, x1), c in zip(xs, columns, strict=True):
        _blit(surface, style.small_font, c.header, style.muted, (x0, y) if c.align == "left" else (x1, y),
              "topleft" if c.align == "left" else "topright")
    y += style.small_font.get_linesize() + 4
    pygame.draw.line(surface, style.grid, (rect.x, y), (rect.right, y))
    y += 4
    for i, row in enumerate(rows):
        if y + line_h > rect.bottom:
            break
        if i in bold_rows:
            pygame.draw.line(surface, style.grid, (rect.x, y - 2), (rect.right, y - 2))
        f = bold if i in bold_rows else font
        chosen = row_colours[i] if i < len(row_colours) else None
        colour = chosen if chosen is not None else style.text
        for j, ((x0, x1), c, cell) in enumerate(zip(xs, columns, row, strict=False)):
            if j == 0 and i < len(swatches) and swatches[i] is not None:
                sw = swatches[i]
                assert sw is not None
                size = font.get_height() * 2 // 3
                pygame.draw.rect(surface, sw, pygame.Rect(x0, y + (line_h - 6 - size) // 2 + 1, size, size))
                x0 += size + 6
            # A cell never spills into its neighbour: too long, it is cut with an ellipsis.
            text = fit_text(f, cell, x1 - x0)
            _blit(surface, f, text, colour, (x0, y) if c.align == "left" else (x1, y),
                  "topleft" if c.align == "left" else "topright")
        y += line_h
    return int(y)
