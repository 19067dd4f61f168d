"""The progress chart's layout, without Flask: order, spacing, heights and the sentence that describes it."""

from __future__ import annotations

from ivr.rehearse.chart import Attempt, describe, score_chart

NOV_20 = 1795132800.0  # 2026-11-20 00:00 UTC
DAY = 86400


def attempt(n: int, score: int, out_of: int, title: str = "A charge you don't recognize") -> Attempt:
    return Attempt(f"id{n}", NOV_20 + n * DAY, "unknown-charge", title, score, out_of)


def test_attempts_are_drawn_oldest_first_edge_to_edge_by_share_met():
    chart = score_chart([attempt(6, 7, 9), attempt(0, 4, 9), attempt(3, 9, 9, "Card stolen abroad")])
    assert [p.number for p in chart.points] == [1, 2, 3]
    assert [p.attempt.report_id for p in chart.points] == ["id0", "id3", "id6"]
    assert [p.x for p in chart.points] == [80, 336, 592]
    # 44%, 100%, 78% of the plot's 224 units above the baseline at 252
    assert [p.y for p in chart.points] == [153.4, 28, 77.3]
    assert chart.polyline == "80,153.4 336,28 592,77.3"
    assert chart.y_ticks == ((252, "0%"), (196, "25%"), (140, "50%"), (84, "75%"), (28, "100%"))


def test_one_attempt_sits_in_the_middle_and_nothing_applied_counts_as_zero():
    [point] = score_chart([attempt(0, 0, 0)]).points
    assert (point.x, point.y, point.attempt.percent) == (336, 252, 0)


def test_dates_are_utc_days():
    late = Attempt("x", NOV_20 + DAY - 1, "s", "S", 1, 2)
    assert (late.date, late.when) == ("2026-11-20", "2026-11-20 23:59 UTC")


def test_the_description_names_the_count_and_the_first_and_latest_scores():
    assert describe(score_chart([])) == "No attempts yet."
    assert describe(score_chart([attempt(1, 3, 8)])) == "1 attempt: 3 of 8 on 2026-11-21 (A charge you don't recognize)."
    assert describe(score_chart([attempt(2, 8, 9, "Card stolen abroad"), attempt(1, 3, 8)])) == (
        "2 attempts, from 3 of 8 on 2026-11-21 (A charge you don't recognize) "
        "to 8 of 9 on 2026-11-22 (Card stolen abroad).")
