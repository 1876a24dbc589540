"""The blocking twins of the messaging resources, derived from the async methods."""

from __future__ import annotations

from shopbridge.core._twins import BlockingResource, blocking, blocking_feed
from shopbridge.kanal._messaging.resources import (
    AsyncAccount,
    AsyncAutomations,
    AsyncMessages,
    AsyncTemplates,
)

__all__ = ["Account", "Automations", "Messages", "Templates"]


class Messages(BlockingResource):
    """``/messages/send``: see `AsyncMessages`."""

    twin_of = AsyncMessages
    send = blocking(AsyncMessages.send)


class Templates(BlockingResource):
    """``/templates`` and ``/get_templates``: see `AsyncTemplates`."""

    twin_of = AsyncTemplates
    list = blocking(AsyncTemplates.list)
    send = blocking(AsyncTemplates.send)
    push_many = blocking_feed(AsyncTemplates.push_many)


class Automations(BlockingResource):
    """``/automations/{webhook_id}``: see `AsyncAutomations`."""

    twin_of = AsyncAutomations
    trigger = blocking(AsyncAutomations.trigger)
    push_many = blocking_feed(AsyncAutomations.push_many)


class Account(BlockingResource):
    """``/me``: see `AsyncAccount`."""

    twin_of = AsyncAccount
    me = blocking(AsyncAccount.me)
