"""The Storyboard page's handlers over a real Session (key mode on the test emulator): the Render button's words
and price, the spend confirmation before anything is sent, a board started from the Create page, a History take
added as a shot, moves marking shots out of date, export as a BOARD.json that renders back, and Cancel of one shot."""

import asyncio
import json
from pathlib import Path

import httpx
from conftest import TEST_KEY, make_photo

from seedance_ui import runtime
from seedance_ui.takes.storyboard import Board, Shot
from seedance_ui.ui import storyboard_actions as act
from seedance_ui.ui.state import AppContext, Visitor
from seedance_ui.words.said import say

LITE = {"model_id": "bytedance/seedance-v1-lite-i2v-480p", "duration": 2, "resolution": "480p"}


def key_ctx(emu, tmp_path) -> AppContext:
    rt = runtime.start(key=TEST_KEY, base_url=emu.url, demo=False, data_dir=tmp_path / "data")
    return AppContext(demo=None, live=rt, owner_key=True, work_dir=tmp_path)


def picture(tmp_path, name="pic.jpg") -> str:
    path = tmp_path / name
    path.write_bytes(make_photo(640, 480))
    return str(path)


def drain(gen) -> list:
    async def go():
        return [x async for x in gen]

    return asyncio.run(go())


def submits(emu) -> int:
    return httpx.get(f"{emu.url}/_emulator/stats").json()["counts"].get("submit", 0)


def test_render_button_prices_the_board_and_asks_first_above_the_limit(emu, tmp_path):
    ctx, v = key_ctx(emu, tmp_path), Visitor()
    doc, note = act.from_create(ctx, v, picture(tmp_path), "slow push-in", LITE)
    assert "new board" in note.lower()
    doc, _ = act.add_continue_shot(ctx, v, doc, "pan left")
    words, on = act.render_label(ctx, v, doc)
    board = Board.from_json(doc)
    assert on and words.startswith("Render 2 shots · $") and board.defaults["model_id"] == LITE["model_id"]
    price = words.split("$")[1]
    assert float(price) > 0
    steps = drain(act.render(ctx, v, doc, 0.01, False))  # over the limit, not confirmed: asked, nothing sent
    assert steps[-1][3] is True and submits(emu) == 0
    steps = drain(act.render(ctx, v, doc, 0.01, True))
    assert submits(emu) == 2
    final_doc, _, film, _ = steps[-1]
    assert film and Board.from_json(final_doc).film_current()
    assert act.render_label(ctx, v, final_doc) == ("Film ready", False)


def test_history_take_becomes_a_shot_and_moves_mark_shots_out_of_date(emu, tmp_path):
    ctx, v = key_ctx(emu, tmp_path), Visitor()
    doc, _ = act.from_create(ctx, v, picture(tmp_path), "slow push-in", LITE)
    doc, _ = act.add_continue_shot(ctx, v, doc, "pull out")
    drain(act.render(ctx, v, doc, None, False))
    session = ctx.session(v)
    take = session.history()[-1]  # the first shot's take
    doc, note = act.add_history_take(ctx, v, act.store_of(session).all()[0].to_json(), take.id)
    board = Board.from_json(doc)
    assert "History" in note and board.shots[2].chosen == take.id and board.shots[2].prompt == take.prompt
    doc, _ = act.edit(ctx, v, doc, lambda b, s: b.move(0, 1))  # the continuing shot moved to the front
    board = Board.from_json(doc)
    assert board.shots[0].cont and board.shots[0].stale
    steps = drain(act.render(ctx, v, doc, None, False))
    assert "Shot 1 can&#x27;t continue" in steps[-1][1]
    doc, _ = act.edit(ctx, v, doc, lambda b, s: b.move(1, -1))  # back: shot 2 starts on shot 1's take again
    assert [s.stale for s in Board.from_json(doc).shots] == [False, True, False]  # out of date until re-rendered


