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
from typing import Any

from shopbridge.kanal._validation.php import php_string

__all__ = ["is_date"]

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
_ZONE = r"(?:z|utc|gmt|(?:gmt)?[+-](?:2[0-4]|[01]?[0-9])(?::?[0-5][0-9])?)"
_TIME = (
    rf"(?:(?:t|\s+|t\s*){_HOUR}:{_MINUTE}(?::(?:60|{_MINUTE})(?:[.,][0-9]+)?)?)?"
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


def is_date(value: Any) -> bool:
    """Whether Laravel's ``date`` rule accepts `value` (a string, or a number as its digits)."""
    if type(value) is str:
        text = value
    elif type(value) in (int, float):
        text = php_string(value)
    else:
        return False
    text = text.strip(" \t\n\r\x0b\x00")
    if _UNIX.fullmatch(text):
        return True  # date_parse reads 1970-01-01 plus seconds: always a real day
    for pattern in _FORMATS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        name = parts.get("month_name")
        month = _MONTHS[name.lower()] if name else int(parts["month"])
        year = _year(parts["year"])
        day = int(parts["day"])
        # checkdate: a year from 1 to 32767, and a day the month has.
        return year >= 1 and 1 <= day <= calendar.monthrange(year, month)[1]
    return False
