"""Camera stream URLs as platforms and installers really write them (core only, no Qt)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from console.camera_url import CameraUrlError, camera_url_problem, parse_camera_url, player_url, redacted, url_problem


@pytest.mark.parametrize("url, host, port, user, password, path, for_ffmpeg", [
    # Hikvision, with the password an installer really typed.
    ("rtsp://admin:P@ss#1@192.168.1.64:554/Streaming/Channels/101", "192.168.1.64", 554, "admin", "P@ss#1",
     "/Streaming/Channels/101", "rtsp://admin:P%40ss%231@192.168.1.64:554/Streaming/Channels/101"),
    # Dahua: a query string, nothing to change.
    ("rtsp://admin:admin123@10.0.0.8:554/cam/realmonitor?channel=1&subtype=0", "10.0.0.8", 554, "admin",
     "admin123", "/cam/realmonitor?channel=1&subtype=0",
     "rtsp://admin:admin123@10.0.0.8:554/cam/realmonitor?channel=1&subtype=0"),
    # Every awkward character at once.
    ("rtsp://a:P@ss:w/rd?#@10.0.0.1/Streaming/Channels/101", "10.0.0.1", None, "a", "P@ss:w/rd?#",
     "/Streaming/Channels/101", "rtsp://a:P%40ss%3Aw%2Frd%3F%23@10.0.0.1/Streaming/Channels/101"),
    ("rtsp://admin:pa/ss@cam.example/x", "cam.example", None, "admin", "pa/ss", "/x",
     "rtsp://admin:pa%2Fss@cam.example/x"),
    ("rtsp://u:p?ss@h:8554/x?y=1", "h", 8554, "u", "p?ss", "/x?y=1", "rtsp://u:p%3Fss@h:8554/x?y=1"),
    # Already encoded: passed on unchanged (decoded for the record).
    ("rtsp://admin:P%40ss%231@h/x", "h", None, "admin", "P@ss#1", "/x", "rtsp://admin:P%40ss%231@h/x"),
    # An '@' in the path is not a password separator.
    ("rtsp://admin:pass@h/path@x", "h", None, "admin", "pass", "/path@x", "rtsp://admin:pass@h/path@x"),
    ("http://h/api/play?owner=ops@pingshan", "h", None, None, None, "/api/play?owner=ops@pingshan",
     "http://h/api/play?owner=ops@pingshan"),
    # Chinese credentials; a user with no password; IPv6.
    ("rtsp://值班:密码@h/x", "h", None, "值班", "密码", "/x",
     "rtsp://%E5%80%BC%E7%8F%AD:%E5%AF%86%E7%A0%81@h/x"),
    ("rtsp://viewer@h/x", "h", None, "viewer", None, "/x", "rtsp://viewer@h/x"),
    ("rtsp://[fe80::1]:554/x", "fe80::1", 554, None, None, "/x", "rtsp://[fe80::1]:554/x"),
    # GB/T 28181 gateway outputs: HTTP-FLV and HLS with a device code.
    ("http://10.1.1.1:8080/rtp/34020000001320000001.flv", "10.1.1.1", 8080, None, None,
     "/rtp/34020000001320000001.flv", "http://10.1.1.1:8080/rtp/34020000001320000001.flv"),
    ("HTTPS://gw.example:443/live/a b/hls.m3u8", "gw.example", 443, None, None, "/live/a b/hls.m3u8",
     "https://gw.example:443/live/a%20b/hls.m3u8"),
])
def test_urls_as_they_come(url: str, host: str, port: int | None, user: str | None, password: str | None,
                           path: str, for_ffmpeg: str) -> None:
    parsed = parse_camera_url(url)
    assert (parsed.host, parsed.port, parsed.user, parsed.password, parsed.path) == (host, port, user, password, path)
    assert parsed.player_url() == for_ffmpeg == player_url(url)
    assert url_problem(url) is None
    assert parse_camera_url(for_ffmpeg).password == password  # encoding is stable


def test_local_recordings() -> None:
    assert parse_camera_url("/data/录像/1.mp4").local_path == "/data/录像/1.mp4"
    assert parse_camera_url("file:///data/a%20b.mp4").local_path == "/data/a b.mp4"
    assert parse_camera_url("C:\\录像\\1.mp4").local_path == "C:\\录像\\1.mp4"


@pytest.mark.parametrize("url, words", [
    ("", "为空"), ("   ", "为空"), ("rtsp://", "缺少主机名"), ("rtsp://:554/x", "缺少主机名"),
    ("rtsp://admin:pw@/x", "缺少主机名"), ("rtsp://h:99999/x", "端口无效"), ("rtsp://h:abc/x", "端口无效"),
    ("ftp://h/x", "不支持的协议"), ("rtmp://h/live/1", "不支持的协议"), ("rtsp://ho st/x", "主机名无效"),
    ("rtsp://主机/x", "主机名无效"), ("rtsp://h/x\nrtsp://other/y", "控制字符"), ("camera1", "缺少协议"),
    ("rtsp:/h/x", "应为 //"), ("rtsp://fe80::1/x", "方括号"), ("rtsp://:pw@h/x", "缺少用户名"),
    ("file://relative/path.mp4", "绝对路径"),
])
def test_urls_the_console_cannot_play_get_a_reason(url: str, words: str) -> None:
    problem = url_problem(url)
    assert problem is not None and words in problem, problem
    with pytest.raises(CameraUrlError):
        player_url(url)


def test_the_password_never_shows() -> None:
    assert redacted("rtsp://admin:P@ss#1@h:554/x") == "rtsp://admin:***@h:554/x"
    assert "secret" not in redacted("rtsp://admin:secret@h:99999/x")
    for url in ("rtsp://admin:sec/ret@ho st/x", "rtsp://admin:secret@h:99999/x", "rtsp://admin:secret@/x"):
        problem = url_problem(url)
        assert problem is not None and "sec" not in problem, problem


def test_a_camera_names_its_bad_stream() -> None:
    cam = SimpleNamespace(streams=SimpleNamespace(main="rtsp://h/main", sub="rtsp://h:0/sub", low=None))
    problem = camera_url_problem(cam)
    assert problem is not None and problem.startswith("子码流地址无效") and "端口无效" in problem
    cam.streams.sub = "rtsp://h/sub"
    assert camera_url_problem(cam) is None
