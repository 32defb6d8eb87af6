"""Pure rules of the sweep: thresholds and the reminder stage a deadline is in (no database)."""

import pytest

from notifications.directory import parse_thresholds, reminder_stage


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5,1", (5, 1)),
        ("1,5", (5, 1)),
        ("3", (3,)),
        ("10，3，1", (10, 3, 1)),  # full-width commas from a Chinese keyboard
        ("", (5, 1)),  # empty: the default
        ("5,x", (5, 1)),  # malformed: the default, not a crash
        ("-1,99", (5, 1)),  # out of range: the default
    ],
)
def test_parse_thresholds(text, expected):
    assert parse_thresholds(text, [5, 1]) == expected


@pytest.mark.parametrize(
    "left, thresholds, stage",
    [
        (7, (5, 1), None),  # not yet
        (6, (5, 1), None),
        (5, (5, 1), 5),
        (3, (5, 1), 5),  # a late sweep still sends the 5-day reminder
        (2, (5, 1), 5),
        (1, (5, 1), 1),
        (0, (5, 1), 1),  # the deadline day itself
        (4, (3,), None),
        (0, (3,), 3),
        (9, (10, 3, 1), 10),
        (3, (10, 3, 1), 3),
    ],
)
def test_reminder_stage_is_the_smallest_threshold_reached(left, thresholds, stage):
    assert reminder_stage(left, thresholds) == stage
