"""Laravel's default ``email`` rule: egulias/EmailValidator's ``RFCValidation``, read the same way.

Laravel's ``email`` (no parameters) refuses a CR or LF, then asks egulias's RFC parser, which
walks tokens (a run of letters, a run of digits, one non-ASCII character, one punctuation
character) and refuses on its errors only: its warnings (a quoted local part, a comment, a
domain literal, a local part over 64 octets, no TLD) do not fail the rule. This module follows
that parser step by step, token types included, so that an address is refused here exactly
when egulias refuses it (``example.@x.com``, ``a..b@x.com``, ``test;123@x.com``,
``x@-localhost``), and accepted when it accepts (``"quoted"@x.com``, ``x@[IPv6:::1]``,
``x@localhost``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["is_email"]

# Token types (egulias EmailLexer's constants, by name).
EMPTY, GENERIC, INVALID, NUL = "empty", "generic", "invalid", "nul"
SP, HTAB, CR, LF, CRLF = " ", "\t", "\r", "\n", "\r\n"
AT, DOT, DQUOTE, BACKSLASH, SLASH, HYPHEN = "@", ".", '"', "\\", "/", "-"
OPEN_PAREN, CLOSE_PAREN, OPEN_BRACKET, CLOSE_BRACKET = "(", ")", "[", "]"
IPV6_TAG, DOUBLE_COLON = "IPv6", "::"

# The characters and words with a type of their own; anything else is GENERIC or INVALID.
_NAMED = frozenset("{}()<>[]:;@\\/,.'`\"- \t\r\n*!&^$%~|_=+?#¿¡") | {CRLF, IPV6_TAG, DOUBLE_COLON}
_SCAN = re.compile(r"[a-zA-Z]+[46]?|[^\x00-\x7F]|[0-9]+|\r\n|::|[ \t\n\x0b\x0c\r]|.", re.DOTALL)
_LOCAL_INVALID = frozenset({",", "]", "[", ">", "<", ":", ";", INVALID})
_FWS = frozenset({SP, HTAB, CR, LF, CRLF})
_DOMAIN_TOKENS = frozenset({GENERIC, HYPHEN, DOT})
_DOMAIN_MAX_LENGTH = 253
_LABEL_MAX_LENGTH = 63


class _Invalid(Exception):  # noqa: N818 - egulias's InvalidEmail result, raised to unwind
    pass


def _type(value: str) -> str:
    if value in _NAMED:
        return value
    if value == "\0":
        return NUL
    if len(value) == 1 and unicodedata.category(value)[0] in "SC":
        return INVALID  # INVALID_CHARS_REGEX: a symbol or control/format/unassigned character
    return GENERIC


_NULL = ("", EMPTY)


class _Lexer:
    """doctrine/lexer's cursor as EmailLexer drives it (current, previous, lookahead)."""

    def __init__(self, text: str) -> None:
        self.tokens = [(value, _type(value)) for value in _SCAN.findall(text)]
        self.invalid = any(kind == INVALID for _, kind in self.tokens)
        self.position = 0
        self.current: tuple[str, str] = _NULL
        self.previous: tuple[str, str] = _NULL
        self.lookahead: tuple[str, str] | None = None
        self.recording = False
        self.recorded = ""

    def move(self) -> bool:
        if self.recording and self.previous is _NULL:
            self.recorded += self.current[0]
        self.previous = self.current
        token = _NULL if self.lookahead is None else self.lookahead
        if self.position < len(self.tokens):
            self.lookahead = self.tokens[self.position]
            self.position += 1
        else:
            self.lookahead = None
        self.current = token
        if self.recording:
            self.recorded += token[0]
        return self.lookahead is not None

    def is_(self, kind: str) -> bool:
        return self.current[1] == kind

    def next_is(self, *kinds: str) -> bool:
        return self.lookahead is not None and self.lookahead[1] in kinds

    def ahead(self, kind: str) -> bool:
        """``find``: whether a token of `kind` comes at the lookahead or after it."""
        if self.lookahead is None:
            return False
        start = self.position - 1
        return any(token[1] == kind for token in self.tokens[start:])

    def escaped(self) -> bool:
        return self.previous[1] == BACKSLASH and not self.is_(GENERIC)


