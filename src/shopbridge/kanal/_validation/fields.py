"""`FieldRule`: one field's line of a Laravel rules array, as data. Pure.

Its own module because both the schemas (which list the rules) and the compiled validators
(which turn them into one function per schema) read it.
"""

from __future__ import annotations

from attrs import Factory, field, frozen

from shopbridge.kanal._validation.checks import (
    Check,
    Kind,
    attribute,
    compile_check,
    laravel_rules,
)

__all__ = ["FieldRule"]


def _wildcard_last_if_any(_rule: object, _attribute: object, path: str) -> None:
    parts = path.split(".")
    if "*" in parts[:-1]:
        msg = f"{path!r}: a field rule may expand one list, at its last segment ('tags.*')"
        raise ValueError(msg)


@frozen(kw_only=True)
class FieldRule:
    """One field's rules.

    Attributes:
        path: the dot path; ``*`` stands for every index of a list (``tags.*``).
        kind: the type the value must have.
        required: must be present and non-null (else: may be omitted).
        nullable: may be null when present (Laravel's ``nullable``).
        max_length: ``max:N`` for strings.
        exact_length: ``size:N`` for strings.
        minimum: ``min:N`` for numbers.
        choices: ``in:...`` values.
        free_form: an object whose keys are the caller's (``metadata``, line items).
    """

    path: str = field(validator=_wildcard_last_if_any)
    kind: Kind
    required: bool = False
    nullable: bool = True
    max_length: int | None = None
    exact_length: int | None = None
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    free_form: bool = False
    # Derived once, so that validating a record walks no strings it need not.
    parts: tuple[str, ...] = field(
        init=False,
        repr=False,
        default=Factory(lambda rule: tuple(rule.path.split(".")), takes_self=True),
    )
    attribute: str = field(
        init=False, repr=False, default=Factory(lambda rule: attribute(rule.path), takes_self=True)
    )
    wildcard: bool = field(
        init=False, repr=False, default=Factory(lambda r: "*" in r.parts, takes_self=True)
    )
    """Whether the path expands over the items of a list (``tags.*``)."""
    check: Check = field(
        init=False,
        repr=False,
        eq=False,
        default=Factory(lambda rule: rule._compile(), takes_self=True),
    )
    """The rules bound into one function of (attribute, value)."""

    @property
    def laravel(self) -> str:
        """The field's line of the Laravel rules array (``"required|string|max:255"``)."""
        presence = ("required",) if self.required else ("nullable",) if self.nullable else ()
        rules = laravel_rules(
            self.kind,
            exact_length=self.exact_length,
            max_length=self.max_length,
            minimum=self.minimum,
            choices=self.choices,
        )
        return "|".join((*presence, *rules))

    def _compile(self) -> Check:
        return compile_check(
            self.kind,
            exact_length=self.exact_length,
            max_length=self.max_length,
            minimum=self.minimum,
            choices=self.choices,
        )
