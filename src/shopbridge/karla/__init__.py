"""Karla (post-purchase tracking): its decision table and error-body parser."""

from __future__ import annotations

from shopbridge.karla.table import ERROR_KEYS, KARLA_TABLE, ErrorKey, parse_error

__all__ = ["ERROR_KEYS", "KARLA_TABLE", "ErrorKey", "parse_error"]
