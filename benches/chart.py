#!/usr/bin/env python3
"""Draw benches/chart.svg from the results of the last criterion run.

    cargo bench --bench coalescing
    python3 benches/chart.py

Reads the median (and its 95 % confidence interval) of every benchmark in
`target/criterion/<workload>/<implementation>/new/estimates.json` and writes
one SVG: a bar group per workload, a bar per implementation, ours
highlighted, the floor shaded. Python 3 standard library only; CI does not
run it. It also prints the medians it drew, as a table.

Each benchmark's `new/` directory holds its most recent run, so after a
partial run (`cargo bench --bench coalescing -- a_distinct_keys`) the chart
mixes that run with older results of the other workloads: run the whole
suite before refreshing the chart.
"""

import argparse
import datetime
import html
import json
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Workloads in the order of BENCHMARKS.md: (criterion group, label, unit).
WORKLOADS = [
    ("a_distinct_keys", "a. distinct keys, one caller at a time, current-thread", "ns/call"),
    ("b_spawned_1k_one_key", "b. 1,000 spawned tasks on one key, 2 workers", "ns/caller"),
    ("c_in_task_1k_one_key", "c. 1,000 futures on one key in one task, current-thread", "ns/caller"),
    ("d_mixed_64x5000_1k_keys", "d. 64 tasks × 5,000 calls over 1,000 keys, 2 workers", "ns/call"),
    ("e_spawned_10k_waiters", "e. 10,000 spawned waiters on one key, 2 workers", "ns/caller"),
    ("f_mixed_64x5000_10k_keys", "f. 64 tasks × 5,000 calls over 10,000 keys, 2 workers", "ns/call"),
]

# Implementations in the order of BENCHMARKS.md: (criterion function, label,
# ours?, crate whose version Cargo.lock gives).
IMPLEMENTATIONS = [
    ("coalesce_group", "coalesce Group::run", True, None),
    ("coalesce_attr", "coalesce #[coalesce]", True, None),
    ("coalesce_detached", "coalesce Group::run_detached", True, None),
    ("singleflight_async", "singleflight-async", False, "singleflight-async"),
    ("rs_singleflight", "rs-singleflight", False, "rs-singleflight"),
    ("async_singleflight", "async_singleflight", False, "async_singleflight"),
    ("shared_map", "Mutex<HashMap<Shared>>", False, None),
    ("moka_get_with", "moka get_with", False, "moka"),
]
FLOOR = "floor"

# Where an implementation ran more than one execution per flight, so its
# time is not comparable (BENCHMARKS.md, "Executions per flight").
MISSES_FLIGHTS = {
    ("b_spawned_1k_one_key", "async_singleflight"),
    ("c_in_task_1k_one_key", "async_singleflight"),
    ("e_spawned_10k_waiters", "async_singleflight"),
}

OURS = ["#c2410c", "#ea580c", "#fb923c"]  # one shade per mode of ours
OTHER = "#8c96a3"
FLOOR_FILL = "#e7ebf0"
FLOOR_LINE = "#52606d"
TEXT = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9dee4"
FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"

WIDTH = 900
LABEL_RIGHT = 228  # labels end here, right-aligned
PLOT_LEFT = 236
PLOT_RIGHT = 790  # values are written to the right of this
BAR = 15
GAP = 5


def load(criterion_dir):
    """{(workload, implementation): (median, low, high)} and the newest mtime."""
    results, newest = {}, 0.0
    for group in sorted(os.listdir(criterion_dir)):
        group_dir = os.path.join(criterion_dir, group)
        if not os.path.isdir(group_dir) or group == "report":
            continue
        for function in sorted(os.listdir(group_dir)):
            path = os.path.join(group_dir, function, "new", "estimates.json")
            if not os.path.isfile(path):
                continue
            with open(path) as f:
                median = json.load(f)["median"]
            interval = median["confidence_interval"]
            results[(group, function)] = (
                median["point_estimate"],
                interval["lower_bound"],
                interval["upper_bound"],
            )
            newest = max(newest, os.path.getmtime(path))
    return results, newest


def lock_versions(lock_path):
    """Package versions from Cargo.lock (the first version of each name)."""
    versions = {}
    try:
        with open(lock_path) as f:
            text = f.read()
    except OSError:
        return versions
    for name, version in re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', text):
        versions.setdefault(name, version)
    return versions


def nice_step(span, ticks=5):
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def fmt(ns):
    if ns >= 100:
        return f"{ns:,.0f}"
    if ns >= 10:
        return f"{ns:.0f}"
    return f"{ns:.1f}"


