"""The submit POST goes out at most once, against the emulator over real HTTP: reliability cases 11-16, and the one
table from an HTTP status to an error."""

import threading
import time

import httpx
import pytest
from conftest import LITE, V15, fast_client, free_port, make_photo, run

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui.client import Timeouts, parse_retry_after
from seedance_ui.errors import (
    ApiError,
    AuthenticationError,
    BadRequest,
    Money,
    NetworkError,
    NotFound,
    PaymentRequired,
    ProtocolError,
    RateLimited,
    ServiceError,
    SubmissionUnknown,
    error_for_status,
)


def payload(image: str, **kw) -> dict:
    body = {"image": image, "prompt": "slow push-in on the subject", "duration": 4, "resolution": "480p",
            "generate_audio": False, "camera_fixed": False, "seed": 42}  # fmt: skip
    body.update(kw)
    return body


async def _upload(c) -> str:
    return await c.upload(make_photo(), "photo.jpg", "image/jpeg")


# Case 11: stored, then dropped or stalled --------------------------------------------------------------------


@pytest.mark.parametrize("fault", [{"action": "drop", "store": True}, {"action": "stall", "seconds": 3}])
def test_ambiguous_submit_sends_one_post_and_reconcile_finds_the_job(emu, fault):
    async def go():
        async with fast_client(emu.url, timeouts=Timeouts(read=0.7)) as c:
            url = await _upload(c)
            emu.emulator.faults.add(route="submit", **fault)
            body = payload(url, seed=777)
            with pytest.raises(SubmissionUnknown) as e:
                await c.submit(V15, body)
            sent = e.value.submitted_at
            found = await c.candidates(e.value.model_id, sent - 30, sent + 120)
            elsewhere = await c.candidates(LITE, sent - 30, sent + 120)
            return e.value, found, elsewhere

    err, found, elsewhere = run(go())
    assert err.money is Money.UNKNOWN and "can't tell" in err.message
    assert [p.id for p in found] == list(emu.emulator.jobs) and found[0].model == V15 and elsewhere == []
    assert emu.emulator.count("submit") == 1  # reconciling never resubmits


# Case 12: 5xx on submit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_submit_5xx_is_unknown_not_retried(emu, status):
    async def go():
        async with fast_client(emu.url) as c:
            url = await _upload(c)
            emu.emulator.faults.add(route="submit", action="status", status=status, store=True)
            with pytest.raises(SubmissionUnknown) as e:
                await c.submit(V15, payload(url))
            return await c.candidates(V15, e.value.submitted_at - 30, e.value.submitted_at + 120)

    found = run(go())
    assert emu.emulator.count("submit") == 1 and [p.id for p in found] == list(emu.emulator.jobs)


def test_the_job_list_is_retried_and_paged(emu):
    """Safe calls retry in one place: a 503 on the list is retried; 120 jobs come back over two pages."""

    async def go():
        async with fast_client(emu.url) as c:
            for i in range(120):
                await c.submit(LITE, {"image": "data:image/jpeg;base64,AAAA", "duration": 2, "seed": i})
            emu.emulator.faults.add(route="list", action="status", status=503)
            now = time.time()
            return await c.candidates(LITE, now - 60, now + 60)

    found = run(go())
    assert len({p.id for p in found}) == 120 and {p.id for p in found} == set(emu.emulator.jobs)
    assert emu.emulator.count("list") == 3  # the 503, then pages 1 and 2
    assert emu.emulator.count("submit") == 120


# Case 13: connection refused / connect timeout ---------------------------------------------------------------


def test_refused_connection_is_retried_and_one_job_exists_when_the_server_is_back():
    port = free_port()
    emu = Emulator(processing_seconds=0.1, test_endpoints=True)
    server = EmulatorServer(emu, port=port)
    threading.Timer(0.4, server.start).start()  # the server comes back while the client backs off

    async def go():
        from seedance_ui.client import RetryPolicy

        async with fast_client(
            f"http://127.0.0.1:{port}", retry=RetryPolicy(submit_attempts=8, base=0.2, maximum=0.4)
        ) as c:
            return await c.submit(LITE, {"image": "data:image/jpeg;base64,AAAA", "duration": 2})

    try:
        task = run(go())
        assert task in emu.jobs and len(emu.jobs) == 1 and emu.count("submit") == 1
    finally:
        server.stop()


def test_refused_every_time_says_nothing_was_charged():
    async def go():
        async with fast_client(f"http://127.0.0.1:{free_port()}") as c:
            await c.submit(LITE, {"image": "x", "duration": 2})

    with pytest.raises(NetworkError) as e:
        run(go())
    assert e.value.money is Money.NOT_CHARGED and "Couldn't reach WaveSpeed at 127.0.0.1:" in e.value.message


