"""Fuzzing the client's reading of answers: random and mutated bodies and codes only ever raise our own errors."""

import json

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from seedance_ui.client import Prediction, WaveSpeedClient, parse_retry_after
from seedance_ui.errors import ProtocolError, SeedanceError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=6),
    max_leaves=20,
)
GOOD = {"code": 200, "message": "success", "data": {"id": "abc", "status": "completed", "outputs": ["http://x/y.mp4"],
                                                    "timings": {"inference": 10}, "created_at": "2026-01-01T00:00:00Z"}}  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_prediction_parse_only_raises_protocol_errors(data):
    try:
        p = Prediction.parse(data)
        assert isinstance(p.id, str) and p.id
    except ProtocolError:
        pass


@settings(max_examples=400, deadline=None)
@given(st.integers(100, 599), st.one_of(json_values.map(json.dumps), st.binary(max_size=200).map(bytes)),
       st.one_of(st.none(), st.text(max_size=30)))  # fmt: skip
def test_any_answer_becomes_data_or_our_error(status, body, retry_after):
    client = WaveSpeedClient(api_key="k", base_url="http://127.0.0.1:9")
    headers = {"retry-after": retry_after} if retry_after else {}
    try:
        resp = httpx.Response(status, content=body if isinstance(body, bytes) else body.encode(), headers=headers)
    except Exception:  # a header httpx itself refuses: not an answer a server could send
        return
    try:
        client._data(resp)
    except SeedanceError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6))
def test_mutated_good_answers(flips):
    raw = bytearray(json.dumps(GOOD).encode())
    for pos, val in flips:
        raw[pos % len(raw)] = val
    client = WaveSpeedClient(api_key="k", base_url="http://127.0.0.1:9")
    try:
        data = client._data(httpx.Response(200, content=bytes(raw)))
        Prediction.parse(data)
    except SeedanceError:
        pass


@given(st.text(max_size=40))
def test_retry_after_never_raises(value):
    out = parse_retry_after(value)
    assert out is None or out >= 0