def esc(text):
    return html.escape(text, quote=True)


class Svg:
    def __init__(self):
        self.parts = []

    def add(self, element):
        self.parts.append(element)

    def text(self, x, y, content, size=12, anchor="start", fill=TEXT, weight=None, style=None):
        extra = f' font-weight="{weight}"' if weight else ""
        extra += f' font-style="{style}"' if style else ""
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{esc(content)}</text>'
        )

    def rect(self, x, y, w, h, fill, extra=""):
        self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}"{extra}/>')

    def line(self, x1, y1, x2, y2, stroke, width=1, extra=""):
        self.add(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{stroke}" stroke-width="{width}"{extra}/>'
        )


def axis_max(values):
    """The axis end, and whether the largest value is cut off (drawn broken)."""
    ordered = sorted(values, reverse=True)
    if len(ordered) >= 2 and ordered[0] > 2.5 * ordered[1]:
        top = ordered[1] * 1.15
        return top + nice_step(top) * 0.5, True
    return ordered[0] * 1.05, False


def panel(svg, y, workload, label, unit, results, versions):
    """One workload's bar group; returns the y below it."""
    floor = results.get((workload, FLOOR))
    rows = []
    for function, name, ours, crate in IMPLEMENTATIONS:
        if crate and crate in versions:
            name = f"{name} {'.'.join(versions[crate].split('.')[:2])}"
        if (workload, function) in MISSES_FLIGHTS:
            name += " *"
        rows.append((function, name, ours, results.get((workload, function))))
    known = {f for f, _, _, _ in IMPLEMENTATIONS} | {FLOOR}
    for (group, function), value in sorted(results.items()):
        if group == workload and function not in known:
            rows.append((function, function, function.startswith("coalesce"), value))

    measured = [v[0] for _, _, _, v in rows if v] + ([floor[0]] if floor else [])
    top, cut = axis_max(measured)
    # Only the largest value can pass the axis end; its bar is drawn broken.
    largest = max(measured)
    scale = (PLOT_RIGHT - PLOT_LEFT) / top

    def x_of(ns):
        return PLOT_LEFT + min(ns, top) * scale

    svg.text(16, y + 14, label, size=14, weight="600")
    svg.text(WIDTH - 16, y + 14, unit + ", median", size=12, anchor="end", fill=MUTED)
    top_y = y + 38
    height = len(rows) * (BAR + GAP) - GAP
    bottom_y = top_y + height

    # Grid and ticks.
    step = nice_step(top)
    tick = 0.0
    while tick <= top + 1e-9:
        x = x_of(tick)
        svg.line(x, top_y - 4, x, bottom_y + 4, GRID)
        svg.text(x, bottom_y + 17, fmt(tick) if tick else "0", size=10, anchor="middle", fill=MUTED)
        tick += step

    # The floor: shaded from 0, a dashed line at its median.
    if floor:
        fx = x_of(floor[0])
        svg.rect(PLOT_LEFT, top_y - 4, fx - PLOT_LEFT, height + 8, FLOOR_FILL)
        svg.line(fx, top_y - 6, fx, bottom_y + 4, FLOOR_LINE, 1.5, ' stroke-dasharray="4 3"')
        anchor = "start" if fx < (PLOT_LEFT + PLOT_RIGHT) / 2 else "end"
        dx = 4 if anchor == "start" else -4
        svg.text(fx + dx, top_y - 8, f"floor {fmt(floor[0])}", size=10, anchor=anchor, fill=FLOOR_LINE)

    shade = 0
    for i, (function, name, ours, value) in enumerate(rows):
        by = top_y + i * (BAR + GAP)
        mid = by + BAR / 2 + 4
        color = OTHER
        if ours:
            color = OURS[min(shade, len(OURS) - 1)]
            shade += 1
        svg.text(LABEL_RIGHT, mid, name, size=12, anchor="end",
                 fill=TEXT if ours else MUTED, weight="600" if ours else None)
        if value is None:
            nx = max(PLOT_LEFT, x_of(floor[0]) if floor else PLOT_LEFT) + 6
            svg.text(nx, mid, "not run in this workload", size=11, fill=MUTED, style="italic")
            continue
        median, low, high = value
        broken = cut and median == largest
        svg.rect(PLOT_LEFT, by, x_of(median) - PLOT_LEFT, BAR, color, ' rx="2"')
        if broken:
            # A break in the bar: the value does not fit the axis.
            bx = PLOT_RIGHT - 22
            svg.add(
                f'<path d="M{bx - 3:.1f},{by + BAR + 2:.1f} L{bx + 3:.1f},{by - 2:.1f} '
                f'M{bx + 3:.1f},{by + BAR + 2:.1f} L{bx + 9:.1f},{by - 2:.1f}" '
                f'stroke="#ffffff" stroke-width="3"/>'
            )
        else:
            # 95 % confidence interval of the median.
            lx, hx = x_of(low), x_of(high)
            if hx - lx >= 2:
                svg.line(lx, mid - 4, hx, mid - 4, TEXT, 1)
                svg.line(lx, mid - 7, lx, mid - 1, TEXT, 1)
                svg.line(hx, mid - 7, hx, mid - 1, TEXT, 1)
        vx = max(x_of(median), x_of(high) if not broken else 0) + 6
        svg.text(vx, mid, fmt(median), size=12, fill=TEXT if ours else MUTED,
                 weight="600" if ours else None)
    return bottom_y + 34


