"""The Queue page, the queue's level and Settings speak the visitor's language (their sentences are message ids)."""

from types import SimpleNamespace

from seedance_ui.ui import queue_page, queue_settings, settings
from seedance_ui.ui.state import Visitor
from seedance_ui.words.said import say


def test_the_level_line_follows_the_language_and_keeps_its_numbers():
    english = queue_settings.explain("gold", True)
    spanish = queue_settings.explain("gold", True, "es")
    assert english.startswith("Gold: WaveSpeed starts up to 3,000 videos a minute") and "Demo mode" in english
    assert spanish.startswith("Gold: WaveSpeed empieza") and "modo demo" in spanish and "Demo mode" not in spanish


def test_the_banner_says_the_balance_in_the_visitors_money_format():
    ctx = SimpleNamespace(on_space=True, demo=None, uses_owner_key=lambda: False)
    pt = settings.banner(ctx, Visitor(token="t" * 16, key="k" * 12, balance="3.00", locale="pt_BR"))
    en = settings.banner(ctx, Visitor(token="t" * 16, key="k" * 12, balance="3.00"))
    assert "saldo US$" in pt and "3,00" in pt and "esta visita" in pt
    assert en == ("🔑 **Connected to WaveSpeed** with your key · balance $3.00. Real renders are charged to your "
                  "account. The key is kept for this visit only.")  # fmt: skip


def test_a_busy_queue_card_names_places_and_waits_in_the_language():
    title, hint = queue_page._busy_words(2, [3, 5], 200, paused=True, demo=True)
    assert (
        say(title)
        == "Your queue is busy, so these 2 takes were added to it at #3 and #5, ready about 3 min after you resume it."
    )
    assert "charged" not in say(hint) and say(hint).endswith("press Resume all there to start it.")
    assert "3 番と5 番" in say(title, "ja")
    title, hint = queue_page._busy_words(3, [2, 3, 4], 10, paused=False, demo=False)
    assert "#2 to #4, ready in about 10 s" in say(title) and "sent or charged" in say(hint)


def test_the_queue_list_shows_a_state_in_words_not_its_id():
    snap = {"items": [{"id": "t1", "position": 1, "state": "queued", "prompt": "a cat", "eta": 30, "saved": False}]}
    listing = queue_page.listing_html(snap, "es")
    assert "en cola (aún sin enviar)" in listing and "lista en unos 30 s" in listing


def test_what_we_change_in_a_picture_is_said_in_the_language():
    import io

    from PIL import Image

    from seedance_ui import images

    buf = io.BytesIO()
    Image.new("RGBA", (640, 480), (10, 20, 30, 0)).save(buf, format="PNG")
    notes = images.inspect(buf.getvalue()).notes
    assert "Transparent areas are filled with white." in map(str, notes)
    assert "透明な部分は白で塗りつぶします。" in [say(n, "ja") for n in notes]


def test_a_batch_rows_problems_are_said_in_the_language_and_kept_english_in_json(tmp_path):
    from seedance_ui.takes import batch

    row = batch.check_row(3, "", {"prompt": "a cat", "duration": "ten"}, tmp_path)
    said_es = [(column, say(why, "es")) for column, why in row.problems]
    assert ("duration", "'ten' no es un número entero.") in said_es and (
        "image",
        "Esta fila no nombra ninguna imagen.",
    ) in said_es
    reasons = {p["column"]: p["reason"] for p in row.to_dict()["problems"]}
    assert (
        reasons["duration"] == "'ten' is not a whole number." and reasons["image"] == "No picture is named in this row."
    )
