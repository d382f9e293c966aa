"""The client against the emulator over real HTTP on loopback: uploads, polling, endings, outputs, keys and the
pool (reliability cases 17-20, 22-24; the submit rules are in test_client_submit.py)."""

import asyncio
import logging
import socket
import threading
import time
from decimal import Decimal

import av
import httpx
import pytest
from conftest import TEST_KEY, fast_client, free_port, make_photo, run

from seedance_ui.client import PollPolicy, Prediction, Timeouts, WaveSpeedClient
from seedance_ui.errors import (
    AuthenticationError,
    DeadlineExceeded,
    DownloadFailed,
    Money,
    OutputExpired,
    ProtocolError,
    SubmissionUnknown,
    TaskCancelled,
    TaskFailed,
)

V15 = "bytedance/seedance-v1.5-pro/image-to-video"
LITE = "bytedance/seedance-v1-lite-i2v-480p"


def payload(image: str, **kw) -> dict:
    body = {"image": image, "prompt": "slow push-in on the subject", "duration": 4, "resolution": "480p",
            "generate_audio": False, "camera_fixed": False, "seed": 42}  # fmt: skip
    body.update(kw)
    return body


async def _upload(c, color=(30, 120, 200)) -> str:
    return await c.upload(make_photo(color=color), "photo.jpg", "image/jpeg")


