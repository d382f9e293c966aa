"""The ``seedance`` command: check pictures, price renders, list models, generate, recover and more.

Every subcommand has ``--help`` and ``--json``. Exit codes: 0 success, 2 a plain refusal (bad argument, bad file,
bad setting, a render that did not give a video), 1 an unexpected error (one line, never a traceback), 130 Ctrl-C.
Commands that touch takes go through the same start-up as the app (``runtime.start``) and a ``Session``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from . import catalog, images
from .cli_common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNEXPECTED,
    Refusal,
    add_choice_args,
    choices_from,
    emit,
    models_in_use,
    say,
)
from .errors import InputError, InvalidRequest, NotReady, SeedanceError
from .plan import Plan
from .words import LOCALES, pick_locale
from .words.said import N_, said
from .words.said import say as say_in

log = logging.getLogger("seedance_ui.cli")


def cli_locale(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language asked for: ``--lang`` (before the command, or anywhere), else LC_ALL, else LANG (``es_ES.UTF-8``),
    else English. One of ``LOCALES``; a language we don't have is English."""
    asked = ""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            asked = argv[i + 1]
        elif arg.startswith("--lang="):
            asked = arg.split("=", 1)[1]
    if not asked:
        asked = environ.get("LC_ALL") or environ.get("LANG") or ""
    tag = asked.split(".")[0].split("@")[0]
    if tag in ("", "C", "POSIX"):
        return "en"
    return pick_locale(tag.replace("_", "-"))


def _demo() -> bool:
    """Demo mode as the commands start it (``runtime.start``): no key and no base URL."""
    return not os.environ.get("WAVESPEED_API_KEY", "").strip() and not os.environ.get("WAVESPEED_BASE_URL")


def _refuse(as_json: bool, message: str, extra: dict[str, Any] | None = None, code: int = EXIT_REFUSED) -> int:
    if as_json:
        print(json.dumps({"ok": False, "error": message, **(extra or {})}, indent=2, default=str))
    else:
        print(message, file=sys.stderr)
    return code


class _Parser(argparse.ArgumentParser):
    """argparse that refuses a bad argument in one plain line (JSON under --json), exit 2."""

    as_json = False

    def error(self, message: str) -> NoReturn:
        hint = f" (see `{self.prog} --help`)"
        raise Refusal(f"{message[0].upper()}{message[1:]}.{hint}")


def cmd_check_image(args: argparse.Namespace) -> int:
    try:
        check = images.inspect(args.path)
    except OSError as e:
        raise Refusal(said("cli.cant_read", path=args.path, why=e.strerror or e)) from None
    lines = [check.summary()] + [f"  note: {n}" for n in check.notes]
    if check.ok:
        lines.append(f"  suggested aspect ratio: {check.suggested_aspect_ratio}")
    emit(args, check.to_dict(), "\n".join(lines))
    return EXIT_OK if check.ok else EXIT_REFUSED


def cmd_price(args: argparse.Namespace) -> int:
    choices = choices_from(args)
    models = models_in_use()
    spec = next((m for m in models if m.id == choices.model_id), None)
    if spec is not None and spec.prompt_required and not choices.prompt:
        choices = choices.model_copy(update={"prompt": "(prompt)"})  # the price doesn't depend on the words
    plan = Plan.make(choices, models=models)
    q = plan.price
    locale = getattr(args, "locale", "en")
    head = said(N_("cli.price_head_sound") if q.audio else N_("cli.price_head"), model=plan.spec.name,
                seconds=q.duration, resolution=q.resolution, price=q.headline_said())  # fmt: skip
    per_second = said("cli.price_per_second", usd=f"${q.per_second:.4f}", source=q.source)
    text = "\n".join([say_in(head, locale), f"  {say_in(per_second, locale)}"]
                     + [f"  {say_in(w.said, locale)}" for w in q.what_if])  # fmt: skip
    emit(args, q.to_dict(), text)
    return EXIT_OK


