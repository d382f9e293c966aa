"""The visitor's language from their browser or their own choice."""

import pytest

from seedance_ui.words import LOCALES, gettext, pick_locale


@pytest.mark.parametrize(
    ("header", "chosen", "expected"),
    [
        (None, None, "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", None, "zh_CN"),
        ("zh-TW,zh;q=0.9", None, "zh_CN"),
        ("pt-BR,pt;q=0.9", None, "pt_BR"),
        ("pt-PT", None, "pt_BR"),
        ("es-MX,es;q=0.9", None, "es"),
        ("ja", None, "ja"),
        ("fr-FR,de;q=0.5", None, "en"),
        ("en;q=0.2,ja;q=0.9", None, "ja"),
        ("garbage;;q=x,", None, "en"),
        ("ja", "es", "es"),
        ("ja", "pt-BR", "pt_BR"),
        ("ja", "xx", "ja"),
    ],
)
def test_the_language_follows_the_choice_then_the_browser(header, chosen, expected):
    assert pick_locale(header, chosen) == expected
    assert expected in LOCALES


def test_an_unknown_message_shows_its_id_rather_than_nothing():
    assert gettext("ja", "no.such.message") == "no.such.message"
