"""The camera directory's search: keys made once per camera (:class:`CameraSearch`)."""

from __future__ import annotations

from typing import Any, Iterable


def search_key(camera: Any) -> str:
    """What the directory's search looks in: the name (lower case), the code, and the
    name's pinyin (full and initials: ``maluan`` or ``ml`` finds 马峦, console.pinyin)."""
    from console.pinyin import text_forms

    name = camera.name.lower()
    return f"{name}\n{camera.id.lower()}\n{text_forms(camera.name)}"


def matches(camera: Any, query: str) -> bool:
    """Directory search: part of the name (or of its pinyin), or a (partial) 20-digit
    GB/T 28181 code (digits search the code only)."""
    q = query.strip()
    if not q:
        return True
    if q.isdigit():
        return q in camera.id
    return q.lower() in search_key(camera)


class CameraSearch:
    """The directory's search over the camera store, with each camera's key made once
    per revision (10,000 cameras: a query is a pass over ready strings, not 10,000
    lower-casings and pinyin conversions). Same answers as :func:`matches`."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[int, str]] = {}  # camera id → (rev, search key)

    def key(self, camera: Any) -> str:
        held = self._keys.get(camera.id)
        if held is None or held[0] != camera.rev:
            held = (camera.rev, search_key(camera))
            self._keys[camera.id] = held
        return held[1]

    def find(self, cameras: Iterable[Any], query: str) -> list[Any]:
        """The cameras among ``cameras`` that ``query`` finds, in their order."""
        q = query.strip()
        cams = list(cameras)
        if not q:
            return cams
        if q.isdigit():
            return [c for c in cams if q in c.id]
        low = q.lower()
        key = self.key
        return [c for c in cams if low in key(c)]

    def matches(self, camera: Any, query: str) -> bool:
        """Whether ``query`` finds ``camera`` (:func:`matches`, from the kept key)."""
        q = query.strip()
        if not q:
            return True
        if q.isdigit():
            return q in camera.id
        return q.lower() in self.key(camera)

    def keep_only(self, camera_ids: Iterable[str]) -> None:
        """Forget the keys of cameras no longer in the store."""
        alive = set(camera_ids)
        if len(self._keys) > len(alive):
            self._keys = {k: v for k, v in self._keys.items() if k in alive}
