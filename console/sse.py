"""An incremental Server-Sent Events parser that works on bytes.

Why not httpx-sse: it reads the body through ``response.aiter_text()``, and httpx
decodes text with ``errors="replace"``.  An event carrying invalid UTF-8 would
then reach the console with U+FFFD in place of the bad bytes — valid JSON that
is silently *different* from what the gateway sent.  The console must instead
dead-letter such a message as "invalid UTF-8", so this parser keeps every
event's data as the exact bytes on the wire and leaves decoding to
``console.models.parse_envelope``.  It also bounds memory: a runaway event
(megabytes without a blank line) is cut to a prefix and marked ``oversize``
instead of being buffered whole.

The rules followed are those of the WHATWG HTML standard, "Server-sent events",
section "Interpreting an event stream":

- lines end with CRLF, LF or CR (a CR at a chunk boundary may be followed by the
  LF of the same line ending in the next chunk);
- only one leading U+FEFF BOM at the very start of the stream is stripped;
- ``:`` starts a comment (keep-alive); ``field: value`` drops one space after
  the colon; a line without a colon is a field with an empty value;
- ``data`` lines are joined with ``\\n``; ``id`` sets the last event id unless it
  contains NUL; ``retry`` with only ASCII digits sets the reconnection time;
- a blank line dispatches the event; an event whose data buffer is empty is
  not dispatched, but its ``id`` still becomes the last event id;
- an event without an ``id`` keeps the previous last event id;
- an event cut off before its blank line (end of stream) is discarded, and so
  is its ``id``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BOM = b"\xef\xbb\xbf"
DEFAULT_MAX_EVENT_BYTES = 2 * 1024 * 1024
"""Data kept per event.  Above ``console.models.MAX_MESSAGE_BYTES`` (1 MB) on
purpose: an oversize event still reaches Ingest as "too large", never truncated
into something that might parse."""

_LINE_END = re.compile(rb"[\r\n]")


@dataclass(frozen=True)
class SseEvent:
    """One dispatched event.

    ``raw`` is the event's data exactly as received (lines joined with ``\\n``),
    cut to the parser's cap when ``oversize``; ``size`` is the full data size on
    the wire.  ``id`` is the stream's last event id after this event (it may be
    inherited from an earlier event, per the standard).
    """

    id: str | None
    raw: bytes
    event: str = "message"
    size: int = 0
    oversize: bool = False
    retry_ms: int | None = field(default=None, compare=False)

    @property
    def data(self) -> str:
        """The data as text, for display and logs only (bad bytes shown as U+FFFD).

        The console hands ``raw`` to Ingest, which rejects invalid UTF-8 instead.
        """
        return self.raw.decode("utf-8", errors="replace")


class SseParser:
    """Feed bytes in, get complete events out; one parser per connection.

    ``last_event_id`` starts from the id the connection resumed from, so an event
    without an ``id:`` line inherits it, as a browser's EventSource would.
    """

    def __init__(self, last_event_id: str | None = None,
                 max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self.last_event_id: str | None = last_event_id
        self.retry_ms: int | None = None
        self.bytes_seen = 0
        self._buf = bytearray()  # the current, unfinished line (bounded by the cap)
        self._line_dropped = 0  # bytes of the current line beyond the cap, not kept
        self._skip_lf = False  # last chunk ended with CR: a leading LF belongs to it
        self._at_start = True  # BOM not yet ruled out
        self._id_buffer: str | None = last_event_id
        self._event_type = ""
        self._data = bytearray()
        self._data_lines = 0
        self._data_size = 0
        self._oversize = False

    # ------------------------------------------------------------------ input

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """Parse one chunk of the body; return the events it completed."""
        if not chunk:
            return []
        self.bytes_seen += len(chunk)
        events: list[SseEvent] = []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if self._at_start:
            head = bytes(self._buf) + chunk
            if len(head) < len(BOM) and BOM.startswith(head):
                self._buf = bytearray(head)  # wait for more bytes to decide
                return events
            self._at_start = False
            if head.startswith(BOM):
                head = head[len(BOM):]
            self._buf = bytearray()
            chunk = head
        pos = 0
        end = len(chunk)
        while pos < end:
            m = _LINE_END.search(chunk, pos)
            if m is None:
                self._keep(chunk[pos:])
                break
            self._keep(chunk[pos:m.start()])
            line = bytes(self._buf)
            dropped = self._line_dropped
            self._buf = bytearray()
            self._line_dropped = 0
            ev = self._line(line, dropped)
            if ev is not None:
                events.append(ev)
            pos = m.end()
            if chunk[m.start():m.end()] == b"\r":
                if pos < end:
                    if chunk[pos:pos + 1] == b"\n":
                        pos += 1
                else:
                    self._skip_lf = True
        return events

    def close(self) -> None:
        """End of stream: an unfinished event is discarded, its id with it."""
        self._buf = bytearray()
        self._line_dropped = 0
        self._reset_event()
        self._id_buffer = self.last_event_id

    # ------------------------------------------------------------------ internals

    def _keep(self, part: bytes) -> None:
        """Add bytes to the current line, keeping at most a cap's worth (+ field name)."""
        if not part:
            return
        room = self.max_event_bytes + 64 - len(self._buf)
        if room >= len(part):
            self._buf += part
        else:
            if room > 0:
                self._buf += part[:room]
            self._line_dropped += len(part) - max(room, 0)

    def _reset_event(self) -> None:
        self._event_type = ""
        self._data = bytearray()
        self._data_lines = 0
        self._data_size = 0
        self._oversize = False

    def _line(self, line: bytes, dropped: int) -> SseEvent | None:
        if not line and not dropped:
            return self._dispatch()
        if line.startswith(b":"):
            return None  # comment: a keep-alive
        name, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            self._add_data(value, dropped)
        elif name == b"id":
            if b"\x00" not in value and not dropped:
                self._id_buffer = value.decode("utf-8", errors="replace")
        elif name == b"event":
            self._event_type = value.decode("utf-8", errors="replace")
        elif name == b"retry":
            if value and value.isdigit() and not dropped:
                self.retry_ms = int(value)
        # other field names are ignored, as the standard says
        return None

    def _add_data(self, value: bytes, dropped: int) -> None:
        size = len(value) + dropped + (1 if self._data_lines else 0)
        self._data_size += size
        self._data_lines += 1
        room = self.max_event_bytes - len(self._data)
        piece = (b"\n" + value) if self._data_lines > 1 else value
        if dropped or len(piece) > room:
            self._oversize = True
        if room > 0:
            self._data += piece[:room]

    def _dispatch(self) -> SseEvent | None:
        self.last_event_id = self._id_buffer
        if self._data_lines == 0:
            self._reset_event()
            return None
        ev = SseEvent(
            id=self.last_event_id,
            raw=bytes(self._data),
            event=self._event_type or "message",
            size=self._data_size,
            oversize=self._oversize,
            retry_ms=self.retry_ms,
        )
        self._reset_event()
        return ev