def test_connect_timeout_is_retried(emu):
    """A connect timeout can't be staged on loopback, so a transport raises it twice before the real one."""
    real = httpx.AsyncHTTPTransport()
    calls = {"n": 0}

    class Flaky(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            if request.method == "POST" and "/predictions" not in request.url.path and calls["n"] < 2:
                calls["n"] += 1
                raise httpx.ConnectTimeout("staged", request=request)
            return await real.handle_async_request(request)

    async def go():
        async with fast_client(emu.url, transport=Flaky()) as c:
            return await c.submit(LITE, {"image": "data:image/jpeg;base64,AAAA", "duration": 2})

    task = run(go())
    assert calls["n"] == 2 and emu.emulator.count("submit") == 1 and task in emu.emulator.jobs


# Case 14: 429 and Retry-After --------------------------------------------------------------------------------


def _http_date(seconds_ahead: float) -> str:
    from email.utils import formatdate

    return formatdate(time.time() + seconds_ahead, usegmt=True)


@pytest.mark.parametrize(("retry_after", "min_wait"), [("1", 0.9), ("date", 0.5), ("soon-ish", 0.0)])
def test_429_on_submit_is_honoured(emu, retry_after, min_wait):
    value = _http_date(2) if retry_after == "date" else retry_after

    async def go():
        async with fast_client(emu.url) as c:
            emu.emulator.faults.add(route="submit", action="status", status=429, retry_after=value)
            t0 = time.monotonic()
            task = await c.submit(LITE, {"image": "data:image/jpeg;base64,AAAA", "duration": 2})
            return task, time.monotonic() - t0

    task, waited = run(go())
    assert waited >= min_wait
    assert emu.emulator.count("submit") == 2 and len(emu.emulator.jobs) == 1 and task in emu.emulator.jobs


def test_huge_retry_after_is_told_not_slept(emu):
    async def go():
        async with fast_client(emu.url) as c:
            emu.emulator.faults.add(route="submit", action="status", status=429, retry_after="99999")
            t0 = time.monotonic()
            with pytest.raises(RateLimited) as e:
                await c.submit(LITE, {"image": "x", "duration": 2})
            return e.value, time.monotonic() - t0

    err, waited = run(go())
    assert waited < 1 and "Try again in 28 hours" in err.message and err.money is Money.NOT_CHARGED
    assert emu.emulator.count("submit") == 1 and not emu.emulator.jobs


def test_parse_retry_after():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0
    assert 1 <= parse_retry_after(_http_date(3)) <= 3.5


# Case 16: refusals and unreadable answers --------------------------------------------------------------------


def test_400_is_a_plain_refusal_not_retried(emu):
    async def go():
        async with fast_client(emu.url) as c:
            await c.submit(V15, payload("data:image/jpeg;base64,AAAA", duration=99))

    with pytest.raises(BadRequest) as e:
        run(go())
    assert "duration" in e.value.message and e.value.money is Money.NOT_CHARGED
    assert emu.emulator.count("submit") == 1


def test_401_never_echoes_the_key(emu):
    async def go():
        async with fast_client(emu.url, key="wsk-revoked") as c:
            await c.submit(LITE, {"image": "x", "duration": 2})

    with pytest.raises(AuthenticationError) as e:
        run(go())
    assert "wsk-revoked" not in str(e.value) and "wsk-revoked" not in repr(e.value.card())
    assert emu.emulator.count("submit") == 1


@pytest.mark.parametrize("body", ["code500", "no_id", "not_json"])
def test_http_200_with_bad_body_is_unknown_and_not_retried(emu, body):
    async def go():
        async with fast_client(emu.url) as c:
            emu.emulator.faults.add(route="submit", action="envelope", body=body)
            await c.submit(LITE, {"image": "x", "duration": 2})

    with pytest.raises(SubmissionUnknown):
        run(go())
    assert emu.emulator.count("submit") == 1


@pytest.mark.parametrize(("status", "cls"), [(400, BadRequest), (401, AuthenticationError), (402, PaymentRequired),
                                             (403, AuthenticationError), (404, NotFound), (409, BadRequest)])  # fmt: skip
def test_one_table_from_status_to_error_keeps_the_status(emu, status, cls):
    emu.emulator.faults.add(route="balance", action="status", status=status)

    async def go():
        async with fast_client(emu.url) as c:
            with pytest.raises(ApiError) as e:
                await c.balance()
            return e.value

    err = run(go())
    assert type(err) is cls and err.status == status and err.api_code is None
    assert emu.emulator.count("balance") == 1  # refusals are not retried


def test_an_envelope_code_in_an_http_200_is_kept_apart_from_the_status():
    err = error_for_status(5003, "busy", envelope=True)
    assert isinstance(err, ServiceError) and err.api_code == 5003 and err.status is None
    assert isinstance(error_for_status(429, retry_after=2.0), RateLimited) and error_for_status(429).status == 429
    assert isinstance(error_for_status(1401, "seed", envelope=True), BadRequest)
    assert isinstance(error_for_status(777, envelope=True), ProtocolError)
