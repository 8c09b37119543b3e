"""The payment state diagram as inline SVG, drawn from ``payfold.TABLE``, with one payment's path highlighted.

Nodes are the statuses of ``payfold.Status``; an arrow joins two statuses when some event moves a payment from one
to the other in the compiled table (self-loops, which keep a status, are not drawn: they are the timeline's
business). The path a payment went through is marked in the markup itself, not only in colour: each node on it
carries ``data-path-index`` (its position in the path, space-separated should a status recur) and each arrow on
it ``data-path-step``, so a reader, a screen reader or a test can follow the path in order.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Final

from payfold import TABLE, Status
from payfold.adapters.audit._html_text import text

WIDTH: Final = 760
HEIGHT: Final = 236
_NODE_W: Final = 104
_NODE_H: Final = 34

_PLACES: Final[Mapping[Status, tuple[float, float]]] = {
    Status.CREATED: (62, 110),
    Status.PENDING: (210, 110),
    Status.POLLING: (360, 200),
    Status.REQUERIED: (510, 110),
    Status.SETTLED: (680, 40),
    Status.FAILED: (680, 200),
}
"""Left to right as a payment moves; verdicts on the right, settled above and failed below."""

_BENDS: Final[Mapping[tuple[Status, Status], float]] = {
    (Status.PENDING, Status.SETTLED): 75,
    (Status.PENDING, Status.FAILED): -12,
    (Status.POLLING, Status.SETTLED): -45,
}
"""How far (px) the long arrows bow to the left of their direction of travel (on screen; negative: to the right),
so they pass beside the nodes between their ends."""


def _place(status: Status) -> tuple[float, float]:
    """A status's centre; a status added later without a place gets one in a row along the bottom."""
    if status in _PLACES:
        return _PLACES[status]
    index = list(Status).index(status)
    return (62 + 120 * index, HEIGHT - 20)


def edges() -> dict[tuple[Status, Status], list[str]]:
    """Every move between two different statuses in ``payfold.TABLE``, with the event tags that make it."""
    moves: dict[tuple[Status, Status], list[str]] = defaultdict(list)
    for (source, tag), target in TABLE.items():
        if source is not target:
            moves[(source, target)].append(tag)
    return {move: sorted(tags) for move, tags in sorted(moves.items(), key=lambda m: (m[0][0].value, m[0][1].value))}


_EDGES: Final = edges()


def _border(centre: tuple[float, float], toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from a node's centre toward a point leaves the node's box."""
    (cx, cy), (tx, ty) = centre, toward
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return centre
    scale = min(
        (_NODE_W / 2) / abs(dx) if dx else math.inf,
        (_NODE_H / 2) / abs(dy) if dy else math.inf,
    )
    return (cx + dx * scale, cy + dy * scale)


def _arrow(source: Status, target: Status) -> tuple[str, str]:
    """The SVG path data of the arrow from ``source`` to ``target`` and the points of its head."""
    (sx, sy), (tx, ty) = _place(source), _place(target)
    bend = _BENDS.get((source, target), 0.0)
    length = math.hypot(tx - sx, ty - sy) or 1.0
    # The control point: the midpoint pushed sideways (left of the direction of travel) by ``bend``.
    control = ((sx + tx) / 2 + bend * (ty - sy) / length, (sy + ty) / 2 - bend * (tx - sx) / length)
    # (SVG's y axis points down, so (dy, -dx) is the left of (dx, dy) as seen on screen.)
    start, end = _border((sx, sy), control), _border((tx, ty), control)
    ux, uy = end[0] - control[0], end[1] - control[1]
    norm = math.hypot(ux, uy) or 1.0
    ux, uy = ux / norm, uy / norm
    back = (end[0] - 9 * ux, end[1] - 9 * uy)
    head = [end, (back[0] - 4.5 * uy, back[1] + 4.5 * ux), (back[0] + 4.5 * uy, back[1] - 4.5 * ux)]
    path = f"M{start[0]:.1f},{start[1]:.1f} Q{control[0]:.1f},{control[1]:.1f} {back[0]:.1f},{back[1]:.1f}"
    return path, " ".join(f"{x:.1f},{y:.1f}" for x, y in head)


_ARROWS: Final = {move: _arrow(*move) for move in _EDGES}


def diagram(path: Sequence[Status], *, label: str) -> str:
    """The SVG of the state machine with ``path`` (the statuses a payment went through, in order) highlighted."""
    positions: dict[Status, list[int]] = defaultdict(list)
    for index, status in enumerate(path):
        positions[status].append(index)
    steps: dict[tuple[Status, Status], list[int]] = defaultdict(list)
    for index, move in enumerate(itertools.pairwise(path), start=1):
        steps[move].append(index)
    journey = " → ".join(s.value for s in path)
    parts = [
        f'<svg class="machine" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{text(label)}: {journey}"'
        ' xmlns="http://www.w3.org/2000/svg">'
    ]
    for (source, target), tags in _EDGES.items():
        shape, head = _ARROWS[(source, target)]
        taken = steps.get((source, target))
        marks = f' class="edge on-path" data-path-step="{" ".join(map(str, taken))}"' if taken else ' class="edge"'
        parts.append(
            f'<g{marks} data-from="{source.value}" data-to="{target.value}">'
            f"<title>{source.value} → {target.value}: {text(', '.join(tags))}</title>"
            f'<path d="{shape}"/><polygon points="{head}"/></g>'
        )
    for status in Status:
        x, y = _place(status)
        seen = positions.get(status)
        marks = f' class="node on-path" data-path-index="{" ".join(map(str, seen))}"' if seen else ' class="node"'
        parts.append(
            f'<g{marks} data-status="{status.value}">'
            f'<rect x="{x - _NODE_W / 2:.1f}" y="{y - _NODE_H / 2:.1f}" width="{_NODE_W}" height="{_NODE_H}"'
            ' rx="9"/>'
            f'<text x="{x:.1f}" y="{y + 4.5:.1f}">{status.value}</text></g>'
        )
        if seen:
            order = ",".join(str(i + 1) for i in seen)
            cx, cy = x - _NODE_W / 2 + 2, y - _NODE_H / 2 + 1
            parts.append(
                f'<g class="order" aria-hidden="true"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="9"/>'
                f'<text x="{cx:.1f}" y="{cy + 4:.1f}">{order}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)
