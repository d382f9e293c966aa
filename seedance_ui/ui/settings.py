"""The Settings page and the mode banner: a pasted key is checked with WaveSpeed (one balance call) before it is
trusted, and the banner says truly which of the four cases this is (desktop or Space, demo or key)."""

from __future__ import annotations

import secrets
from typing import Any

from ..errors import SeedanceError
from ..words.said import Usd, said, say
from . import queue_settings
from .i18n import L
from .state import AppContext, Visitor

KEY_PAGE = "https://wavespeed.ai/accesskey"


def new_visitor(ctx: AppContext, token: str | None) -> tuple[Visitor, str]:
    """A visitor for this tab. On a Space the demo token is kept in the browser (never a key), so a reload or a
    reopened tab finds the same demo takes; returns the token to store back."""
    token = token if token and len(token) >= 16 and token.replace("-", "").replace("_", "").isalnum() else None
    token = token or secrets.token_urlsafe(16)
    return Visitor(token=token), token


def banner(ctx: AppContext, visitor: Visitor) -> str:
    """Which of the four cases this is (desktop or Space, demo or key), in the visitor's language."""
    locale = getattr(visitor, "locale", None) or "en"
    if visitor.key:
        visit = said("settings.key_this_visit") if ctx.on_space else ""
        balance = Usd.of(visitor.balance) if visitor.balance else None
        own = (said("settings.banner_own_key_balance", balance=balance, visit=visit) if balance else
               said("settings.banner_own_key", visit=visit))  # fmt: skip
        return say(own, locale)
    if ctx.uses_owner_key():
        owner = said("settings.banner_owner_key_space") if ctx.on_space else said("settings.banner_owner_key_desktop")
        return say(owner, locale)
    if ctx.demo is None:
        return say(said("settings.banner_no_key", link=KEY_PAGE), locale)
    demo = (said("settings.banner_demo_space", link=KEY_PAGE) if ctx.on_space else
            said("settings.banner_demo_desktop", link=KEY_PAGE))  # fmt: skip
    return say(demo, locale)


async def use_key(ctx: AppContext, visitor: Visitor, key: str) -> tuple[Visitor, str, str, str]:
    """Check a pasted key with one balance call before trusting it. Returns the visitor, the emptied field (the
    page keeps no copy), the note and the banner."""
    key = (key or "").strip()
    locale = getattr(visitor, "locale", None) or "en"
    if not key:
        visitor.key, visitor.balance = None, None
        return (
            visitor,
            "",
            say(
                said("settings.key_removed_owner") if ctx.uses_owner_key() else said("settings.key_removed_demo"),
                locale,
            ),
            banner(ctx, visitor),
        )
    if len(key) < 8 or any(c.isspace() for c in key):
        return visitor, "", say(said("settings.key_malformed"), locale), banner(ctx, visitor)
    trial = Visitor(token=visitor.token, key=key, locale=locale)
    try:
        check = await ctx.session(trial).check_key()
    except SeedanceError as e:
        return visitor, "", say(said("settings.key_problem", problem=e.said), locale), banner(ctx, visitor)
    if check.problem:
        refused = said("settings.key_refused", problem=check.problem, link=KEY_PAGE)
        return visitor, "", say(refused, locale), banner(ctx, visitor)
    visitor.key, visitor.balance = key, f"{check.balance:.2f}"
    connected = said("settings.key_connected", balance=Usd.of(f"{check.balance:.2f}"))
    return visitor, "", say(connected, locale), banner(ctx, visitor)


def key_field_info(ctx: AppContext) -> Any:
    """Where the key is kept (the page says it in the visitor's language; the link is WaveSpeed's key page)."""
    return L("settings.key_info_space") if ctx.on_space else L("settings.key_info_desktop")


def build(ctx: AppContext, visitor: Any, banner_md: Any, threshold: Any) -> Any:
    """The Settings tab: the key (checked before it is trusted) and the spending threshold (made unrendered by
    the layout, since the Create page reads it). Returns the event of a key being used."""
    from functools import partial

    import gradio as gr

    private: dict[str, Any] = {"api_visibility": "private"}
    key_box = gr.Textbox(label=L("settings.key"), type="password", info=key_field_info(ctx))
    key_btn = gr.Button(L("settings.use_key"))
    key_note = gr.Markdown(elem_id="key-note")
    threshold.render()
    ev = key_btn.click(partial(use_key, ctx), [visitor, key_box], [visitor, key_box, key_note, banner_md],
                       concurrency_limit=None, **private)  # fmt: skip
    sub = key_box.submit(partial(use_key, ctx), [visitor, key_box], [visitor, key_box, key_note, banner_md],
                         concurrency_limit=None, **private)  # fmt: skip
    queue_settings.build(ctx, visitor, banner_md, (ev, sub))  # the account level the queue keeps to (issue 21)
    return ev, sub
