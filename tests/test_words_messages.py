"""The `messages` domain (issue 24, issue 19 "words at the edge"): every message has all five languages with the same
placeholders, the .pot is what the code says, money lines vanish in demo mode by one rule, and a real take, the
journal and the CLI speak the visitor's language."""

import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import drive, lite_plan, make_studio

from seedance_ui import journal as journal_module
from seedance_ui.errors import InputError, InvalidRequest, Money, NotReady, TaskFailed, error_for_status
from seedance_ui.journal import Journal, Take
from seedance_ui.session import Session
from seedance_ui.takes.take_run import TakeResult
from seedance_ui.ui import words as ui_words
from seedance_ui.words import LOCALES, gettext
from seedance_ui.words.catalogs import LOCALE_DIR
from seedance_ui.words.said import EXTRACT_KEYWORDS, At, Said, Usd, placeholders, said, say

PACKAGE = Path(__file__).resolve().parents[1] / "seedance_ui"
MONEY_WORDS = ("charge", "refund", "$", "paid", "cobr", "reembols", "cobrad", "請求", "返金", "扣费", "退款", "收费")


def catalog(locale: str) -> dict[str, str]:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f, locale=locale) if m.id}


def pot_ids() -> set[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as f:
        return {str(m.id) for m in read_po(f) if m.id}


# The catalogs ------------------------------------------------------------------------------------------------


def test_the_pot_is_what_the_code_says():
    """Extraction run now, as `pybabel extract -k said -k N_` does it, finds exactly the .pot's ids."""
    found = {
        msg for _, _, msg, _, _ in extract_from_dir(str(PACKAGE), [("**.py", "python")], keywords=EXTRACT_KEYWORDS)
    }
    assert found == pot_ids()
    assert len(found) > 150


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_has_a_translation_in_every_language(locale):
    texts = catalog(locale)
    missing = sorted(m for m in pot_ids() if not texts.get(m, "").strip())
    assert not missing, f"{locale} lacks {missing}"


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "en"])
def test_no_translation_loses_or_adds_a_placeholder(locale):
    english, texts = catalog("en"), catalog(locale)
    wrong = {m: (placeholders(english[m]), placeholders(texts[m])) for m in english
             if texts.get(m) and placeholders(english[m]) != placeholders(texts[m])}  # fmt: skip
    assert not wrong, wrong


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "en"])
def test_every_money_line_is_translated_and_not_left_in_english(locale):
    english, texts = catalog("en"), catalog(locale)
    money = [m for m in english if m.startswith("money.")]
    assert len(money) >= 10
    assert all(texts[m] != english[m] for m in money), [m for m in money if texts[m] == english[m]]


# Rendering ---------------------------------------------------------------------------------------------------


def test_numbers_money_and_dates_are_formatted_for_the_language():
    line = said("money.cancel_at_stake", amount=Usd(Decimal("0.4")))
    assert (
        "$0.40" in say(line, "en") and "0,40" in say(line, "es") and "US$\xa00,40" in say(line, "pt_BR")
    )  # Babel: a no-break space
    assert "12,5" in say(said("take.rendered_in", seconds=12.5), "es")
    assert "12.5" in say(said("take.rendered_in", seconds=12.5), "ja")
    when = said("take.when", at=At(1_780_000_000))
    assert say(when, "ja") != say(when, "en") and "月" in say(when, "ja")


def test_a_message_survives_the_journal_as_json():
    message = said("cancel.done", money=said("money.cancel_at_stake", amount=Usd(Decimal("1.20"))))
    again = Said.from_json(message.to_json())
    assert again == message and say(again, "es") == say(message, "es")


def test_in_demo_mode_money_lines_are_not_said_by_one_rule():
    assert say(Money.CHARGED.said, "en", demo=True) == ""
    assert say(said("take.price", price=Usd(Decimal("0.3"))), "ja", demo=True) == ""  # names an amount
    # a money line inside another message goes on its own; the rest is said
    told = say(said("cancel.done", money=Money.CANCEL_ASKED.said), "es", demo=True)
    assert told == say(said("cancel.done", money=""), "es") and told


def test_an_input_error_card_in_demo_mode_has_no_money_words():
    """Before: `card(None, InputError)` on a demo page said "Nothing was charged"."""
    for e in (InputError(said("check.first_image")), NotReady(said("ready.folder_is_file", folder="/tmp/x")),
              InvalidRequest([("duration", said("check.duration", low="4", high="12"))])):  # fmt: skip
        for locale in LOCALES:
            html = ui_words.card(ui_words.Voice(locale, demo=True), e)
            assert "class='money'" not in html and not any(w in html.lower() for w in MONEY_WORDS), html
            assert e.card(locale, demo=True)["money"] == ""
        assert "Nothing was charged" in ui_words.card(ui_words.Voice("en", demo=False), e)  # with a key it is said


