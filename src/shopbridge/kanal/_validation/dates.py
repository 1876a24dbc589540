"""Laravel's ``date`` rule for the dates a shop sends: PHP's ``strtotime`` formats, in part. Pure.

Laravel's rule is ``strtotime($value) !== false`` and then ``checkdate`` on what
``date_parse`` read: the text must parse, and must name a real day (a year, a month and a
day: ``2026-02-30``, ``10:00`` and ``tomorrow`` all fail). ``strtotime`` reads a great many
formats; this module reads the ones a date field of an order or a checkout realistically
holds, each as PHP reads it, and refuses the rest:

- ISO 8601 and SQL: ``2026-05-18``, ``2026-5-8``, ``2026/05/18``, ``20260518``, then
  optionally a time (``T``, ``t`` or a space, ``HH:MM``, ``HH:MM:SS``, fractions with ``.``
  or ``,``) and a zone (``Z``, ``UTC``, ``GMT``, ``+01``, ``+0100``, ``+01:00``);
- American ``MM/DD/YYYY`` and ``MM/DD/YY`` (``01/01/2000``; so ``18/05/2026`` fails, as it
  does in PHP), European ``DD-MM-YYYY``, ``DD.MM.YYYY`` and ``DD.MM.YY``, each with the same
  optional time and zone;
- textual months: ``18 May 2026``, ``18-May-2026``, ``May 18, 2026``, ``May 18 2026`` and
  RFC 2822 (``Mon, 18 May 2026 10:00:00 +0000``), a weekday allowed in front;
- a Unix time written ``@1779098400``.

A bare number is read as its digits (``20260518`` is a date, ``1779098400`` is not).
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from shopbridge.kanal._validation.php import php_string

__all__ = ["is_date", "parse_date"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"

_HOUR = r"(?:2[0-4]|[01]?[0-9])"
_MINUTE = r"[0-5]?[0-9]"
_ZONE = (
    r"(?P<zone>z|utc|gmt|(?:gmt)?(?P<sign>[+-])(?P<zone_hour>2[0-4]|[01]?[0-9])"
    r"(?::?(?P<zone_minute>[0-5][0-9]))?)"
)
_TIME = (
    rf"(?:(?:t|\s+|t\s*)(?P<hour>{_HOUR}):(?P<minute>{_MINUTE})"
    rf"(?::(?P<second>60|{_MINUTE})(?:[.,](?P<fraction>[0-9]+))?)?)?"
    rf"(?:\s*{_ZONE})?"
)
_DAY = r"(?P<day>3[01]|[0-2]?[0-9])(?:st|nd|rd|th)?"
_FORMATS = tuple(
    re.compile(pattern + _TIME, re.IGNORECASE | re.ASCII)
    for pattern in (
        r"(?P<year>[0-9]{4})-(?P<month>1[0-2]|0?[1-9])-(?P<day>3[01]|[0-2]?[0-9])",
        r"(?P<year>[0-9]{4})/(?P<month>1[0-2]|0?[1-9])/(?P<day>3[01]|[0-2]?[0-9])",
        r"(?P<year>[0-9]{4})(?P<month>1[0-2]|0[1-9])(?P<day>3[01]|[0-2][0-9])",
        r"(?P<month>1[0-2]|0?[1-9])/(?P<day>3[01]|[0-2]?[0-9])/(?P<year>[0-9]{4}|[0-9]{2})",
        r"(?P<day>3[01]|[0-2]?[0-9])[-.](?P<month>1[0-2]|0?[1-9])[-.](?P<year>[0-9]{4})",
        r"(?P<day>3[01]|[0-2]?[0-9])\.(?P<month>1[0-2]|0?[1-9])\.(?P<year>[0-9]{2})",
        rf"{_WEEKDAY}{_DAY}[ \t.-]*(?P<month_name>{_MONTH_NAMES})\.?[ \t.-]*(?P<year>[0-9]{{4}})",
        rf"{_WEEKDAY}(?P<month_name>{_MONTH_NAMES})\.?[ \t.-]*{_DAY},?[ \t.-]*(?P<year>[0-9]{{4}})",
    )
)
_UNIX = re.compile(r"@-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # timelib's two-digit years: 00-69 are 2000-2069, 70-99 1970-1999
        year += 2000 if year < 70 else 1900
    return year


def _moment(parts: dict[str, str | None], year: int, month: int, day: int) -> datetime:
    offset = timedelta(0)
    if parts["sign"]:
        offset = timedelta(
            hours=int(parts["zone_hour"] or 0), minutes=int(parts["zone_minute"] or 0)
        )
        offset = -offset if parts["sign"] == "-" else offset
    fraction = (parts["fraction"] or "0")[:6].ljust(6, "0")
    # 24:00 and a leap second 60 roll over, as PHP's do.
    return datetime(year, month, day, tzinfo=timezone(offset)) + timedelta(
        hours=int(parts["hour"] or 0),
        minutes=int(parts["minute"] or 0),
        seconds=int(parts["second"] or 0),
        microseconds=int(fraction),
    )


def _text(value: Any) -> str | None:
    # validateDate takes a string, or a number as strtotime's string of it.
    if type(value) is str:
        return value.strip(" \t\n\r\x0b\x00")
    if type(value) in (int, float):
        return php_string(value)
    return None


def _match(value: Any) -> re.Match[str] | None:
    text = _text(value)
    if text is None:
        return None
    return next(filter(None, (pattern.fullmatch(text) for pattern in _FORMATS)), None)


def _real_day(parts: dict[str, str | None]) -> tuple[int, int, int] | None:
    name = parts.get("month_name")
    month = _MONTHS[name.lower()] if name else int(parts["month"] or 0)
    year = _year(parts["year"] or "0")
    day = int(parts["day"] or 0)
    # checkdate: a year from 1 to 32767, and a day the month has.
    if year < 1 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return year, month, day


def parse_date(value: Any) -> datetime | None:
    """The moment `value` names, if Laravel's ``date`` rule accepts it (no zone: UTC)."""
    match = _match(value)
    if match is None:
        text = _text(value)
        if text is None or _UNIX.fullmatch(text) is None:
            return None
        try:
            return datetime.fromtimestamp(float(text[1:]), UTC)
        except (OverflowError, OSError, ValueError):
            return datetime(1970, 1, 1, tzinfo=UTC)  # date_parse's day, whatever the seconds
    parts = match.groupdict()
    day = _real_day(parts)
    if day is None:
        return None
    try:
        return _moment(parts, *day)
    except OverflowError:
        return datetime(*day, tzinfo=UTC)


# RFC 3339, the usual shape, in a regex of its own (a part of the first format above).
_RFC_3339 = re.compile(
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"(?:[Tt ](?:[01][0-9]|2[0-4]):[0-5][0-9](?::(?:[0-5][0-9]|60)(?:\.[0-9]+)?)?)?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-4]):?[0-5][0-9])?"
)
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_date(value: Any) -> bool:
    """Whether Laravel's ``date`` rule accepts `value` (a string, or a number as its digits)."""
    if type(value) is str:
        plain = _RFC_3339.fullmatch(value)
        if plain is not None:
            year, month, day = int(plain[1]), int(plain[2]), int(plain[3])
            if day <= 28 or (day <= _DAYS[month] and (month != 2 or calendar.isleap(year))):
                return year >= 1
    match = _match(value)
    if match is not None:
        return _real_day(match.groupdict()) is not None
    text = _text(value)
    # "@<seconds>": date_parse reads 1970-01-01 plus seconds, always a real day.
    return text is not None and _UNIX.fullmatch(text) is not None
