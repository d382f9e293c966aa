"""The page's words (the ``labels`` gettext domain): the template extracted from the code is up to date, every label
has a translation in all five languages, no translation loses a placeholder, and the visitor's language is their
own (never the process's)."""

import asyncio
import string
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from seedance_ui.ui import i18n, language, page_start
from seedance_ui.ui.i18n import L_in, labels_of, page_i18n
from seedance_ui.ui.state import Visitor
from seedance_ui.words import LOCALES

ROOT = Path(__file__).resolve().parent.parent


def extracted(**keywords) -> set[str]:  # type: ignore[no-untyped-def]
    """The label keys the code marks, found the way ``pybabel extract -k L -k L_in:2`` finds them."""
    found = set()
    for folder in (ROOT / "seedance_ui" / "ui", ROOT):
        method_map = [("*.py", "python")] if folder == ROOT else [("**.py", "python")]
        for _, _, key, *_ in extract_from_dir(folder, method_map=method_map, keywords=keywords):
            found.add(key)
    return found


@pytest.fixture(scope="module")
def keys() -> dict[str, set[str]]:
    browser, server = extracted(L=None), extracted(L_in=(2,))
    return {"browser": browser, "server": server, "all": browser | server}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_is_up_to_date_with_the_code(keys):
    with i18n.POT.open("rb") as f:
        template = {str(m.id) for m in read_po(f) if m.id}
    assert keys["all"] == template, (
        f"run pybabel extract (README, Languages): missing {sorted(keys['all'] - template)}, "
        f"gone {sorted(template - keys['all'])}"
    )
    assert len(template) > 80  # every page's labels, not a stub


@pytest.mark.parametrize("locale", LOCALES)
def test_every_label_has_a_translation_in_each_language(keys, locale):
    words = labels_of(locale)
    missing = sorted(k for k in keys["all"] if not words.get(k, "").strip())
    assert not missing, f"{locale} lacks {missing}"
    with i18n.catalog_path(locale).open("rb") as f:
        catalog = read_po(f)
    stale = sorted(str(m.id) for m in catalog if m.id and str(m.id) not in keys["all"])
    assert not stale, f"{locale} has labels the code no longer uses: {stale}"
    assert not [m.id for m in catalog if m.id and m.fuzzy], f"{locale} has fuzzy entries"


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "en"])
def test_no_translation_loses_a_placeholder_or_stays_english_by_mistake(keys, locale):
    english, words = labels_of("en"), labels_of(locale)
    for key in sorted(keys["all"]):
        assert fields(words[key]) == fields(english[key]), f"{locale} {key}: {words[key]!r} vs {english[key]!r}"
    same = sorted(k for k in keys["all"] if words[k] == english[k])
    # Only words these languages use as they are: "Storyboard" and "Prompt" in Spanish and Portuguese, and "take"
    # in Brazilian film work (the sentences say "o take" too).
    takes = {"create.takes"} | {f"create.take_{n}" for n in range(1, 5)}
    allowed = {"es": {"tab.storyboard", "create.prompt"}, "pt_BR": {"tab.storyboard", "create.prompt", *takes}}.get(
        locale, set()
    )
    assert set(same) <= allowed, f"{locale} left these in English: {sorted(set(same) - allowed)}"


def test_labels_the_browser_translates_hold_no_placeholder(keys):
    """Gradio's client reads a translation as ICU message format and has no values to fill in: a {placeholder}
    there would show as a blank or an error. Labels with a number in them are made on the server (``L_in``)."""
    for key in keys["browser"]:
        for locale in LOCALES:
            text = labels_of(locale)[key]
            assert "{" not in text and "}" not in text, f"{locale} {key}: {text!r}"


def test_a_label_made_on_the_server_is_in_the_visitors_language():
    assert L_in("ja", "board.shot_picture", n=2) == "ショット 2 の画像"
    assert L_in("pt_BR", "queue.queue_many", n=3) == "Pôr 3 takes na fila"
    assert L_in("en", "board.retake") == "Retake"
    assert L_in("xx", "board.shot_picture", n=2) == "Shot 2 picture"  # an unknown language: English
    assert L_in(None, "tab.create") == "Create"


def test_the_page_gets_one_i18n_with_every_language_under_gradios_codes(keys):
    words = page_i18n().translations_dict
    for code in ("en", "zh-CN", "es", "pt-BR", "ja"):
        assert keys["browser"] <= set(words[code]), code
    assert words["zh"] is words["zh-CN"] and words["pt"] is words["pt-BR"]  # a zh-TW or pt-PT browser
    assert words["ja"]["tab.create"] == "作成" and words["en"]["common.complete"] == "Done"
    assert page_i18n() is page_i18n()  # built once


def request(accept: str | None) -> SimpleNamespace:
    return SimpleNamespace(headers={"accept-language": accept} if accept else {})


def test_each_visitor_has_their_own_language():
    zh, es, chooser = Visitor(), Visitor(), Visitor()
    assert language.on_load(zh, None, request("zh-CN,zh;q=0.9")) == (zh, "auto", "zh-CN")
    assert language.on_load(es, "auto", request("es-MX,es;q=0.8")) == (es, "auto", "es")
    assert language.on_load(chooser, "pt_BR", request("ja")) == (chooser, "pt_BR", "pt-BR")  # the kept choice
    assert (zh.locale, es.locale, chooser.locale) == ("zh_CN", "es", "pt_BR")  # none changed another's
    assert language.on_choose(es, "ja", request("es")) == (es, "ja", "ja")
    assert language.on_choose(zh, "auto", request("zh-CN")) == (zh, "auto", "zh-CN")  # back to the browser
    assert (zh.locale, es.locale, chooser.locale) == ("zh_CN", "ja", "pt_BR")
    assert language.on_load(Visitor(), "nonsense", request(None))[1:] == ("auto", "en")
    assert Visitor().locale == "en"


def run_page(path: str, content_type: bytes = b"text/html; charset=utf-8") -> tuple[dict, bytes]:
    html = b"<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>"

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(html)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": html[:20], "more_body": True})
        await send({"type": "http.response.body", "body": html[20:]})

    sent: list[dict] = []

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path}
    asyncio.run(page_start.PageLanguageStart(app)(scope, None, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return dict(sent[0]["headers"]), body


def test_the_page_starts_in_the_kept_language_before_gradio_reads_the_browsers():
    headers, body = run_page("/")
    assert body.startswith(b"<!doctype html><html><head>" + page_start.EARLY_SCRIPT + b"<meta")
    assert int(headers[b"content-length"]) == len(body)
    assert page_start.STORAGE_KEY.encode() in page_start.EARLY_SCRIPT
    assert page_start.STORAGE_KEY in language.SET_PAGE_LOCALE  # the switch writes what the page start reads
    for other in ("/config", "/gradio_api/info"):
        assert page_start.EARLY_SCRIPT not in run_page(other)[1]
    assert page_start.EARLY_SCRIPT not in run_page("/", b"application/json")[1]
