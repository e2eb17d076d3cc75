"""Date-times of requests: answered and stored in UTC whatever offset was sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def to_utc(moment: datetime) -> datetime:
    """A moment in UTC (one without an offset is taken as UTC). Years 1 and 9999 with an offset
    that carries them past the calendar's ends (`0001-01-01T00:00+14:00`) are refused (400),
    where converting them would raise OverflowError (a 500)."""
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError as error:
        raise ValueError("the moment is outside the years 1 to 9999 once converted to UTC") from error


UtcDatetime = Annotated[datetime, AfterValidator(to_utc)]
"""A date-time of a request, answered and stored in UTC whatever offset was sent."""
