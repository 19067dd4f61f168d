"""The progress chart: attempts in time order, each a point at its share of items met (no Flask)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

# Drawing area inside the SVG (user units); the margins hold the axis labels.
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 28, 48  # room above 100% for its score label
Y_TICKS = (0, 25, 50, 75, 100)  # percent of the items that applied


@dataclass(frozen=True)
class Attempt:
    """One stored rehearsal report, as the progress page shows it."""

    report_id: str
    created: float  # seconds since the epoch
    scenario: str  # the scenario id
    title: str  # the scenario's title (its id when the scenario is no longer offered)
    score: int
    out_of: int

    @property
    def date(self) -> str:
        """The attempt's date in UTC, as YYYY-MM-DD."""
        return datetime.fromtimestamp(self.created, timezone.utc).strftime("%Y-%m-%d")

    @property
    def when(self) -> str:
        """The attempt's date and time in UTC."""
        return datetime.fromtimestamp(self.created, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    @property
    def percent(self) -> int:
        """Items met as a whole percentage of the items that applied (0 when none applied)."""
        return round(100 * self.score / self.out_of) if self.out_of else 0


@dataclass(frozen=True)
class Point:
    """An attempt placed on the chart."""

    number: int  # 1 for the first attempt
    x: float
    y: float
    attempt: Attempt


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template draws: axes, ticks, points and the line through them."""

    width: int
    height: int
    left: int
    right: int  # x of the plot's right edge
    top: int
    bottom: int  # y of the plot's baseline
    points: tuple[Point, ...]
    y_ticks: tuple[tuple[float, str], ...]  # (y, "50%")

    @property
    def polyline(self) -> str:
        """The points joined, as an SVG points attribute."""
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)


def score_chart(attempts: list[Attempt]) -> Chart:
    """Lay out attempts oldest first, evenly spaced, y by the share of items met."""
    ordered = sorted(attempts, key=lambda a: a.created)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span = right - LEFT
    # One attempt sits in the middle; several spread from edge to edge with a small inset.
    inset = 24
    step = (span - 2 * inset) / (len(ordered) - 1) if len(ordered) > 1 else 0
    points = []
    for index, attempt in enumerate(ordered):
        x = LEFT + inset + step * index if len(ordered) > 1 else LEFT + span / 2
        points.append(Point(index + 1, round(x, 1), _y(attempt.percent, bottom), attempt))
    ticks = tuple((_y(t, bottom), f"{t}%") for t in Y_TICKS)
    return Chart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, tuple(points), ticks)


def describe(chart: Chart) -> str:
    """A sentence for the chart's <desc>: how many attempts, the first and the latest."""
    points = chart.points
    if not points:
        return "No attempts yet."
    first, last = points[0].attempt, points[-1].attempt
    if len(points) == 1:
        return f"1 attempt: {first.score} of {first.out_of} on {first.date} ({first.title})."
    return (f"{len(points)} attempts, from {first.score} of {first.out_of} on {first.date} ({first.title}) "
            f"to {last.score} of {last.out_of} on {last.date} ({last.title}).")


def _y(percent: float, bottom: int) -> float:
    return round(bottom - (bottom - TOP) * percent / 100, 1)