def test_the_error_keeps_its_english_for_logs_and_says_the_rest_in_the_language():
    e = error_for_status(402, "balance 0.01")
    assert e.message.startswith("Your WaveSpeed balance is too low") and "(balance 0.01)" in e.message
    card = e.card("ja")
    assert (
        card["title"] != e.message and "balance 0.01" in card["title"] and card["hint"] == gettext("ja", "hint.payment")
    )


# A real take against the emulator, in Japanese and Spanish ---------------------------------------------------


@pytest.mark.parametrize("locale", ["ja", "es"])
def test_a_failed_take_card_and_its_money_line_in_the_visitors_language(emu, tmp_path, photo, locale):
    emu.emulator.faults.add(route="task", fail_code=1403)
    studio = make_studio(emu.url, tmp_path / "data")
    session = Session(studio, locale=locale)
    [err] = drive(session, lambda: session.generate(lite_plan(), photo))
    assert isinstance(err, TaskFailed) and err.money is Money.REFUNDED
    card = session.card(err)
    assert card["title"] == gettext(locale, "task.code.1403") != gettext("en", "task.code.1403")
    assert card["money"] == gettext(locale, "money.refunded") != Money.REFUNDED.sentence
    assert err.message == gettext("en", "task.code.1403")  # the English stays for logs
    take = session.history()[0]
    assert (take.message_id, take.money) == ("task.code.1403", "refunded")
    facts = ui_words.take_facts(session, take, "Seedance V1 Lite")
    assert gettext(locale, "task.code.1403") in facts and gettext(locale, "money.refunded") in facts
    assert say(Said(ui_words.STATE_WORDS["failed"]), locale) in facts
    studio.journal.close()


@pytest.mark.parametrize("locale", ["ja", "es"])
def test_a_saved_take_speaks_the_language_and_its_price_in_the_languages_money(emu, tmp_path, photo, locale):
    studio = make_studio(emu.url, tmp_path / "data")
    session = Session(studio, locale=locale)
    [result] = drive(session, lambda: session.generate(lite_plan(), photo))
    assert isinstance(result, TakeResult)
    facts = ui_words.take_facts(session, result.take, "Seedance V1 Lite")
    price = say(said("take.price", price=Usd(Decimal(result.take.price_usd))), locale)
    assert price in facts and say(said("take.seed", seed="`42`"), locale) in facts  # "seed" in the language
    assert price.endswith("US$") if locale == "es" else price.startswith("$")  # Babel's USD for the language
    assert ui_words.money_line(session, result.take) == gettext(locale, "money.charged")
    studio.journal.close()


# The journal: old takes stay readable ------------------------------------------------------------------------


