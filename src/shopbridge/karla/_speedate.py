"""speedate's datetime and date parsers, as pydantic-core calls them, by hand. Pure.

Ported from speedate's ``DateTime::parse_bytes_with_config``, ``Date::parse_bytes_with_config``
and ``Time::parse_bytes_offset``: RFC 3339-like text (``T``, ``t``, ``_`` or a space between date
and time, ``Z`` or ``z`` or ``+HH:MM`` or ``+HHMM`` after it, a fraction truncated to
microseconds) or, failing that, the text read as a Unix timestamp. Each refusal is a
`SpeedateError` whose argument is speedate's own documentation of it, the reason pydantic shows.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = [
    "MS_WATERSHED",
    "SpeedateError",
    "YearZeroError",
    "from_timestamp",
    "parse_date",
    "parse_datetime",
]

MS_WATERSHED = 20_000_000_000
"""A timestamp beyond this (in absolute value) is in milliseconds, not seconds."""
_UNIX_0000 = -62_167_219_200
_UNIX_9999 = 253_402_300_799
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SpeedateError(Exception):
    """A speedate parse error; its argument is the error's documentation (pydantic's reason)."""


class YearZeroError(Exception):
    """speedate parsed year 0, which pydantic then fails to make a Python datetime of."""


_I64_MAX = 2**63 - 1
_TIMESTAMP_INT = re.compile(r"[+-]?[0-9]+")
# Where speedate's integer reading stops at a '.', it reads the text as a float instead.
_TIMESTAMP_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _timestamp_int(text: str) -> int | None:
    if _TIMESTAMP_INT.fullmatch(text) is None:
        return None
    number = int(text)
    return number if abs(number) <= _I64_MAX else None


def _digit(text: str, index: int, reason: str) -> int:
    char = text[index] if index < len(text) else ""
    if len(char) != 1 or not "0" <= char <= "9":
        raise SpeedateError(reason)
    return ord(char) - 48


def _date_partial(text: str) -> date:
    if len(text) < 10:
        raise SpeedateError("input is too short")
    year = sum(_digit(text, i, "invalid character in year") * 10 ** (3 - i) for i in range(4))
    if text[4] != "-":
        raise SpeedateError("invalid date separator, expected `-`")
    month = _digit(text, 5, "invalid character in month") * 10
    month += _digit(text, 6, "invalid character in month")
    if text[7] != "-":
        raise SpeedateError("invalid date separator, expected `-`")
    day = _digit(text, 8, "invalid character in day") * 10 + _digit(
        text, 9, "invalid character in day"
    )
    if not 1 <= month <= 12:
        raise SpeedateError("month value is outside expected range of 1-12")
    leap = year % 400 == 0 if year % 100 == 0 else year % 4 == 0
    longest = {2: 29 if leap else 28, 4: 30, 6: 30, 9: 30, 11: 30}.get(month, 31)
    if not 1 <= day <= longest:
        raise SpeedateError("day value is outside expected range")
    if year == 0:  # speedate reads year 0; Python's datetime cannot hold it
        raise YearZeroError
    return date(year, month, day)


def _time_at(text: str, start: int) -> tuple[int, int, int, int, timezone | None]:
    """Speedate's ``Time::parse_bytes_offset``: (hour, minute, second, microsecond, tz)."""
    if len(text) - start < 5:
        raise SpeedateError("input is too short")
    hour = _digit(text, start, "invalid character in hour") * 10
    hour += _digit(text, start + 1, "invalid character in hour")
    if text[start + 2] != ":":
        raise SpeedateError("invalid time separator, expected `:`")
    minute = _digit(text, start + 3, "invalid character in minute") * 10
    minute += _digit(text, start + 4, "invalid character in minute")
    if hour > 23:
        raise SpeedateError("hour value is outside expected range of 0-23")
    if minute > 59:
        raise SpeedateError("minute value is outside expected range of 0-59")
    position, second, micro = start + 5, 0, 0
    if text[position : position + 1] == ":":
        second = _digit(text, start + 6, "invalid character in second") * 10
        second += _digit(text, start + 7, "invalid character in second")
        if second > 59:
            raise SpeedateError("second value is outside expected range of 0-59")
        position = start + 8
        if text[position : position + 1] in (".", ","):
            position += 1
            digits = 0
            while position + digits < len(text) and "0" <= text[position + digits] <= "9":
                digits += 1
            if digits == 0:
                raise SpeedateError("second fraction digits missing after `.`")
            # Beyond six digits speedate truncates (pydantic's default overflow behaviour).
            micro = int(text[position : position + min(digits, 6)].ljust(6, "0"))
            position += digits
    return hour, minute, second, micro, _offset_at(text, position)


