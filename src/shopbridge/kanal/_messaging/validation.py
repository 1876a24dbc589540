"""The messaging API's rules (``specs/kanal.md`` §7), in the server's terms. Pure.

The client checks a body with these before sending it, and the Kanal sandbox checks every
messaging request with the same functions, so a body the client refuses carries the message
the server would answer. Messages are the docs' where the docs give them ("template_id is
required", "Invalid phone_number format", "shopify_customer_id must be numeric"); the docs' error
tables for ``/messages/send`` and ``/templates`` are cut off, so the other messages are ours,
written in the same style.

Phone numbers: Kanal strips every non-digit, then checks a *possible* number the way
libphonenumber does; so does `is_possible_phone`, with ``phonenumbers``, the maintained port of
libphonenumber (a possible number has a known country code and a plausible length; whether it is
assigned is not asked).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import phonenumbers

from shopbridge.kanal._messaging.models import MESSAGE_TYPES

__all__ = [
    "Errors",
    "check_message",
    "check_template_send",
    "check_template_variables",
    "check_trigger",
    "check_webhook_id",
    "clean_for_country",
    "is_possible_phone",
    "phone_digits",
]

Errors = dict[str, list[str]]
"""Messages by field (dot path), as `shopbridge.core._errors.ValidationError` carries them."""

_DIGITS = re.compile(r"[^0-9]")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_MESSAGE_FIELDS = frozenset({"to", "type", *MESSAGE_TYPES})
_TEMPLATE_FIELDS = frozenset(
    {"template_id", "phone_number", "variables", "cleanForCountry", "name", "email"}
)
_TRIGGER_FIELDS = frozenset({"phone_number", "variables", "shopify_customer_id"})
_CAPTIONED = frozenset({"image", "video"})


def phone_digits(value: str) -> str:
    """The number as Kanal reads it: every non-digit stripped (``+33 6 12`` → ``33612``)."""
    return _DIGITS.sub("", value)


def clean_for_country(digits: str, country: str) -> str:
    """``cleanForCountry``: a national number made international for `country` (``"FR"``).

    As the docs say for ``FR``: a leading ``0`` is dropped and the country code (``33``) is
    added when missing. A country libphonenumber does not know leaves the digits as they are.
    """
    code = phonenumbers.country_code_for_region(country.upper())
    if code == 0:
        return digits
    prefix = str(code)
    if digits.startswith("0"):
        digits = digits[1:]
    return digits if digits.startswith(prefix) else prefix + digits


def is_possible_phone(digits: str) -> bool:
    """Whether the digits (country code first) are a possible number, as libphonenumber says."""
    if not digits:
        return False
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _phone(data: Mapping[str, Any], name: str, errors: Errors, country: object = None) -> None:
    value = data.get(name)
    if _blank(value):
        errors[name] = [f"{name} is required"]
        return
    if not isinstance(value, str):
        errors[name] = [f"{name} must be a string"]
        return
    digits = phone_digits(value)
    if isinstance(country, str) and country:
        digits = clean_for_country(digits, country)
    if not is_possible_phone(digits):
        errors[name] = [f"Invalid {name} format"]


def _unknown(data: Mapping[str, Any], known: frozenset[str], errors: Errors) -> None:
    for key in data:
        if key not in known:
            errors[str(key)] = [
                "Kanal does not know this field and would ignore it (unknown_fields='send' "
                "sends it anyway)."
            ]


def _not_an_object(data: object) -> Errors | None:
    if isinstance(data, Mapping):
        return None
    return {"": [f"The body must be a JSON object, not {type(data).__name__}."]}


def check_message(data: Any, *, reject_unknown: bool = False) -> Errors:
    """The errors of a ``/messages/send`` body (empty: valid)."""
    wrong = _not_an_object(data)
    if wrong is not None:
        return wrong
    errors: Errors = {}
    _phone(data, "to", errors)
    kind = data.get("type")
    if _blank(kind):
        errors["type"] = ["type is required"]
        return errors
    if kind not in MESSAGE_TYPES:
        errors["type"] = [f"type must be one of: {', '.join(MESSAGE_TYPES)}"]
        return errors
    content = data.get(kind)
    if content is not None and not isinstance(content, Mapping):
        errors[kind] = [f"{kind} must be an object"]
        return errors
    content = content or {}
    if kind == "text":
        body = content.get("body")
        if _blank(body) or not isinstance(body, str):
            errors["text.body"] = ["text.body is required when type is text"]
    else:
        _media(kind, content, errors, reject_unknown=reject_unknown)
    if reject_unknown:
        _unknown(data, _MESSAGE_FIELDS, errors)
        for other in MESSAGE_TYPES:
            if other != kind and other in data:
                errors[other] = [f"{other} is not used when type is {kind}"]
    return errors


def _media(kind: str, content: Mapping[str, Any], errors: Errors, *, reject_unknown: bool) -> None:
    link = content.get("link")
    if _blank(link):
        errors[f"{kind}.link"] = [f"{kind}.link is required when type is {kind}"]
    elif not isinstance(link, str) or _URL.fullmatch(link) is None:
        errors[f"{kind}.link"] = [f"{kind}.link must be a valid URL"]
    caption = content.get("caption")
    if caption is not None and not isinstance(caption, str):
        errors[f"{kind}.caption"] = [f"{kind}.caption must be a string"]
    elif caption is not None and kind not in _CAPTIONED and reject_unknown:
        errors[f"{kind}.caption"] = [
            f"A caption is used only for image and video; Kanal ignores it for {kind}."
        ]


def _flat_variables(data: Mapping[str, Any], errors: Errors, *, flat: bool) -> None:
    variables = data.get("variables")
    if variables is None:
        return
    if not isinstance(variables, Mapping):
        errors["variables"] = ["variables must be an object"]
        return
    if flat:
        for name, value in variables.items():
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                errors[f"variables.{name}"] = [
                    "variables must be a flat map of text or numbers, keyed by the template's "
                    "variable names"
                ]


def check_template_send(data: Any, *, reject_unknown: bool = False) -> Errors:
    """The errors of a ``/templates`` body (empty: valid)."""
    wrong = _not_an_object(data)
    if wrong is not None:
        return wrong
    errors: Errors = {}
    template_id = data.get("template_id")
    if _blank(template_id):
        errors["template_id"] = ["template_id is required"]
    elif isinstance(template_id, bool) or not (
        isinstance(template_id, int) or (isinstance(template_id, str) and template_id.isdigit())
    ):
        errors["template_id"] = ["template_id must be an integer"]
    country = data.get("cleanForCountry")
    if country is not None and (
        not isinstance(country, str) or phonenumbers.country_code_for_region(country.upper()) == 0
    ):
        errors["cleanForCountry"] = ["cleanForCountry must be a country code, such as FR"]
        country = None
    _phone(data, "phone_number", errors, country)
    _flat_variables(data, errors, flat=True)
    name, email = data.get("name"), data.get("email")
    if name is not None and not isinstance(name, str):
        errors["name"] = ["name must be a string"]
    if email is not None and (not isinstance(email, str) or _EMAIL.fullmatch(email) is None):
        errors["email"] = ["email must be a valid email address"]
    if reject_unknown:
        _unknown(data, _TEMPLATE_FIELDS, errors)
    return errors


def check_template_variables(declared: tuple[str, ...], variables: object) -> Errors:
    """A template send's `variables` against those its template declares.

    None may be missing, and none unknown: Kanal would ignore an unknown one, so a misspelt
    name would send a blank.
    """
    given = variables if isinstance(variables, Mapping) else {}
    errors: Errors = {}
    for name in declared:
        if _blank(given.get(name)):
            errors[f"variables.{name}"] = [f"The template declares the variable {name}: give it."]
    for name in given:
        if name not in declared:
            known = ", ".join(declared) or "none"
            errors[f"variables.{name}"] = [
                f"The template declares no variable {name} (it declares: {known})."
            ]
    return errors


def check_trigger(data: Any, *, reject_unknown: bool = False) -> Errors:
    """The errors of a ``/automations/{webhook_id}`` body (empty: valid)."""
    wrong = _not_an_object(data)
    if wrong is not None:
        return wrong
    errors: Errors = {}
    _phone(data, "phone_number", errors)
    _flat_variables(data, errors, flat=False)
    customer = data.get("shopify_customer_id")
    if customer is not None and (
        isinstance(customer, bool)
        or not (isinstance(customer, int) or (isinstance(customer, str) and customer.isdigit()))
    ):
        errors["shopify_customer_id"] = ["shopify_customer_id must be numeric"]
    if reject_unknown:
        _unknown(data, _TRIGGER_FIELDS, errors)
    return errors


def check_webhook_id(value: object) -> list[str]:
    """The errors of a ``webhook_id`` (the UUID of the automation's Incoming Webhook node)."""
    if not isinstance(value, str) or _UUID.fullmatch(value.strip()) is None:
        return [
            "webhook_id must be the UUID of the automation's Incoming Webhook node (shown in "
            "the automation editor)."
        ]
    return []