def live_catalog() -> None:
    """With a key, WaveSpeed's live catalog (cached about an hour; fetched now when the cache is old), so a model
    WaveSpeed added today can be listed, priced and generated; without one, or offline, the built-in snapshot."""
    import os

    from . import catalog_live

    key = os.environ.get("WAVESPEED_API_KEY", "").strip()
    if not key:
        return
    try:
        state = catalog_live.load(key, os.environ.get("WAVESPEED_BASE_URL") or None, background=False)
    except SeedanceError:
        return  # no data folder: the command's own start-up says so plainly, with what to do
    if state.error:
        say(state.note())


def cmd_models(args: argparse.Namespace) -> int:
    models = models_in_use()
    data = [
        {
            "id": m.id, "name": m.name, "family": m.family, "prompt_required": m.prompt_required,
            "last_image": m.accepts_last_image, "aspect_ratio": m.accepts_aspect_ratio, "audio": m.accepts_audio,
            "resolutions": list(m.resolutions),
            "duration": {"min": m.duration_min, "max": m.duration_max, "default": m.duration_default},
            "fps": catalog.FPS, "retiring": m.retiring, "notice": str(m.notice or ""),
            "prices": {r: {"published": p.published, "source": str(p.source or "")} for r, p in m.prices.items()},
            "confidence": getattr(m, "confidence", None), "source": getattr(m, "source", None),
        }
        for m in models
    ]  # fmt: skip
    text = "\n".join(
        f"{m.id}\n  {m.name}: {m.summary}{' (retiring)' if m.retiring else ''}\n"
        f"  {m.duration_min}-{m.duration_max} s, {', '.join(m.resolutions)}"
        for m in models
    )
    emit(args, data, text)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="seedance", description="Seedance Studio: image-to-video on WaveSpeed AI.")
    p.add_argument("--lang", metavar="LANG", help=f"language of what it says: {', '.join(LOCALES)} (default: from "
                   "LC_ALL or LANG, else English)")  # fmt: skip
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def add(name: str, fn: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.add_argument("--json", action="store_true", help="print JSON")
        sp.set_defaults(fn=fn)
        return sp

    sp = add("check-image", cmd_check_image, help="Check a picture against Seedance's rules.")
    sp.add_argument("path")
    add_choice_args(add("price", cmd_price, help="Estimate what a render costs."))
    add("models", cmd_models, help="List the Seedance models.")

    from . import cli_jobs

    cli_jobs.register(add)
    from . import cli_queue

    cli_queue.register(add)

    from . import cli_board

    cli_board.register(add)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    locale = cli_locale(argv, os.environ)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    args = None
    try:
        args = build_parser().parse_args(argv)
        args.locale = locale
        if args.command in ("models", "price", "generate", "board"):
            live_catalog()
        return int(args.fn(args))
    except Refusal as e:
        return _refuse(as_json, say_in(e.message, locale), e.extra)
    except InvalidRequest as e:
        return _refuse(as_json, say_in(e.said, locale), {"problems": [{"field": f, "message": say_in(m, locale)}
                                                                       for f, m in e.said_problems]})  # fmt: skip
    except SeedanceError as e:
        # The money line matters where money could move; a refused stitch or history has nothing to say about it.
        paying = getattr(args, "command", None) in ("generate", "recover", "upscale", "batch", "queue", "board") and (not isinstance(e, InputError)
                                                                               or isinstance(e, NotReady))  # fmt: skip
        card = e.card(locale, demo=_demo())
        return _refuse(as_json, f"{card['title']} {card['money'] if paying else ''}".strip(), {"card": card})
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `seedance models | head`: the reader left; nothing to say
        sys.stderr.close()
        return EXIT_OK
    except SystemExit as e:  # --help, --version
        return int(e.code or 0)
    except Exception as e:  # a bug of ours: one line, not a traceback
        log.debug("unexpected", exc_info=True)
        return _refuse(as_json, say_in(said("cli.unexpected", kind=type(e).__name__, error=str(e)), locale),
                       code=EXIT_UNEXPECTED)  # fmt: skip


if __name__ == "__main__":
    # `python -m seedance_ui.cli` runs this file as __main__; the subcommands import seedance_ui.cli, so run that
    # module's main: one Refusal class, caught as it should be.
    from seedance_ui.cli import main as package_main

    sys.exit(package_main())
