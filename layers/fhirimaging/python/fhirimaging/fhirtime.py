"""FHIR date/dateTime/instant values as UTC ranges, and the server's own instant format.

A value means the whole range its precision covers: "2024" is [2024-01-01, 2025-01-01).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_DATETIME = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?)?(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?",
    re.ASCII,  # FHIR dates are written with 0-9 only; \d would also match other scripts' digits
)


def parse_range(value: str) -> tuple[datetime, datetime]:
    """[low, high) in UTC for a FHIR date, dateTime or instant; ValueError if it is not one."""
    m = _DATETIME.fullmatch(value)
    if not m:
        raise ValueError(f"'{value}' is not a FHIR date, dateTime or instant")
    g = m.groupdict()
    tz = timezone.utc
    if g["tz"] and g["tz"] != "Z":
        sign = 1 if g["tz"][0] == "+" else -1
        hours, minutes = int(g["tz"][1:3]), int(g["tz"][4:6])
        if hours > 14 or minutes > 59:
            raise ValueError(f"'{value}' has an invalid timezone offset")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        if g["H"] is None:
            year, month, day = int(g["y"]), int(g["m"] or 1), int(g["d"] or 1)
            low = datetime(year, month, day, tzinfo=tz)
            if g["d"]:
                high = low + timedelta(days=1)
            elif g["m"]:
                high = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
            else:
                high = datetime(year + 1, 1, 1, tzinfo=tz)
        else:
            fraction = g["f"] or ""
            low = datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"]), int(g["M"]), int(g["S"] or 0),
                           int((fraction + "000000")[:6]), tzinfo=tz)
            if g["S"] is None:
                step = timedelta(minutes=1)
            elif fraction:
                step = timedelta(microseconds=max(1, 10 ** (6 - min(len(fraction), 6))))
            else:
                step = timedelta(seconds=1)
            high = low + step
        return low.astimezone(timezone.utc), high.astimezone(timezone.utc)
    except (ValueError, OverflowError) as e:  # OverflowError: a range reaching past year 1 or 9999
        raise ValueError(f"'{value}' is not a valid date: {e}") from e


def format_instant(moment: datetime) -> str:
    """The server's instants: UTC, millisecond precision, so they sort as text."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> datetime:
    return datetime.now(timezone.utc)


def http_date(instant: str) -> str:
    """RFC 9110 IMF-fixdate for Last-Modified, from one of the server's instants."""
    moment = datetime.strptime(instant, "%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