def test_export_is_a_board_json_that_reads_back(emu, tmp_path):
    ctx, v = key_ctx(emu, tmp_path), Visitor()
    doc, _ = act.from_create(ctx, v, picture(tmp_path), "slow push-in", LITE)
    doc, _ = act.add_continue_shot(ctx, v, doc, "pull out")
    path = act.export(ctx, v, doc)
    spec = json.loads(Path(path).read_text())
    assert spec["shots"][1] == {"continue": True, "prompt": "pull out"}
    again = Board.from_file(path)
    assert [s.cont for s in again.shots] == [False, True] and len(again.check()) == 2


def test_cancel_one_shot_leaves_the_next_waiting_with_why(emu, tmp_path):
    emu.emulator.processing_seconds = 3.0
    ctx, v = key_ctx(emu, tmp_path), Visitor()
    doc, _ = act.from_create(ctx, v, picture(tmp_path), "slow push-in", LITE)
    doc, _ = act.add_continue_shot(ctx, v, doc, "pull out")

    async def go():
        out, latest, cancelled = [], doc, False
        async for step in act.render(ctx, v, doc, None, False):
            out.append(step)
            latest = step[0] if isinstance(step[0], str) else latest
            if not cancelled and len(out) > 2 and Board.from_json(latest).shots[0].round_ids:
                cancelled = True  # shot 1 is under way at WaveSpeed: its own Cancel
                assert "Cancelled" in await act.cancel_shot(ctx, v, latest, 0)
        assert cancelled
        return out

    steps = asyncio.run(go())
    final = Board.from_json(steps[-1][0])
    assert final.shots[0].problem.id == "board.shot_cancelled" and "cancelled" in str(final.shots[0].problem)
    assert str(final.shots[1].waiting).startswith("Waiting for shot 1") and not final.shots[1].round_ids
    assert submits(emu) == 1
    # the board keeps the messages, not their English: the same board reads in the visitor's language
    assert "Waiting for shot" not in steps[-1][0] and '"board.shot_waiting"' in steps[-1][0]
    spanish = say(final.shots[1].waiting, "es")
    assert spanish.startswith("Esperando al plano 1: El plano 1 se canceló.") and "Waiting" not in spanish


def test_a_board_without_shots_or_a_first_shot_that_continues_cannot_render(tmp_path):
    board = Board.new(shots=[Shot(cont=True, prompt="x")])
    try:
        board.check()
    except Exception as e:
        assert "Shot 1 can't continue" in str(e)
    else:
        raise AssertionError("a first shot that continues was accepted")


def test_use_this_seed_on_a_create_take_card_gives_that_takes_seed(emu, tmp_path):
    from conftest import lite_plan

    from seedance_ui.takes.take_run import Progress
    from seedance_ui.ui import takes_view as tv

    ctx, v = key_ctx(emu, tmp_path), Visitor()
    session = ctx.session(v)

    async def go():
        try:
            return await session.generate(lite_plan(takes=2, seed=-1), picture(tmp_path))
        finally:
            await session.aclose()

    results = asyncio.run(go())
    frame = tv.Frame()
    for i, r in enumerate(results):  # the page's own progress handling records which take each card shows
        tv._apply(frame, Progress(r.take.id, "saved", "Saved.", index=i, video=r.video_path), v, 0.0, False)
    assert results[0].take.seed != results[1].take.seed
    assert tv.seed_of_slot(ctx, v, 1)["value"] == results[1].take.seed
    assert tv.seed_of_slot(ctx, v, 0)["value"] == results[0].take.seed
    assert "value" not in tv.seed_of_slot(ctx, v, 3)  # an empty card changes nothing