def _fws(lexer: _Lexer) -> None:
    if lexer.escaped() or lexer.current[1] not in _FWS:
        return
    previous = lexer.previous
    if lexer.is_(CRLF) and not lexer.next_is(SP, HTAB):
        raise _Invalid
    if lexer.is_(CR):
        raise _Invalid
    if lexer.next_is(GENERIC) and previous[1] != AT:
        raise _Invalid  # AtextAfterCFWS
    if lexer.is_(LF) or lexer.is_(NUL):
        raise _Invalid


def _comment(lexer: _Lexer, *, local: bool) -> None:
    opened = 0
    if lexer.is_(OPEN_PAREN):
        opened += 1
        if not lexer.ahead(CLOSE_PAREN):
            raise _Invalid
    if lexer.is_(CLOSE_PAREN):
        raise _Invalid
    more = True
    while more and (not lexer.next_is(AT) if local else not (opened == 0 and lexer.next_is(DOT))):
        if lexer.next_is(OPEN_PAREN):
            opened += 1
        if lexer.next_is(CLOSE_PAREN):
            opened -= 1
        more = lexer.move()
    if opened != 0 or not lexer.next_is(AT if local else DOT):
        raise _Invalid


def _check_dquote(lexer: _Lexer) -> None:
    if lexer.next_is(GENERIC) and lexer.previous[1] == GENERIC:
        raise _Invalid  # a quoted string must be a unit
    if not lexer.ahead(DQUOTE):
        raise _Invalid


def _double_quote(lexer: _Lexer) -> None:
    _check_dquote(lexer)
    lexer.move()
    while not lexer.is_(DQUOTE) and not lexer.is_(EMPTY):
        if lexer.is_(BACKSLASH) and lexer.next_is(DQUOTE):
            lexer.move()
        lexer.move()
        if not lexer.escaped() and lexer.current[1] in (NUL, HTAB, CR, LF):
            raise _Invalid
    previous_is_backslash = lexer.previous[1] == BACKSLASH
    if previous_is_backslash:
        _check_dquote(lexer)
    if not lexer.next_is(AT) and not previous_is_backslash:
        raise _Invalid


def _local_part(lexer: _Lexer) -> None:
    while not lexer.is_(AT) and not lexer.is_(EMPTY):
        if lexer.is_(DOT) and lexer.previous[1] == EMPTY:
            raise _Invalid  # DotAtStart
        if lexer.is_(DQUOTE):
            _double_quote(lexer)
        if lexer.is_(OPEN_PAREN) or lexer.is_(CLOSE_PAREN):
            _comment(lexer, local=True)
        if lexer.is_(DOT) and lexer.next_is(DOT, AT):
            raise _Invalid  # ConsecutiveDot, DotAtEnd
        if lexer.is_(BACKSLASH) and lexer.next_is(GENERIC):
            raise _Invalid
        if lexer.current[1] in _LOCAL_INVALID:
            raise _Invalid
        _fws(lexer)
        lexer.move()


def _label_too_long(label: str) -> bool:
    if label.isascii():
        return len(label) > _LABEL_MAX_LENGTH
    # idn_to_ascii's LABEL_TOO_LONG: the label's punycode form ("xn--...") over 63 octets.
    mapped = unicodedata.normalize("NFKC", label.lstrip(".")).lower()
    return len(b"xn--" + mapped.encode("punycode")) > _LABEL_MAX_LENGTH


