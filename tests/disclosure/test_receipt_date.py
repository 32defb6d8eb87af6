"""条例第三十一条, pure (disclosure.workflow.derive_receipt_date): no database."""

from datetime import date

import pytest

from disclosure.workflow import Channel, PostKind, WorkflowError, derive_receipt_date, receipt_field

D = date.fromisoformat
SUBMITTED, SIGNED, CONFIRMED = D("2026-03-02"), D("2026-03-04"), D("2026-03-05")


@pytest.mark.parametrize(
    ("channel", "post_kind", "expected", "field"),
    [
        (Channel.IN_PERSON, "", SUBMITTED, "submitted_on"),  # the day handed in
        (Channel.OTHER, "", SUBMITTED, "submitted_on"),
        (Channel.LETTER, PostKind.SIGNED, SIGNED, "signed_for_on"),  # the day signed for
        (Channel.LETTER, "", SIGNED, "signed_for_on"),
        (Channel.LETTER, PostKind.ORDINARY, CONFIRMED, "confirmed_on"),  # the day both sides confirmed
        (Channel.ONLINE, "", CONFIRMED, "confirmed_on"),
        (Channel.FAX, "", CONFIRMED, "confirmed_on"),
        (Channel.EMAIL, "", CONFIRMED, "confirmed_on"),
    ],
)
def test_the_receipt_date_is_the_channels_own_day(channel, post_kind, expected, field):
    assert derive_receipt_date(channel, post_kind, SUBMITTED, SIGNED, CONFIRMED) == expected
    assert receipt_field(channel, post_kind) == field


@pytest.mark.parametrize(
    ("channel", "post_kind", "missing"),
    [
        (Channel.IN_PERSON, "", "submitted_on"),
        (Channel.LETTER, PostKind.SIGNED, "signed_for_on"),
        (Channel.LETTER, PostKind.ORDINARY, "confirmed_on"),
        (Channel.ONLINE, "", "confirmed_on"),
    ],
)
def test_a_missing_date_of_the_channel_is_a_field_error(channel, post_kind, missing):
    dates = {"submitted_on": SUBMITTED, "signed_for_on": SIGNED, "confirmed_on": CONFIRMED, missing: None}
    with pytest.raises(WorkflowError) as info:
        derive_receipt_date(channel, post_kind, dates["submitted_on"], dates["signed_for_on"], dates["confirmed_on"])
    assert info.value.field == missing