def probe(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = sum(1 for _ in c.decode(v))
        return {"size": (v.width, v.height), "fps": float(v.average_rate), "frames": frames,
                "audio": any(s.type == "audio" for s in c.streams)}  # fmt: skip


# Happy paths ------------------------------------------------------------------------------------------------


def test_upload_submit_wait_download_real_mp4(emu, tmp_path):
    async def go():
        async with fast_client(emu.url) as c:
            url = await _upload(c)
            task = await c.submit(V15, payload(url, generate_audio=True))
            p = await c.wait(task)
            out = await c.download(p, tmp_path / "v.mp4")
            return p, out

    p, out = run(go())
    assert p.status == "completed" and p.inference_ms is not None
    info = probe(out)
    # 4:3 photo, no aspect ratio given: the 1.5 480p 4:3 size; 4 s at 24 fps plus the first frame
    assert info == {"size": (752, 560), "fps": 24.0, "frames": 97, "audio": True}
    assert emu.emulator.count("submit") == 1


def test_aspect_ratio_last_image_and_silence(emu, tmp_path):
    async def go():
        async with fast_client(emu.url) as c:
            first, last = await _upload(c), await _upload(c, color=(20, 200, 20))
            task = await c.submit(LITE, {"image": first, "last_image": last, "duration": 2,
                                         "aspect_ratio": "9:16", "camera_fixed": True, "seed": 1})  # fmt: skip
            return await c.download(await c.wait(task), tmp_path / "v.mp4")

    out = run(go())
    info = probe(out)
    assert info == {"size": (480, 864), "fps": 24.0, "frames": 49, "audio": False}
    from seedance_ui.video import extract_frame

    end = extract_frame(out, "last").getpixel((240, 600))
    assert end[1] > 170 and end[0] < 60  # ends on the green last image


def test_same_content_uploaded_once_and_legacy_fallback(emu):
    async def go():
        async with fast_client(emu.url) as c:
            a = await _upload(c)
            b = await _upload(c)
            assert a == b
            emu.emulator.faults.add(route="upload", action="status", status=404)
            legacy = await c.upload(make_photo(700, 500), "other.png", "image/png")
            async with httpx.AsyncClient() as h:
                r = await h.get(legacy)
            return r

    r = run(go())
    assert r.status_code == 200 and r.content[:3] == b"\xff\xd8\xff"
    assert emu.emulator.count("upload") == 2 and emu.emulator.count("put") == 1 and emu.emulator.count("binary") == 1


def test_balance_quote_and_cancel(emu):
    emu.emulator.faults.add(route="task", final_status="processing")

    async def go():
        async with fast_client(emu.url) as c:
            before = await c.balance()
            price = await c.quote(V15, {"duration": 5, "resolution": "720p", "generate_audio": True})
            task = await c.submit(V15, payload(await _upload(c)))
            status = await c.cancel(task)
            with pytest.raises(TaskCancelled) as e:  # deleting is permanent: its result says deleted (issue 25)
                await c.wait(task)
            return task, before, price, status, e.value, await c.balance(), await c.cancel(task)

    task, before, price, status, err, after, again = run(go())
    assert str(price) == "0.26" and before > 0 and status == "deleted" and again == "deleted"
    charged = Decimal(str(emu.emulator.deleted[task].price))
    assert "cancelled" in err.message and charged > 0 and after == before - charged  # a delete refunds nothing
    assert emu.emulator.count("delete") == 2


# Case 17-19: polling under faults, stalls and jobs that never end --------------------------------------------


def test_polling_survives_mixed_faults_within_the_deadline(emu):
    emu.emulator.processing_seconds = 1.0
    for f in (
        {"action": "status", "status": 503},
        {"action": "status", "status": 429, "retry_after": "0.2"},
        {"action": "drop", "store": True},
        {"action": "stall", "seconds": 1.5},
        {"action": "status", "status": 500},
        {"action": "envelope", "body": "not_json"},
    ):
        emu.emulator.faults.add(route="result", **f)

    async def go():
        async with fast_client(emu.url, timeouts=Timeouts(read=0.5)) as c:
            task = await c.submit(LITE, {"image": await _upload(c), "duration": 2})
            p = await c.wait(task, deadline=20)
            return task, p, c.requests["result"]

    task, p, gets = run(go())
    assert p.status == "completed" and p.id == task
    assert emu.emulator.count("submit") == 1
    assert gets <= 40


def test_a_poll_that_never_answers_times_out():
    """Case 18: a socket that accepts and never answers; the read timeout fires, then the deadline."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    conns = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()

    async def go():
        async with fast_client(f"http://127.0.0.1:{srv.getsockname()[1]}", timeouts=Timeouts(read=0.3)) as c:
            t0 = time.monotonic()
            with pytest.raises(DeadlineExceeded) as e:
                await c.wait("task-abc", deadline=1.5)
            return e.value, time.monotonic() - t0

    try:
        err, took = run(go())
    finally:
        stop.set()
        srv.close()
    assert err.task_id == "task-abc" and took < 5


def test_every_request_carries_its_timeouts():
    """A default client gives httpx the policy's timeouts (httpx's own default would be 5 s for everything)."""
    c = WaveSpeedClient(api_key=TEST_KEY, base_url="http://127.0.0.1:9", timeouts=Timeouts(connect=3, read=21))
    t = c._http.timeout
    assert (t.connect, t.read, t.write, t.pool) == (3, 21, 30, 10)
    assert c._files.timeout.read == 21 and "Authorization" not in c._files.headers  # downloads carry no key
    run(c.aclose())


def test_job_processing_forever_hits_the_deadline_with_its_id(emu):
    emu.emulator.faults.add(route="task", final_status="processing")

    async def go():
        async with fast_client(emu.url) as c:
            task = await c.submit(LITE, {"image": await _upload(c), "duration": 2})
            with pytest.raises(DeadlineExceeded) as e:
                await c.wait(task, deadline=1.0)
            return task, e.value

    task, err = run(go())
    assert err.task_id == task and err.money is Money.RENDERING and task in str(err)
    assert emu.emulator.count("submit") == 1


# Case 20: how jobs end ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ({"fail_code": 1200}, TaskFailed, "content check"),
        ({"fail_code": 1400}, TaskFailed, "required setting"),
        ({"fail_code": 1401}, TaskFailed, "not accepted"),
        ({"fail_code": 1402}, TaskFailed, "could not open the uploaded picture"),
        ({"fail_code": 1403}, TaskFailed, "failed on WaveSpeed"),
        ({"fail_code": 1405}, TaskFailed, "failed on WaveSpeed"),
        ({"fail_code": 5000}, TaskFailed, "internal error"),
        ({"fail_code": 5003}, TaskFailed, "unavailable"),
        ({"fail_code": 5004}, TaskFailed, "took too long"),
        ({"final_status": "cancelled"}, TaskCancelled, "cancelled"),
        ({"final_status": "timeout"}, TaskFailed, "took too long"),
        ({"empty_outputs": True}, TaskFailed, "sent no file"),
    ],
)
def test_each_ending_has_its_plain_message(emu, fault, error, words):
    emu.emulator.faults.add(route="task", **fault)

    async def go():
        async with fast_client(emu.url) as c:
            task = await c.submit(LITE, {"image": await _upload(c), "duration": 2})
            with pytest.raises(error) as e:
                await c.wait(task)
            return task, e.value

    task, err = run(go())
    assert words in err.message and err.task_id == task


def test_unknown_status_counts_as_running(emu):
    emu.emulator.faults.add(route="task", final_status="mystery")

    async def go():
        async with fast_client(emu.url) as c:
            task = await c.submit(LITE, {"image": await _upload(c), "duration": 2})
            with pytest.raises(DeadlineExceeded):
                await c.wait(task, deadline=1.0)

    run(go())


def test_unreachable_image_link_fails_with_1402(emu):
    async def go():
        async with fast_client(emu.url) as c:
            task = await c.submit(LITE, {"image": f"http://127.0.0.1:{free_port()}/gone.jpg", "duration": 2})
            with pytest.raises(TaskFailed) as e:
                await c.wait(task)
            return e.value

    err = run(go())
    assert err.api_code == 1402 and err.money is Money.REFUNDED


# Case 22-23: outputs ----------------------------------------------------------------------------------------


def _finished(emu, fault, tmp_path, **client_kw):
    emu.emulator.faults.add(route="task", **fault)

    async def go():
        async with fast_client(emu.url, **client_kw) as c:
            task = await c.submit(LITE, {"image": await _upload(c), "duration": 2})
            p = await c.wait(task)
            try:
                return await c.download(p, tmp_path / "v.mp4"), None
            except Exception as e:
                return None, e

    return run(go())


def test_expired_link_gets_one_fresh_link(emu, tmp_path):
    out, err = _finished(emu, {"expire": "once"}, tmp_path)
    assert err is None and probe(out)["frames"] == 49


def test_expired_for_good_says_expired_and_leaves_no_file(emu, tmp_path):
    _out, err = _finished(emu, {"expire": "always"}, tmp_path)
    assert isinstance(err, OutputExpired) and "expired" in err.message and err.money is Money.CHARGED
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("kind", "words"), [("not_mp4", "not a video"), ("huge", "larger than expected"),
                                             ("slow", "too slow")])  # fmt: skip
def test_bad_outputs_are_refused_and_cleaned_up(emu, tmp_path, kind, words):
    _out, err = _finished(emu, {"output": kind}, tmp_path, max_download_bytes=1_000_000,
                         timeouts=Timeouts(read=2, download=1.0))  # fmt: skip
    assert isinstance(err, DownloadFailed) and words in err.message
    assert list(tmp_path.iterdir()) == []


# Case 24: the key is never seen ------------------------------------------------------------------------------


def test_key_never_in_logs_errors_reprs_or_urls(emu, tmp_path, caplog):
    seen_urls: list[str] = []

    async def hook(request):
        seen_urls.append(str(request.url))

    async def go():
        async with fast_client(emu.url) as c:
            c._http.event_hooks["request"].append(hook)
            task = await c.submit(V15, payload(await _upload(c)))
            await c.download(await c.wait(task), tmp_path / "v.mp4")
            emu.emulator.faults.add(route="submit", action="drop", store=True)
            errors = []
            try:
                await c.submit(V15, payload(await _upload(c)))
            except SubmissionUnknown as e:
                errors.append(e)
            async with fast_client(emu.url, key="wsk-revoked") as bad:
                try:
                    await bad.balance()
                except AuthenticationError as e:
                    errors.append(e)
            return repr(c), errors

    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "seedance_ui"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        text, errors = run(go())
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) > 10  # DEBUG logging really was on
    for secret in (TEST_KEY, "wsk-revoked"):
        assert secret not in logs and secret not in text
        assert all(secret not in u for u in seen_urls)
        assert all(secret not in str(e) and secret not in repr(e.card()) for e in errors)


# Polling policy (pure functions) -----------------------------------------------------------------------------


def test_poll_policy_waits_until_near_the_eta_then_looks_often():
    p = PollPolicy()
    assert p.delay(0.01, None, 0) == 1.0
    assert p.delay(100, None, 10) == 5.0
    eta = (6.0, 0.4)
    assert p.delay(0.01, eta, 0) == pytest.approx(5.59, abs=0.01)  # straight to the window
    assert p.delay(5.7, eta, 1) == 0.2
    long_eta = (60.0, 3.0)
    assert p.delay(0.01, long_eta, 0) == 1.0  # one early look
    assert p.delay(1.2, long_eta, 1) == 15.0  # then quiet, with a heartbeat
    assert p.delay(70, long_eta, 5) == 1.0 and p.delay(200, long_eta, 9) == 5.0  # late: slowing down again


def test_eta_model_learns_after_two_jobs():
    from seedance_ui.client import EtaModel

    m = EtaModel()
    key = (V15, "720p", 5)
    assert m.expected(key) is None
    m.observe(key, 40)
    assert m.expected(key) is None
    m.observe(key, 44)
    mean, spread = m.expected(key)
    assert 40 < mean < 44 and spread >= 4.0


def test_prediction_parse_is_strict_about_ids():

    with pytest.raises(ProtocolError):
        Prediction.parse({"status": "completed"})
    p = Prediction.parse({"id": "x", "status": "COMPLETED", "outputs": ["u", 3, None], "timings": {"inference": 5}})
    assert p.status == "completed" and p.outputs == ("u",) and p.inference_ms == 5


def test_parallel_jobs_share_one_pool(emu):
    """Six jobs at once over a pool of three connections: every request reuses one of at most three sockets."""
    ports: list[int] = []

    async def seen(response):
        ports.append(response.extensions["network_stream"].get_extra_info("client_addr")[1])

    async def go():
        async with fast_client(emu.url, max_connections=3) as c:
            c._http.event_hooks["response"].append(seen)
            url = await _upload(c)
            tasks = await asyncio.gather(*(c.submit(LITE, {"image": url, "duration": 2, "seed": i}) for i in range(6)))
            done = await asyncio.gather(*(c.wait(t) for t in tasks))
            return tasks, done

    tasks, done = run(go())
    assert len(set(tasks)) == 6 and all(p.status == "completed" for p in done)
    assert emu.emulator.count("submit") == 6
    assert len(ports) >= 13 and 1 <= len(set(ports)) <= 3  # many requests, at most three connections
