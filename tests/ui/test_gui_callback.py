"""Worker threads hand results to widgets through ``widgets.signals.gui_callback``.

A worker that emitted a widget's own signal crashed the suite once: a camera tile's
stream diagnosis finished while the GUI thread was deleting the wall (its garbage
collection), and the emit read freed memory. Through ``gui_callback`` the worker holds
only a weak reference and emits on one long-lived relay; the GUI thread calls the
function only if the widget still exists.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from PySide6.QtWidgets import QWidget

from widgets.signals import gui_callback


class Receiver(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[tuple[Any, ...]] = []
        self.on_thread: list[str] = []

    def take(self, *args: Any) -> None:
        self.got.append(args)
        self.on_thread.append(threading.current_thread().name)


def test_a_result_reaches_a_live_widget_on_the_gui_thread(qtbot: Any) -> None:
    w = Receiver()
    qtbot.addWidget(w)
    answer = gui_callback(w, Receiver.take)
    worker = threading.Thread(target=lambda: answer("url", {"reason": "连接被拒绝"}), name="worker")
    worker.start()
    worker.join(5)
    qtbot.waitUntil(lambda: bool(w.got), timeout=5000)
    assert w.got == [("url", {"reason": "连接被拒绝"})]
    assert w.on_thread == [threading.main_thread().name]


def test_a_widget_deleted_before_the_answer_hears_nothing(qtbot: Any) -> None:
    w = Receiver()
    answer = gui_callback(w, Receiver.take)
    got = w.got
    gone: list[bool] = []
    w.destroyed.connect(lambda *_: gone.append(True))
    w.deleteLater()
    qtbot.waitUntil(lambda: bool(gone), timeout=5000)
    worker = threading.Thread(target=lambda: answer("late"))
    worker.start()
    worker.join(5)
    qtbot.wait(50)
    assert got == []


def test_answers_race_with_deletions_without_harm(qtbot: Any) -> None:
    """200 widgets, each with a worker answering after 0–5 ms, half of them deleted on the
    GUI thread meanwhile: the survivors hear exactly their own answer, the process lives."""
    rng = random.Random(5)
    widgets = [Receiver() for _ in range(200)]
    results = [w.got for w in widgets]
    workers = []
    for i, w in enumerate(widgets):
        answer = gui_callback(w, Receiver.take)
        delay = rng.uniform(0, 0.005)
        t = threading.Thread(target=lambda a=answer, d=delay, n=i: (time.sleep(d), a(n)))
        workers.append(t)
        t.start()
    doomed = set(rng.sample(range(200), 100))
    for i in sorted(doomed):
        widgets[i].deleteLater()
    widgets = [w if i not in doomed else None for i, w in enumerate(widgets)]
    for t in workers:
        t.join(5)
    alive = [i for i in range(200) if i not in doomed]
    qtbot.waitUntil(lambda: all(results[i] == [(i,)] for i in alive), timeout=5000)
    for w in widgets:
        if w is not None:
            w.deleteLater()