def draw(results, versions, subtitle):
    svg = Svg()
    y = 20
    svg.text(16, y + 8, "coalesce and the alternatives: nanoseconds per call (shorter is faster)",
             size=17, weight="700")
    y += 28
    svg.text(16, y, subtitle, size=11, fill=MUTED)
    y += 18
    # Legend.
    svg.rect(16, y - 9, 14, 10, OURS[0], ' rx="2"')
    svg.text(36, y, "ours (coalesce)", size=11)
    svg.rect(136, y - 9, 14, 10, OTHER, ' rx="2"')
    svg.text(156, y, "other crates", size=11)
    svg.rect(246, y - 10, 14, 12, FLOOR_FILL)
    svg.line(260, y - 11, 260, y + 3, FLOOR_LINE, 1.5, ' stroke-dasharray="3 2"')
    svg.text(266, y, "floor: what no implementation can avoid", size=11)
    svg.line(500, y - 4, 520, y - 4, TEXT, 1)
    svg.line(500, y - 7, 500, y - 1, TEXT, 1)
    svg.line(520, y - 7, 520, y - 1, TEXT, 1)
    svg.text(526, y, "95 % confidence interval of the median", size=11)
    y += 22

    groups = [w for w in WORKLOADS if any(g == w[0] for g, _ in results)]
    named = {w[0] for w in WORKLOADS}
    for group in sorted({g for g, _ in results} - named):
        groups.append((group, group, "ns"))
    if not groups:
        sys.exit("no criterion results: run `cargo bench --bench coalescing` first")
    for workload, label, unit in groups:
        y = panel(svg, y, workload, label, unit, results, versions)

    if any(key in results for key in MISSES_FLIGHTS):
        svg.text(16, y + 2, "* Where marked, async_singleflight ran more than one execution per flight, so its "
                 "time there is not comparable (BENCHMARKS.md, \u201cExecutions per flight\u201d).",
                 size=11, fill=MUTED)
        y += 18
    height = y
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{esc(FONT)}">\n'
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>'
    )
    return "\n".join([head] + svg.parts + ["</svg>\n"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--criterion", default=os.path.join(ROOT, "target", "criterion"),
                        help="criterion's output directory (default: target/criterion)")
    parser.add_argument("--out", default=os.path.join(ROOT, "benches", "chart.svg"),
                        help="the SVG to write (default: benches/chart.svg)")
    parser.add_argument("--note", default="",
                        help="appended to the subtitle, e.g. the run's criterion settings")
    args = parser.parse_args()

    if not os.path.isdir(args.criterion):
        sys.exit(f"{args.criterion}: no such directory; run `cargo bench --bench coalescing` first")
    results, newest = load(args.criterion)
    versions = lock_versions(os.path.join(ROOT, "Cargo.lock"))
    day = datetime.datetime.fromtimestamp(newest, datetime.timezone.utc).strftime("%Y-%m-%d")
    subtitle = (f"cargo bench --bench coalescing, run of {day}: criterion medians; "
                "per caller in the fan-outs.")
    if args.note:
        subtitle += " " + args.note
    with open(args.out, "w") as f:
        f.write(draw(results, versions, subtitle))

    print(f"wrote {os.path.relpath(args.out)}")
    for workload, _, _ in WORKLOADS:
        row = [f"{f}={fmt(v[0])}" for (g, f), v in sorted(results.items()) if g == workload]
        if row:
            print(f"  {workload}: " + ", ".join(row))


if __name__ == "__main__":
    main()
