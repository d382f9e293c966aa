"""The take runner and the bound client: a visitor's key rides on every call made through the bound view, and a
submit is counted as in flight (Studio.submitting) for exactly as long as its POST is out."""

from __future__ import annotations

import asyncio

import httpx
from conftest import LITE, make_studio, run

from seedance_ui.bound_client import BoundClient
from seedance_ui.client import WaveSpeedClient
from seedance_ui.errors import Money, SeedanceError
from seedance_ui.journal import Take
from seedance_ui.takes.states import TakeState
from seedance_ui.takes.take_run import TakeRunner


def test_the_bound_view_sends_its_own_key_over_the_shared_pool():
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"code": 200, "message": "success", "data": {"balance": 1.5}})

    async def go() -> None:
        async with WaveSpeedClient(api_key="wsk-runtime-0001", base_url="http://ws.test",
                                   transport=httpx.MockTransport(answer)) as client:  # fmt: skip
            await BoundClient(client, "wsk-visitor-0002").balance()
            await BoundClient(client, None).balance()  # no key of its own: the client's
            assert client.requests["balance"] == 2  # both went through the one client

    run(go())
    assert seen == ["Bearer wsk-visitor-0002", "Bearer wsk-runtime-0001"]


class _Recording:
    """A bound client whose submit notes what the studio says while the POST is out, then is refused."""

    def __init__(self, studio, take_id: str) -> None:
        self.studio, self.take_id, self.during = studio, take_id, None

    async def submit(self, model_id: str, payload: dict) -> str:
        await asyncio.sleep(0)
        self.during = (self.studio.submits_in_flight, self.studio.is_submitting(self.take_id))
        raise SeedanceError("refused for the test")


def test_a_submit_is_in_flight_exactly_while_its_post_is_out(tmp_path):
    studio = make_studio("http://127.0.0.1:9", tmp_path)
    take = studio.ledger.begin(Take(id="t-flight", owner="local", model_id=LITE, prompt="p", seed=1))
    client = _Recording(studio, take.id)
    runner = TakeRunner(studio, client, "local")  # type: ignore[arg-type]

    async def report(*_a, **_k) -> None:
        return None

    async def go() -> SeedanceError:
        try:
            await runner.start(take, {"prompt": "p"}, report)
        except SeedanceError as e:
            return e
        raise AssertionError("the refused submit ended the take")

    err = run(go())
    assert client.during == (1, True)  # reconciliation waits for it and leaves its take alone
    assert studio.submits_in_flight == 0 and not studio.is_submitting(take.id)
    after = studio.ledger.get(take.id)
    assert after.state == TakeState.FAILED and err.money is Money.NOT_CHARGED
    studio.journal.close()
