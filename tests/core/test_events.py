"""The core's one event mechanism (console/events.py)."""

from __future__ import annotations

import logging

import pytest

from console.events import Event


def test_handlers_run_in_connect_order_with_the_arguments() -> None:
    seen: list[tuple[str, int, str]] = []
    changed: Event[[int, str]] = Event("x.changed")
    changed.connect(lambda n, s: seen.append(("a", n, s)))
    changed.connect(lambda n, s: seen.append(("b", n, s)))
    changed.emit(3, s="z")
    assert seen == [("a", 3, "z"), ("b", 3, "z")]


def test_a_failing_handler_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[int] = []
    changed: Event[[int]] = Event("x.changed")

    def broken(_: int) -> None:
        raise RuntimeError("view gone")

    changed.connect(broken)
    changed.connect(seen.append)
    with caplog.at_level(logging.ERROR, logger="console.events"):
        changed.emit(7)  # the emitter never sees the exception
    assert seen == [7]
    assert "x.changed" in caplog.text and "view gone" in caplog.text


def test_disconnect_and_double_connect() -> None:
    seen: list[int] = []
    changed: Event[[int]] = Event("x.changed")
    undo = changed.connect(seen.append)
    changed.connect(seen.append)
    assert len(changed) == 1
    changed.emit(1)
    undo()
    changed.emit(2)
    changed.disconnect(seen.append)  # already gone: ignored
    assert seen == [1]


def test_a_handler_may_disconnect_itself_while_emitting() -> None:
    seen: list[str] = []
    opened: Event[[]] = Event("source.opened")

    def once() -> None:
        seen.append("once")
        opened.disconnect(once)

    opened.connect(once)
    opened.connect(lambda: seen.append("always"))
    opened.emit()
    opened.emit()
    assert seen == ["once", "always", "always"]