def test_a_double_click_on_render_is_one_run_and_boards_are_kept_per_visitor(emu, tmp_path):
    from seedance_ui.takes.board_run import BoardRun
    from seedance_ui.takes.storyboard import BoardStore

    ctx, v = key_ctx(emu, tmp_path), Visitor()
    doc, _ = act.from_create(ctx, v, picture(tmp_path), "slow push-in", LITE)
    doc, _ = act.add_continue_shot(ctx, v, doc, "pull out")
    session = ctx.session(v)
    store = act.store_of(session)

    async def twice():
        try:  # the same click twice from one tab, each with the board as the page had it
            return await asyncio.gather(BoardRun(session, store.get(Board.from_json(doc).id)).render(),
                                        BoardRun(session, store.get(Board.from_json(doc).id)).render())  # fmt: skip
        finally:
            await session.aclose()

    a, b = asyncio.run(twice())
    assert submits(emu) == 2 and a.film == b.film and a.film
    # Another visitor (another owner in the same journal) neither sees nor opens this board.
    stranger = BoardStore(session.studio.journal, "someone-else")
    assert stranger.all() == [] and len(store.all()) == 1
    try:
        stranger.get(a.id)
    except Exception as e:
        assert "no board" in str(e)
    else:
        raise AssertionError("another visitor opened this board")


def test_retake_from_a_card_prices_first_and_the_render_button_then_offers_the_rest(emu, tmp_path):
    ctx, v = key_ctx(emu, tmp_path), Visitor()
    doc, _ = act.from_create(ctx, v, picture(tmp_path), "slow push-in", LITE)
    doc, _ = act.add_continue_shot(ctx, v, doc, "pull out")
    doc = drain(act.render(ctx, v, doc, None, False))[-1][0]
    session = ctx.session(v)
    assert act.retake_label(session, Board.from_json(doc), 0).startswith("Retake · $")
    asked = drain(act.render(ctx, v, doc, 0.01, False, retake=0))
    assert asked[-1][3] is True and submits(emu) == 2  # above the limit: asked first, nothing sent
    doc = drain(act.render(ctx, v, doc, None, True, retake=0))[-1][0]
    assert submits(emu) == 3
    board = Board.from_json(doc)
    assert [s.stale for s in board.shots] == [False, True] and not board.film_current()
    words, on = act.render_label(ctx, v, doc)
    assert on and words.startswith("Render 1 shot · $")


def test_a_shot_that_cannot_start_says_why_and_the_board_still_ends(emu, tmp_path):
    from seedance_ui.takes.board_run import BoardRun

    ctx, v = key_ctx(emu, tmp_path), Visitor()
    doc, _ = act.from_create(ctx, v, picture(tmp_path), "slow push-in", LITE)
    doc, _ = act.add_continue_shot(ctx, v, doc, "pull out")
    doc, _ = act.add_continue_shot(ctx, v, doc, "pan left")
    board = Board.from_json(drain(act.render(ctx, v, doc, None, False))[-1][0])
    session = ctx.session(v)
    Path(session.take(board.shots[0].chosen).video_path).unlink()  # shot 1's video is gone from the library
    (session.studio.library / "inputs" / f"{board.shots[0].chosen}_lastframe.png").unlink()

    async def go():
        try:
            return await BoardRun(session, act.store_of(session).get(board.id)).retake(1)
        finally:
            await session.aclose()

    after = asyncio.run(go())
    assert "Shot 2 could not start" in str(after.shots[1].problem) and "not in the library" in str(
        after.shots[1].problem
    )
    assert not after.rendering and submits(emu) == 3  # nothing more was sent


def test_a_board_kept_before_messages_had_ids_still_reads_its_words():
    """Boards journaled by an older version hold a shot's reasons as English text: shown as they are, kept as ids
    from the next save on."""
    old = Board.new("local", "Old one", shots=[Shot(image="a.png", prompt="x"), Shot(cont=True, prompt="y")])
    doc = json.loads(old.to_json())
    doc["shots"][0]["problem"], doc["shots"][1]["waiting"] = "shot 1 was cancelled", ""
    board = Board.from_json(json.dumps(doc))
    assert say(board.shots[0].problem, "ja") == "shot 1 was cancelled" and board.shots[1].waiting is None
    assert json.loads(board.to_json())["shots"][0]["problem"] == {
        "id": "said.as_is",
        "params": {"text": "shot 1 was cancelled"},
    }
