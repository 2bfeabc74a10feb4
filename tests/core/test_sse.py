"""The byte-level SSE parser against the standard's rules (no network needed)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from console.sse import SseEvent, SseParser


def parse(stream: bytes, chunk: int | None = None, **kwargs: object) -> tuple[list[SseEvent], SseParser]:
    parser = SseParser(**kwargs)  # type: ignore[arg-type]
    events: list[SseEvent] = []
    step = chunk or max(1, len(stream))
    for i in range(0, len(stream), step):
        events.extend(parser.feed(stream[i:i + step]))
    parser.close()
    return events, parser


def test_basic_event_with_id_and_multiline_data() -> None:
    events, parser = parse(b"id: 7\ndata: {\"a\":\ndata: 1}\n\n")
    assert [(e.id, e.raw) for e in events] == [("7", b'{"a":\n1}')]
    assert events[0].data == '{"a":\n1}'
    assert parser.last_event_id == "7"


def test_cr_lf_and_crlf_all_end_lines() -> None:
    for sep in (b"\n", b"\r", b"\r\n"):
        stream = b"id: 1" + sep + b"data: x" + sep + sep + b"data: y" + sep + sep
        for chunk in (None, 1, 2, 3):
            events, _ = parse(stream, chunk)
            assert [(e.id, e.raw) for e in events] == [("1", b"x"), ("1", b"y")], (sep, chunk)


def test_cr_at_chunk_end_then_lf_is_one_line_end() -> None:
    parser = SseParser()
    assert parser.feed(b"data: a\r") == []
    events = parser.feed(b"\n\r\n")
    assert [e.raw for e in events] == [b"a"]


def test_event_without_id_keeps_previous_id_and_resume_id_is_inherited() -> None:
    events, _ = parse(b"id: 5\ndata: a\n\ndata: b\n\n")
    assert [e.id for e in events] == ["5", "5"]
    events, _ = parse(b"data: c\n\n", last_event_id="41")
    assert events[0].id == "41"


def test_cut_event_is_discarded_with_its_id() -> None:
    events, parser = parse(b"id: 1\ndata: whole\n\nid: 2\ndata: {\"half")
    assert [e.raw for e in events] == [b"whole"]
    assert parser.last_event_id == "1"


def test_only_a_leading_bom_is_stripped() -> None:
    bom = b"\xef\xbb\xbf"
    events, _ = parse(bom + b"data: a\n\n" + bom + b"data: b\n\n", chunk=1)
    # The second BOM starts a line whose field name is "\ufeffdata": ignored.
    assert [e.raw for e in events] == [b"a"]


def test_comments_retry_unknown_fields_and_empty_events() -> None:
    stream = b": keep-alive\n\nretry: 2000\n\nretry: 2x\nfoo: bar\nid: 9\n\nevent: notice\ndata\n\n"
    events, parser = parse(stream)
    assert parser.retry_ms == 2000
    # "id: 9" with no data dispatches nothing but sets the last id; "data" alone = empty line of data
    assert [(e.id, e.event, e.raw) for e in events] == [("9", "notice", b"")]


def test_id_with_nul_is_ignored_and_space_only_once() -> None:
    events, _ = parse(b"id: 3\n\nid: 4\x00\ndata:  two spaces\n\n")
    assert events[0].id == "3"
    assert events[0].raw == b" two spaces"


def test_invalid_utf8_is_kept_as_bytes() -> None:
    events, _ = parse(b"id: 1\ndata: {\"t\": \"\xff\xfe\"}\n\n")
    assert events[0].raw == b'{"t": "\xff\xfe"}'
    assert "\ufffd" in events[0].data  # display only


def test_huge_event_is_capped_and_marked_oversize() -> None:
    body = b"x" * 5_000_000
    parser = SseParser(max_event_bytes=100_000)
    events: list[SseEvent] = []
    stream = b"id: 77\ndata: " + body + b"\n\nid: 78\ndata: ok\n\n"
    for i in range(0, len(stream), 65536):
        events.extend(parser.feed(stream[i:i + 65536]))
        assert len(parser._buf) <= 100_000 + 64  # memory stays bounded mid-line
    assert [(e.id, e.oversize, e.size) for e in events] == [("77", True, 5_000_000), ("78", False, 2)]
    assert len(events[0].raw) == 100_000 and events[0].raw == body[:100_000]


@settings(max_examples=150, deadline=None)
@given(
    payloads=st.lists(st.binary(min_size=0, max_size=40).filter(lambda b: b"\r" not in b and b"\n" not in b),
                      min_size=1, max_size=8),
    seps=st.sampled_from([b"\n", b"\r", b"\r\n"]),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=12),
)
def test_chunking_never_changes_the_events(payloads: list[bytes], seps: bytes, cuts: list[int]) -> None:
    stream = b"".join(b"id: %d" % i + seps + b"data: " + p + seps + seps for i, p in enumerate(payloads))
    whole, _ = parse(stream)
    parser = SseParser()
    pieces: list[SseEvent] = []
    pos = 0
    for cut in sorted(set(cuts)):
        pieces.extend(parser.feed(stream[pos:cut]))
        pos = max(pos, cut)
    pieces.extend(parser.feed(stream[pos:]))
    assert pieces == whole
    assert [e.raw for e in whole] == payloads
    assert [e.id for e in whole] == [str(i) for i in range(len(payloads))]
