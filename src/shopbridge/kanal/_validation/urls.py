"""Laravel's ``url`` rule (``Str::isUrl``, after Symfony's ``UrlValidator``), by hand. Pure.

The rule is one PCRE pattern under ``/ixu``; this reads a URL the way that pattern matches
it, part by part (scheme, user info, host, port, path, query, fragment), with Unicode
categories from `unicodedata` for its letter, number, symbol and mark classes. The scheme must be
one of the IANA schemes Laravel lists (``foo://bar`` and ``javascript://x`` fail), and
``://`` must follow it (``mailto:x@y.z`` fails).
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata
from functools import lru_cache

__all__ = ["SCHEMES", "is_url"]

SCHEMES = frozenset(
    """
    aaa aaas about acap acct acd acr adiumxtra adt afp afs aim amss android appdata apt ark
    attachment aw barion beshare bitcoin bitcoincash blob bolo browserext calculator callto
    cap cast casts chrome chrome-extension cid coap coap+tcp coap+ws coaps coaps+tcp coaps+ws
    com-eventbrite-attendee content conti crid cvs dab data dav diaspora dict did dis
    dlna-playcontainer dlna-playsingle dns dntp dpp drm drop dtn dvb ed2k elsi example
    facetime fax feed feedready file filesystem finger first-run-pen-experience fish fm ftp
    fuchsia-pkg geo gg git gizmoproject go gopher graph gtalk h323 ham hcap hcp http https
    hxxp hxxps hydrazone iax icap icon im imap info iotdisco ipn ipp ipps irc irc6 ircs iris
    iris.beep iris.lwz iris.xpc iris.xpcs isostore itms jabber jar jms keyparc lastfm ldap
    ldaps leaptofrogans lorawan lvlt magnet mailserver mailto maps market message mid mms
    modem mongodb moz ms-access ms-browser-extension ms-calculator ms-drive-to ms-enrollment
    ms-excel ms-eyecontrolspeech ms-gamebarservices ms-gamingoverlay ms-getoffice ms-help
    ms-infopath ms-inputapp ms-lockscreencomponent-config ms-media-stream-id
    ms-mixedrealitycapture ms-mobileplans ms-officeapp ms-people ms-project ms-powerpoint
    ms-publisher ms-restoretabcompanion ms-screenclip ms-screensketch ms-search
    ms-search-repair ms-secondary-screen-controller ms-secondary-screen-setup ms-settings
    ms-settings-airplanemode ms-settings-bluetooth ms-settings-camera ms-settings-cellular
    ms-settings-cloudstorage ms-settings-connectabledevices ms-settings-displays-topology
    ms-settings-emailandaccounts ms-settings-language ms-settings-location ms-settings-lock
    ms-settings-nfctransactions ms-settings-notifications ms-settings-power
    ms-settings-privacy ms-settings-proximity ms-settings-screenrotation ms-settings-wifi
    ms-settings-workplace ms-spd ms-sttoverlay ms-transit-to ms-useractivityset
    ms-virtualtouchpad ms-visio ms-walk-to ms-whiteboard ms-whiteboard-cmd ms-word msnim msrp
    msrps mss mtqp mumble mupdate mvn news nfs ni nih nntp notes ocf oid onenote onenote-cmd
    opaquelocktoken openpgp4fpr pack palm paparazzi payto pkcs11 platform pop pres prospero
    proxy pwid psyc pttp qb query redis rediss reload res resource rmi rsync rtmfp rtmp rtsp
    rtsps rtspu s3 secondlife service session sftp sgn shttp sieve simpleledger sip sips skype
    smb sms smtp snews snmp soap.beep soap.beeps soldat spiffe spotify ssh steam stun stuns
    submit svn tag teamspeak tel teliaeid telnet tftp tg things thismessage tip tn3270 tool
    ts3server turn turns tv udp unreal urn ut2004 v-event vemmi ventrilo videotex vnc
    view-source wais webcal wpid ws wss wtai wyciwyg xcon xcon-userid xfire xmlrpc.beep
    xmlrpc.beeps xmpp xri ymsgr z39.50 z39.50r z39.50s
    """.split()  # noqa: SIM905 - 312 names read better as words than as quoted items
)
"""The schemes ``Str::isUrl`` accepts (compared without case)."""

_HEX = frozenset(string.hexdigits)
_ASCII_LN = frozenset(string.ascii_letters + string.digits)
_ASCII_S = frozenset("$+<=>^`|~")  # the ASCII symbols (Unicode category S)
_USER = _ASCII_LN | frozenset("_.-")
_HOST = _ASCII_LN | _ASCII_S | frozenset("-_.")
_SINGLE_LABEL = _ASCII_LN | frozenset("-_")
_PATH = _ASCII_LN | frozenset("-._~!$&'()*+,;=:@")
_QUERY = _PATH | frozenset("[]/?")
_FRAGMENT = _PATH | frozenset("/?")


@lru_cache(maxsize=4096)
def _category(char: str) -> str:
    return unicodedata.category(char)[0]  # L, N, S, M, ...


def _in(char: str, ascii_set: frozenset[str], categories: str) -> bool:
    if char.isascii():
        return char in ascii_set
    return _category(char) in categories


def _percent_run(text: str, allowed: frozenset[str], categories: str) -> bool:
    """Whether `text` is made of allowed characters and ``%XX`` escapes only."""
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "%":
            if i + 2 >= n or text[i + 1 : i + 2] not in _HEX or text[i + 2 : i + 3] not in _HEX:
                return False
            i += 3
            continue
        if not _in(char, allowed, categories):
            return False
        i += 1
    return True


def _user_info(text: str) -> bool:
    user, colon, password = text.partition(":")
    if colon and not user:
        return False
    if not password and colon:
        return False
    for part in (user, password) if colon else (user,):
        if not part or not _percent_run(part, _USER, "LN"):
            return False
    return True


def _is_ipv6(text: str) -> bool:
    if not text or any(char not in _HEX and char not in ":." for char in text):
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _host(host: str) -> bool:
    if host.startswith("["):
        return host.endswith("]") and _is_ipv6(host[1:-1])
    if any(not _in(char, _HOST, "LNSM") for char in host):
        return False
    if host.endswith("."):
        host = host[:-1]
    if "." not in host:
        return bool(host) and all(char in _SINGLE_LABEL for char in host)
    labels = host.split(".")
    if not all(labels):
        return False
    tld = labels[-1]
    if (
        tld[:4].lower() == "xn--"
        and len(tld) > 4
        and all(char in _SINGLE_LABEL and char != "_" for char in tld[4:])
    ):
        return True
    return all(_in(char, _ASCII_LN, "LNM") for char in tld)


_ESCAPE = "%[0-9A-Fa-f]{2}"
# The usual shape, a strict part of what the reading below accepts, in one regex.
_PLAIN = re.compile(
    r"https?://[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.[A-Za-z0-9]+\.?(?::[0-9]+)?"
    rf"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_ESCAPE})*)*"
    rf"(?:\?(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]|{_ESCAPE})*)?"
    rf"(?:#(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|{_ESCAPE})*)?",
    re.IGNORECASE,
)


def is_url(value: object) -> bool:  # noqa: PLR0911 - one refusal per part of the URL
    """Whether Laravel's ``url`` rule (no protocol list given) accepts `value`."""
    if type(value) is not str:
        return False
    if _PLAIN.fullmatch(value) is not None:
        return True
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        return False
    # The authority ends at the first "/", "?" or "#": none of them is a host character.
    end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found != -1 and found < end:
            end = found
    authority, tail = rest[:end], rest[end:]
    info, at, host_port = authority.rpartition("@")
    if at and not _user_info(info):
        return False
    if host_port.startswith("["):
        close = host_port.find("]")
        host, port = (
            (host_port, "") if close == -1 else (host_port[: close + 1], host_port[close + 1 :])
        )
    else:
        host, colon, digits = host_port.partition(":")
        port = colon + digits
    if port and (port[0] != ":" or not port[1:].isascii() or not port[1:].isdigit()):
        return False
    if not _host(host):
        return False
    return _tail(tail)


def _tail(tail: str) -> bool:
    path, hash_mark, fragment = tail.partition("#")
    path, question, query = path.partition("?")
    if path and not path.startswith("/"):
        return False
    if any(not _percent_run(part, _PATH, "LN") for part in path.split("/")):
        return False
    if question and not _percent_run(query, _QUERY, "LN"):
        return False
    return not hash_mark or _percent_run(fragment, _FRAGMENT, "LN")