def _offset_at(text: str, position: int) -> timezone | None:
    if position >= len(text):
        return None
    sign_char, position = text[position], position + 1
    if sign_char in "Zz":
        offset = 0
    else:
        if sign_char not in "+-\u2212":
            raise SpeedateError("invalid timezone sign")
        sign = 1 if sign_char == "+" else -1
        hours = _digit(text, position, "invalid timezone hour") * 10
        hours += _digit(text, position + 1, "invalid timezone hour")
        if text[position + 2 : position + 3] == ":":
            position += 3
        elif text[position + 2 : position + 3].isdigit():
            position += 2
        else:
            raise SpeedateError("invalid timezone minute")
        minutes = _digit(text, position, "invalid timezone minute") * 10
        minutes += _digit(text, position + 1, "invalid timezone minute")
        if minutes >= 60:
            raise SpeedateError("timezone minute value is outside expected range of 0-59")
        offset = sign * (hours * 3600 + minutes * 60)
        if abs(offset) >= 24 * 3600:
            raise SpeedateError("timezone offset must be less than 24 hours")
        position += 2
    if len(text) > position:
        raise SpeedateError("unexpected extra characters at the end of the input")
    return timezone(timedelta(seconds=offset))


def from_timestamp(seconds: int, micro: int = 0, *, exact_date: bool = False) -> datetime:
    if abs(seconds) > MS_WATERSHED:
        seconds, millis = divmod(seconds, 1000)
        micro += millis * 1000
    seconds, micro = seconds + micro // 1_000_000, micro % 1_000_000
    if seconds < _UNIX_0000:
        raise SpeedateError("dates before 0000 are not supported as unix timestamps")
    if seconds > _UNIX_9999:
        raise SpeedateError("dates after 9999 are not supported as unix timestamps")
    if exact_date and (seconds % 86_400 or micro):
        raise SpeedateError("Timestamp is not an exact date")
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=micro)
    except OverflowError:  # before year 1: speedate's range is wider than Python's
        raise SpeedateError("dates before 0000 are not supported as unix timestamps") from None


def parse_datetime(text: str) -> datetime:
    try:
        day = _date_partial(text)
        if text[10:11] not in ("T", "t", " ", "_"):
            raise SpeedateError("invalid datetime separator, expected `T`, `t`, `_` or space")
        hour, minute, second, micro, tz = _time_at(text, 11)
        return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=tz)
    except SpeedateError:
        # speedate then reads the text as a number: an int, or a float if it has a '.'.
        seconds = _timestamp_int(text)
        if seconds is not None:
            return from_timestamp(seconds)
        if _TIMESTAMP_FLOAT.fullmatch(text):
            number = float(text)
            if abs(number) > MS_WATERSHED:
                number /= 1000
            whole = math.floor(number)
            return from_timestamp(whole, round((number - whole) * 1_000_000))
        raise


def parse_date(text: str) -> date:
    try:
        day = _date_partial(text)
    except SpeedateError:
        seconds = _timestamp_int(text)
        if seconds is not None:
            return from_timestamp(seconds, exact_date=True).date()
        raise
    if len(text) > 10:
        raise SpeedateError("unexpected extra characters at the end of the input")
    return day