def test_a_take_written_before_message_ids_is_read_and_shown_as_it_was(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for step in journal_module.MIGRATIONS[:5]:  # the journal as the last release left it
        step(db)
    db.execute("PRAGMA user_version=5")
    db.execute("INSERT INTO takes (id, session, state, model_id, prompt, settings, payload, created_at, updated_at, "
               "error_code, error_message, money) VALUES ('old', 'local', 'failed', 'm', 'a cat', '{}', '{}', 1, 1, "
               "'1403', 'The render failed on WaveSpeed''s side.', 'refunded')")  # fmt: skip
    db.commit()
    db.close()
    j = Journal(path)
    assert j.schema_version == len(journal_module.MIGRATIONS)
    old = j.get("old")
    assert old.message_id is None and old.message_params == {}
    assert say(ui_words.why_said(old), "ja") == "The render failed on WaveSpeed's side."  # as it was kept
    j.add(Take(id="new", message_id="task.code.1403"))
    assert say(ui_words.why_said(j.get("new")), "ja") == gettext("ja", "task.code.1403")
    j.close()


# The CLI -----------------------------------------------------------------------------------------------------


def seedance(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    return subprocess.run([sys.executable, "-m", "seedance_ui.cli", *args], capture_output=True, text=True,
                          env=base | (env or {}), timeout=60)  # fmt: skip


def test_the_cli_refuses_in_spanish_when_asked_and_in_english_by_default():
    es = seedance("--lang", "es", "price", "--takes", "9")
    assert es.returncode == 2 and es.stderr.strip() == say(said("check.takes", most="4"), "es")
    assert "Takes must be" not in es.stderr
    by_env = seedance("price", "--takes", "9", env={"LANG": "es_ES.UTF-8"})
    assert by_env.stderr == es.stderr
    assert seedance("price", "--takes", "9", env={"LANG": "C.UTF-8"}).stderr.strip() == "Takes must be from 1 to 4."
    assert seedance("price", "--takes", "9", env={"LC_ALL": "ja_JP.UTF-8", "LANG": "es_ES"}).stderr.strip() == \
        say(said("check.takes", most="4"), "ja")  # fmt: skip


def test_a_key_a_server_echoes_is_scrubbed_even_inside_a_message_inside_the_error(tmp_path):
    from seedance_ui import keys
    from seedance_ui.takes.ledger import Ledger

    secret = "ws-" + "k" * 40
    keys.remember(secret)
    e = error_for_status(401, f"bad key {secret}")  # the server's words sit in a message inside the message
    assert secret not in e.message and secret not in str(e.said.to_json())
    assert all(secret not in (v or "") for v in e.card("ja").values())
    j = Journal(tmp_path / "j.sqlite3")
    j.add(Take(id="a", state="preparing"))
    Ledger(j).settle("a", e)
    assert secret not in str(j.get("a").message_params)
    j.close()
    assert all(secret.encode() not in f.read_bytes() for f in tmp_path.iterdir())  # the journal and its WAL


# The Create page: one form change in the visitor's language ---------------------------------------------------


@pytest.mark.parametrize("locale", ["ja", "es"])
def test_the_price_card_button_and_framing_follow_the_visitors_language(tmp_path, locale):
    from conftest import make_photo

    from seedance_ui.ui import create
    from seedance_ui.ui.form import Form
    from seedance_ui.ui.state import AppContext, Visitor

    picture = tmp_path / "wide.jpg"
    picture.write_bytes(make_photo(1600, 900))
    visitor = Visitor(key="wsk-words-test-0001")
    visitor.locale = locale  # the field j24ui adds (Settings switch / Accept-Language); read with getattr here
    form = Form(visitor=visitor, first=str(picture), family="Seedance V1.5 Pro", resolution="720p", duration=5,
                audio=True, threshold=2.0)  # fmt: skip
    view = create.on_form_change(AppContext(demo=None, live=None), form)
    price = say(said("take.price", price=Usd(view.priced.price.total)), locale)
    assert view.button["value"] == say(said("create.generate_priced", price=Usd(view.priced.price.total)), locale)
    assert price in view.price and say(said("create.takes_one"), locale) in view.price
    assert view.framing_text == say(said("framing.whole", size="1280x720"), locale)  # a 16:9 picture, 16:9 video
    assert "Generate" not in view.button["value"] and "Output" not in view.framing_text


def test_a_retiring_models_notice_is_in_the_visitors_language():
    from seedance_ui import catalog
    from seedance_ui.ui.model_words import retiring_words

    old = next(m for m in catalog.MODELS if m.retiring)
    new = next(m for m in catalog.MODELS if not m.retiring)
    assert retiring_words(old, "en").startswith("WaveSpeed is retiring the Seedance 1.0 models")
    ja = retiring_words(old, "ja")
    assert "Seedance V1.5 Pro" in ja and "retiring" not in ja
    assert retiring_words(new, "ja") == ""


def test_a_pictures_kind_is_said_in_the_visitors_words():
    from seedance_ui.image_checks import _friendly

    assert [say(_friendly(f), "en") for f in ("JPEG", "PNG", "ICO", "XYZ", None)] == [
        "JPEG photo", "PNG image", "icon file", "XYZ file", "file"]  # fmt: skip
    assert (say(_friendly("JPEG"), "es"), say(_friendly("HEIF"), "ja")) == ("foto JPEG", "HEIC/HEIF 写真")


def test_why_the_model_list_could_not_be_fetched_is_said_in_the_visitors_language():
    from seedance_ui.catalog_live import CatalogStatus, CatalogUnavailable

    why = CatalogUnavailable(said("catalog.too_slow", seconds=15.0))
    status = CatalogStatus(source="snapshot", error=str(why), error_said=why.said)
    assert status.note() == ("WaveSpeed's model list could not be fetched (WaveSpeed's model list did not arrive "
                             "within 15 s); using the built-in model list.")  # fmt: skip
    ja = status.note("ja")
    assert "15 秒" in ja and "内蔵" in ja and "WaveSpeed's" not in ja
