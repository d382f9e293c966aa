"""The Settings page and the mode banner: a pasted key is checked with WaveSpeed (one balance call) before it is
trusted, and the banner says truly which of the four cases this is (desktop or Space, demo or key)."""

from __future__ import annotations

import secrets
from typing import Any

from ..errors import SeedanceError
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
    where = "this Space's computer" if ctx.on_space else "this computer"
    if visitor.key:
        bal = f" · balance ${visitor.balance}" if visitor.balance else ""
        return (f"🔑 **Connected to WaveSpeed** with your key{bal}. Real renders are charged to your account. "
                f"{'The key is kept for this visit only.' if ctx.on_space else ''}").strip()  # fmt: skip
    if ctx.uses_owner_key():
        who = "the Space owner's key" if ctx.on_space else "the API key from this computer's settings"
        return f"🔑 **Connected to WaveSpeed** with {who}. Real renders are charged to that account."
    if ctx.demo is None:
        return f"🔑 Add your WaveSpeed API key in Settings to start ([get a key]({KEY_PAGE}))."
    return (f"🎬 **Demo mode**: free previews rendered on {where}, not by Seedance. Add your own WaveSpeed API key "
            f"in Settings to make real videos ([get a key]({KEY_PAGE})).")  # fmt: skip


async def use_key(ctx: AppContext, visitor: Visitor, key: str) -> tuple[Visitor, str, str, str]:
    """Check a pasted key with one balance call before trusting it. Returns the visitor, the emptied field (the
    page keeps no copy), the note and the banner."""
    key = (key or "").strip()
    if not key:
        visitor.key, visitor.balance = None, None
        return (
            visitor,
            "",
            "Key removed: back to " + ("the owner's key." if ctx.uses_owner_key() else "demo mode."),
            banner(ctx, visitor),
        )
    if len(key) < 8 or any(c.isspace() for c in key):
        return visitor, "", "⛔ That doesn't look like a WaveSpeed API key.", banner(ctx, visitor)
    trial = Visitor(token=visitor.token, key=key)
    try:
        check = await ctx.session(trial).check_key()
    except SeedanceError as e:
        return visitor, "", f"⛔ {e.message}", banner(ctx, visitor)
    if check.problem:
        return visitor, "", f"⛔ {check.problem} ([Your WaveSpeed keys]({KEY_PAGE}))", banner(ctx, visitor)
    visitor.key, visitor.balance = key, f"{check.balance:.2f}"
    return visitor, "", f"✅ Connected: balance ${check.balance:.2f}.", banner(ctx, visitor)


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
    queue_settings.build(ctx, visitor, (ev, sub))  # the account level the queue keeps to (issue 21)
    return ev, sub
