"""The Kanal sandbox's messaging API (``specs/kanal.md`` §7, §9.7): state, routes and answers.

`MessagingSandbox` is held by `KanalSandbox` as ``sandbox.messaging``; the five routes reach
it through the sandbox's dispatch, so faults (a 503, a connection dropped before the request,
or *after* the message was sent) apply to them as to the commerce routes. It keeps:

* a subscription flag per team (403 "Team has no active subscription" without one);
* a WhatsApp number per team, and the templates of each number, whose ``structure`` is served
  as a JSON *string*; ``PENDING`` templates are not listed and cannot be sent (404);
* the 24-hour customer-service window per contact (`MessagingSandbox.open_window`: the contact
  wrote to you); a free-form send outside it is refused with `MessagingSandbox.window_error`,
  configurable since the docs cut it off;
* ``Idempotency-Key`` replay: a key seen before on the same number answers 201 "Message already
  sent with this idempotency key: <key>", and nothing goes out;
* automations with their active and re-entry flags; a contact that entered an automation
  without re-entry is answered 200 "Contact blocked by re-entry rule";
* the templates' limit, 60 a minute per key, answered 429 ``{"error": "Too many requests.
  Please slow down.", "retry_after": N}`` (no ``Retry-After`` header, as documented);
* what really went out: `MessagingSandbox.sent`, `MessagingSandbox.times_sent`, and the
  inspection views ``/_sandbox/messages``, ``/_sandbox/templates``,
  ``/_sandbox/automation-triggers``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from attrs import asdict, field, frozen

from shopbridge._sandbox.ratelimit import FixedWindowLimiter, RateLimit
from shopbridge._sandbox.responses import json_response
from shopbridge._sandbox.routing import Route
from shopbridge.kanal._messaging.validation import (
    check_message,
    check_template_send,
    check_trigger,
    clean_for_country,
    phone_digits,
)
from shopbridge.kanal.sandbox import _laravel as laravel
from shopbridge.kanal.sandbox._messaging_accounts import (
    DEFAULT_AUTOMATIONS,
    DEFAULT_TEMPLATES,
    DEFAULT_WINDOW_ERROR,
    NUMBERS,
    TEMPLATES_RATE_LIMIT,
    WINDOW_SECONDS,
    Automation,
    WhatsAppTemplate,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiohttp import web

__all__ = ["MESSAGING_ROUTES", "MESSAGING_ROUTE_NAMES", "MessagingSandbox", "SentMessage"]


@frozen(kw_only=True)
class SentMessage:
    """A message that really went out (a replay is not one)."""

    id: int
    team: str
    kind: str  # "message" or "template"
    phone_number: str
    idempotency_key: str | None
    type: str | None = None
    template_id: int | None = None
    variables: Mapping[str, Any] | None = field(default=None)
    sent_at: float


MESSAGING_ROUTES = (
    Route("POST", "/api/v1/messages/send", "messaging:send"),
    Route("POST", "/api/v1/templates", "messaging:templates"),
    Route("GET", "/api/v1/get_templates", "messaging:get_templates"),
    Route("POST", "/api/v1/automations/{webhook_id}", "messaging:automation"),
    Route("POST", "/api/v1/me", "messaging:me"),
)
MESSAGING_ROUTE_NAMES = frozenset(route.name for route in MESSAGING_ROUTES)


def _error(status: int, text: str) -> web.Response:
    return json_response(status, {"error": text})


def _message(status: int, text: str) -> web.Response:
    return json_response(status, {"message": text})


def _first(errors: Mapping[str, list[str]]) -> str:
    return next(iter(errors.values()))[0]


class MessagingSandbox:
    """The messaging API's state and answers; see the module docstring.

    Args:
        keys: the bearer token of each key, and its team.
        subscribed: the teams with an active subscription (default: team A only).
        templates: the templates of every number.
        automations: the automations.
        rate_limit: the templates' limit per key (default 60 a minute), ``None`` for none.
        window_error: the refusal of a free-form send outside the 24-hour window.
        clock: the wall clock, Unix seconds (the 24-hour windows).
    """

    def __init__(
        self,
        keys: Callable[[str], str | None],
        *,
        subscribed: frozenset[str] = frozenset({"team-a"}),
        templates: tuple[WhatsAppTemplate, ...] = DEFAULT_TEMPLATES,
        automations: tuple[Automation, ...] = DEFAULT_AUTOMATIONS,
        rate_limit: RateLimit | None = TEMPLATES_RATE_LIMIT,
        window_error: str = DEFAULT_WINDOW_ERROR,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._team_of = keys
        self.window_error = window_error
        self._clock = clock
        self._subscribed = set(subscribed)
        self._templates = {template.id: template for template in templates}
        self._automations = {automation.webhook_id: automation for automation in automations}
        self._limiter = FixedWindowLimiter(rate_limit) if rate_limit is not None else None
        self._lock = threading.Lock()
        self._sent: list[SentMessage] = []
        self._keys: dict[tuple[str, str], int] = {}
        self._windows: dict[tuple[str, str], float] = {}
        self._contacts: dict[str, int] = {}
        self._entered: Counter[tuple[str, str]] = Counter()
        self._triggers: list[dict[str, Any]] = []
        self._replays = 0

    # -- configuration and inspection ---------------------------------------------------------

    def set_subscription(self, team: str, *, active: bool) -> None:
        """Give `team` an active subscription, or take it away."""
        with self._lock:
            (self._subscribed.add if active else self._subscribed.discard)(team)

    def set_rate_limit(self, rate_limit: RateLimit | None) -> None:
        """Change the templates' limit per key; every window starts afresh."""
        self._limiter = FixedWindowLimiter(rate_limit) if rate_limit is not None else None

    def open_window(
        self, phone_number: str, *, team: str = "team-a", at: float | None = None
    ) -> None:
        """The contact wrote to `team`'s number (at `at`, default now): its window opens."""
        with self._lock:
            self._windows[team, phone_digits(phone_number)] = self._clock() if at is None else at

    @property
    def sent(self) -> list[SentMessage]:
        """Every message that really went out, in order."""
        with self._lock:
            return list(self._sent)

    @property
    def replays(self) -> int:
        """Sends answered 201: a key seen before, nothing sent."""
        return self._replays

    def times_sent(self, idempotency_key: str) -> int:
        """How many messages really went out with this key (1 at most, unless a bug)."""
        with self._lock:
            return sum(1 for message in self._sent if message.idempotency_key == idempotency_key)

    def triggers(self) -> list[dict[str, Any]]:
        """Every automation trigger that ran a flow, in order."""
        with self._lock:
            return list(self._triggers)

    def reset(self) -> None:
        """Forget what was sent, triggered and seen (keys, windows); keep the configuration."""
        with self._lock:
            self._sent.clear()
            self._keys.clear()
            self._windows.clear()
            self._contacts.clear()
            self._entered.clear()
            self._triggers.clear()
            self._replays = 0
        if self._limiter is not None:
            self._limiter.reset()

    def inspection_views(self) -> dict[str, Callable[[], Any]]:
        """``/_sandbox/messages``, ``/_sandbox/templates``, ``/_sandbox/automation-triggers``."""
        return {
            "messages": self._messages_view,
            "templates": lambda: [template.to_json() for template in self._templates.values()],
            "automation-triggers": self.triggers,
        }

    def _messages_view(self) -> dict[str, Any]:
        sent = self.sent
        keys = Counter(message.idempotency_key for message in sent if message.idempotency_key)
        return {
            "sent": [asdict(message) for message in sent],
            "replays": self._replays,
            "times_sent_by_key": dict(keys),
        }

    # -- requests -----------------------------------------------------------------------------

    async def handle(
        self, request: web.BaseRequest, route: Route, params: Mapping[str, str]
    ) -> web.Response:
        """Answer one messaging request."""
        automation = route.name == "messaging:automation"
        refuse = _message if automation else _error
        team = self._authenticate(request.headers.get("Authorization"))
        if team is None or isinstance(team, tuple):
            text = "API key is missing" if team is None else "Invalid API key"
            return refuse(401, text)
        if team not in self._subscribed:
            return refuse(403, "Team has no active subscription")
        if route.name == "messaging:get_templates":
            return self._list_templates(team)
        if route.name == "messaging:me":
            number_id, digits = NUMBERS.get(team, (0, ""))
            return json_response(
                200, {"team": team, "phone_number_id": number_id, "phone_number": digits}
            )
        body = await laravel.read_input(request)
        if automation:
            return self._trigger(team, params["webhook_id"], body)
        send = self._send_template if route.name == "messaging:templates" else self._send_message
        return send(request, team, body)

    def _authenticate(self, header: str | None) -> str | tuple[()] | None:
        # None: no key; (): a key nobody knows; else the key's team.
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        team = self._team_of(token)
        return () if team is None else team

    def _list_templates(self, team: str) -> web.Response:
        number_id = NUMBERS.get(team, (0, ""))[0]
        listed = [
            template.to_json()
            for template in self._templates.values()
            if template.phone_number_id == number_id and template.wa_status == "APPROVED"
        ]
        return json_response(200, listed)

    def _replay(self, request: web.BaseRequest, team: str) -> web.Response | None:
        key = request.headers.get("Idempotency-Key")
        if key and (team, key) in self._keys:
            self._replays += 1
            return json_response(
                201, {"message": f"Message already sent with this idempotency key: {key}"}
            )
        return None

    def _send_template(
        self, request: web.BaseRequest, team: str, body: dict[str, Any]
    ) -> web.Response:
        headers: dict[str, str] = {}
        if self._limiter is not None:
            decision = self._limiter.hit(request.headers.get("Authorization", ""))
            headers = {
                "X-RateLimit-Limit": str(decision.limit),
                "X-RateLimit-Remaining": str(decision.remaining),
            }
            if not decision.allowed:
                payload = {
                    "error": "Too many requests. Please slow down.",
                    "retry_after": decision.retry_after,
                }
                return json_response(429, payload, headers=headers)
        response = self._template_answer(request, team, body)
        response.headers.update(headers)
        return response

    def _template_answer(
        self, request: web.BaseRequest, team: str, body: dict[str, Any]
    ) -> web.Response:
        with self._lock:
            replay = self._replay(request, team)
            if replay is not None:
                return replay
            errors = check_template_send(body)
            if errors:
                return _error(400, _first(errors))
            template = self._templates.get(int(body["template_id"]))
            number_id = NUMBERS.get(team, (0, ""))[0]
            if (
                template is None
                or template.phone_number_id != number_id
                or template.wa_status != "APPROVED"
            ):
                return _error(404, "Template not found")
            variables = body.get("variables") or {}
            missing = [name for name in template.variables if not variables.get(name)]
            if missing:
                return _error(400, f"Missing variables: {', '.join(missing)}")
            digits = phone_digits(body["phone_number"])
            country = body.get("cleanForCountry")
            if country:
                digits = clean_for_country(digits, country)
            sent = self._record(
                request, team, "template", digits, template_id=template.id, variables=variables
            )
            return self._sent_answer("Template message sent successfully", sent)

    def _send_message(
        self, request: web.BaseRequest, team: str, body: dict[str, Any]
    ) -> web.Response:
        with self._lock:
            replay = self._replay(request, team)
            if replay is not None:
                return replay
            errors = check_message(body)
            if errors:
                return _error(400, _first(errors))
            digits = phone_digits(body["to"])
            opened = self._windows.get((team, digits))
            if opened is None or self._clock() - opened >= WINDOW_SECONDS:
                return _error(400, self.window_error)
            sent = self._record(request, team, "message", digits, type_=body["type"])
            return self._sent_answer("Message sent successfully", sent)

    def _record(
        self,
        request: web.BaseRequest,
        team: str,
        kind: str,
        digits: str,
        *,
        type_: str | None = None,
        template_id: int | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> SentMessage:
        key = request.headers.get("Idempotency-Key") or None
        message = SentMessage(
            id=100_000 + len(self._sent),
            team=team,
            kind=kind,
            phone_number=digits,
            idempotency_key=key,
            type=type_,
            template_id=template_id,
            variables=dict(variables) if variables is not None else None,
            sent_at=self._clock(),
        )
        self._sent.append(message)
        if key is not None:
            self._keys[team, key] = message.id
        self._contacts.setdefault(digits, 7_000 + len(self._contacts))
        return message

    def _sent_answer(self, text: str, sent: SentMessage) -> web.Response:
        return json_response(
            200,
            {
                "success": True,
                "message": text,
                "message_id": sent.id,
                "contact_id": self._contacts[sent.phone_number],
                "phone_number": sent.phone_number,
            },
        )

    def _refusal(self, team: str, automation: Automation | None) -> web.Response | None:
        if automation is None:
            return _message(404, "Incoming webhook not found")
        if automation.deleted:
            return _message(404, "Automation not found")
        if automation.team != team:
            return _message(401, "Invalid API key")
        if not automation.active:
            return _message(400, "Automation is not active")
        return None

    def _trigger(self, team: str, webhook_id: str, body: dict[str, Any]) -> web.Response:
        automation = self._automations.get(webhook_id)
        refusal = self._refusal(team, automation)
        if refusal is not None:
            return refusal
        assert automation is not None  # noqa: S101 - _refusal answered for a missing one
        errors = check_trigger(body)
        if errors:
            return _message(400, _first(errors))
        digits = phone_digits(body["phone_number"])
        with self._lock:
            entered = (webhook_id, digits)
            if self._entered[entered] and not automation.allow_reentry:
                return _message(200, "Contact blocked by re-entry rule")
            self._entered[entered] += 1
            self._triggers.append(
                {
                    "webhook_id": webhook_id,
                    "phone_number": digits,
                    "variables": body.get("variables"),
                    "shopify_customer_id": body.get("shopify_customer_id"),
                }
            )
        return _message(200, "Incoming webhook triggered")