def _domain_literal(lexer: _Lexer) -> None:
    while True:
        if lexer.is_(NUL) or lexer.next_is(OPEN_BRACKET) or lexer.next_is(CR):
            raise _Invalid
        if lexer.is_(BACKSLASH):
            raise _Invalid  # UnusualElements
        if lexer.is_(CLOSE_BRACKET) or not lexer.move():
            return


def _domain_part(lexer: _Lexer) -> None:  # noqa: PLR0912 - egulias's checks, one by one, in order
    lexer.recorded = ""
    lexer.recording = True
    lexer.move()
    if lexer.is_(DOT) or lexer.is_(HYPHEN):
        raise _Invalid  # DotAtStart, DomainHyphened
    if lexer.is_(EMPTY) or (lexer.is_(SP) and not lexer.next_is(GENERIC)):
        raise _Invalid  # NoDomainPart
    if lexer.is_(AT):
        raise _Invalid  # ConsecutiveAt
    has_comments = False
    label = ""
    literal = False
    while True:
        if lexer.is_(BACKSLASH) or lexer.is_(SLASH):
            raise _Invalid
        if lexer.is_(OPEN_PAREN) or lexer.is_(CLOSE_PAREN):
            has_comments = True
            _comment(lexer, local=False)
        if lexer.is_(DOT) and lexer.next_is(DOT):
            raise _Invalid
        if lexer.is_(OPEN_BRACKET):
            if not lexer.ahead(CLOSE_BRACKET):
                raise _Invalid
            _domain_literal(lexer)
            literal = True
            break
        if lexer.is_(DOT):
            if _label_too_long(label):
                raise _Invalid
            label = ""
        label += lexer.current[0]
        _fws(lexer)
        if lexer.is_(HYPHEN) and lexer.next_is(DOT):
            raise _Invalid
        if lexer.is_(BACKSLASH) and lexer.next_is(GENERIC):
            raise _Invalid
        allowed = lexer.current[1] in _DOMAIN_TOKENS or (
            has_comments and lexer.current[1] in (OPEN_PAREN, CLOSE_PAREN)
        )
        if not allowed:
            raise _Invalid
        lexer.move()
        if lexer.is_(EMPTY):
            break
    if not literal and _label_too_long(label):
        raise _Invalid
    if lexer.previous[1] in (DOT, HYPHEN) or lexer.is_(SP):
        raise _Invalid  # DotAtEnd, DomainHyphened, CRLFAtTheEnd
    if len(lexer.recorded.encode()) > _DOMAIN_MAX_LENGTH:
        raise _Invalid


# A shape every step above accepts (dot-atoms of ASCII atext, an ASCII host name with
# egulias's label lengths): most addresses are read by one regex instead of the parser.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN = re.compile(
    rf"{_ATEXT}(?:\.{_ATEXT})*@(?P<domain>[A-Za-z0-9]{{1,63}}(?:-+[A-Za-z0-9]+)*"
    r"(?:\.[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*)*)"
)


def _plain(value: str) -> bool:
    match = _PLAIN.fullmatch(value)
    if match is None:
        return False
    domain = match["domain"]
    # "IPv6" is a token of its own, which a domain may not hold; labels after the first
    # count their dot (egulias measures ".label").
    return (
        len(domain) <= _DOMAIN_MAX_LENGTH
        and "IPv6" not in domain
        and all(len(label) < _LABEL_MAX_LENGTH for label in domain.split(".")[1:])
        and len(domain.split(".", 1)[0]) <= _LABEL_MAX_LENGTH
    )


def is_email(value: object) -> bool:
    """Whether Laravel's ``email`` rule (RFC validation, the default) accepts `value`."""
    if type(value) is not str or "\r" in value or "\n" in value:
        return False
    if _plain(value):
        return True
    lexer = _Lexer(value)
    if lexer.invalid:
        return False
    lexer.move()
    lexer.move()
    if lexer.is_(AT):
        return False  # NoLocalPart
    try:
        _local_part(lexer)
        _domain_part(lexer)
    except _Invalid:
        return False
    return True
