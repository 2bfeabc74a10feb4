"""Workstation profiles: the shipped files, validation messages, lookup and the first-start choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.catalogue import streets
from console.profiles import (
    ProfileError,
    load_profile_file,
    load_profiles,
    parse_profile,
    remember_choice,
    resolve_profile,
)


def test_shipped_profiles_are_the_district_and_the_six_streets() -> None:
    cat = load_profiles()
    assert not cat.errors, [str(e) for e in cat.errors]
    street_ids = [s.id for s in streets()]
    ordered = cat.ordered()
    assert ordered[0].name == "district" and ordered[0].scope == "district"
    assert [p.street for p in ordered if p.scope == "street"] == street_ids
    maluan = cat.get("maluan")
    assert maluan.title == "马峦街道分中心"
    assert maluan.gateway_scope == "maluan"
    assert cat.get("district").gateway_scope is None
    dept = cat.get("water-affairs")
    assert dept.scope == "department" and "waterlogging" in dept.categories and dept.gateway_scope is None


def test_unknown_street_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('name = "x"\ntitle = "某街道"\nscope = "street"\nstreet = "nowhere"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile_file(path)
    text = str(info.value)
    assert str(path) in text and "第 4 行" in text and "street" in text and "nowhere" in text
    assert "maluan" in text  # it lists the valid ids


@pytest.mark.parametrize(("body", "field", "line"), [
    ('name = "a"\ntitle = "t"\nlanguage = "fr"\n', "language", 3),
    ('name = "a"\ntitle = "t"\npanels = ["map", "radar"]\n', "panels", 3),
    ('name = "a"\ntitle = "t"\ngateway = "ftp://x"\n', "gateway", 3),
    ('name = "a"\ntitle = "t"\ncolour = "red"\n', "colour", 3),
    ('name = "a"\ntitle = "t"\nscope = "department"\ndepartment = "d"\ncategories = ["nope"]\n', "categories", 5),
    ('name = "a"\ntitle = "t"\nca_file = "missing.pem"\n', "ca_file", 3),
    ('name = "A B"\ntitle = "t"\n', "name", 1),
    ('name = "a"\n', "title", None),
])
def test_field_errors_are_chinese_and_precise(tmp_path: Path, body: str, field: str, line: int | None) -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile(body, tmp_path / "a.toml")
    assert info.value.field_name == field
    assert info.value.line == line
    assert "配置文件" in str(info.value) and field in str(info.value)


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile('name = "a"\ntitle = \n', tmp_path / "a.toml")
    assert info.value.line == 2 and "TOML" in str(info.value)


def test_user_profiles_override_and_bad_files_are_reported(tmp_path: Path) -> None:
    user = tmp_path / "profiles"
    user.mkdir()
    (user / "maluan.toml").write_text(
        'name = "maluan"\ntitle = "马峦（测试网关）"\nscope = "street"\nstreet = "maluan"\n'
        'gateway = "https://gw.example:8443"\n', encoding="utf-8")
    (user / "broken.toml").write_text('name = "broken"\ntitle = "坏"\nscope = "city"\n', encoding="utf-8")
    cat = load_profiles(tmp_path)
    assert cat.get("maluan").gateway == "https://gw.example:8443"
    with pytest.raises(ProfileError) as info:
        cat.get("broken")
    assert "scope" in str(info.value) and "broken.toml" in str(info.value)
    with pytest.raises(ProfileError) as info:
        cat.get("mars")
    assert "未知的配置" in str(info.value) and "maluan" in str(info.value)


def test_resolve_order_requested_then_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PINGSHAN_PROFILE", raising=False)
    profile, _cat = resolve_profile(None, tmp_path)
    assert profile is None  # first start: ask
    remember_choice(tmp_path, "kengzi")
    assert resolve_profile(None, tmp_path)[0].name == "kengzi"
    assert resolve_profile("biling", tmp_path)[0].name == "biling"
    monkeypatch.setenv("PINGSHAN_PROFILE", "shijing")  # what an installer bakes in
    assert resolve_profile(None, tmp_path)[0].name == "shijing"


def test_command_line_profile_sets_scope_language_and_gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from widgets.shell.app import parse_args
    from widgets.shell.deployment import choose_profile, core_options, prepare

    monkeypatch.delenv("PINGSHAN_PROFILE", raising=False)
    argv = ["--profile", "maluan", "--cache", str(tmp_path)]
    args = parse_args(argv)
    assert prepare(args, argv) is None
    assert args.profile_obj.name == "maluan" and args.lang == "zh_CN"
    assert core_options(args) == {"scope": "maluan"}
    asyncio.run(choose_profile(args))
    assert args.demo and args.backend is None  # the shipped profiles use the demo feed

    user = tmp_path / "profiles"
    user.mkdir()
    (user / "kengzi.toml").write_text(
        'name = "kengzi"\ntitle = "坑梓街道分中心"\nscope = "street"\nstreet = "kengzi"\n'
        'gateway = "https://gw.example:8443"\nlanguage = "en"\n', encoding="utf-8")
    argv = ["--profile", "kengzi", "--cache", str(tmp_path)]
    args = parse_args(argv)
    assert prepare(args, argv) is None
    assert args.lang == "en"
    asyncio.run(choose_profile(args))
    assert args.backend == ["https://gw.example:8443"] and not args.demo
    argv = ["--profile", "kengzi", "--demo", "--lang", "zh_CN", "--cache", str(tmp_path)]
    args = parse_args(argv)
    assert prepare(args, argv) is None
    asyncio.run(choose_profile(args))
    assert args.lang == "zh_CN" and args.demo and args.backend is None  # the command line wins

    dept = parse_args(["--profile", "water-affairs", "--cache", str(tmp_path)])
    assert prepare(dept, ["--profile", "water-affairs"]) is None
    assert core_options(dept) == {"scope": None, "categories": ("waterlogging", "river_level", "water_pollution")}


def test_first_start_dialog_lists_district_first_and_returns_the_choice(qtbot: object) -> None:
    from widgets.shell.profile_dialog import ProfileDialog

    profiles = load_profiles().ordered()
    dialog = ProfileDialog(profiles)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.list.count() == len(profiles)
    assert "坪山区城市运行指挥中心" in dialog.list.item(0).text()
    assert dialog.chosen().name == "district"
    assert dialog.select("longtian")
    assert dialog.chosen().name == "longtian" and dialog.chosen().street == "longtian"


def test_first_start_question_is_answered_without_a_nested_loop(console_loop: object, qtbot: object) -> None:
    """ask_profile opens the dialog with open() and awaits it on the running loop."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from tests.support.qtsupport import run_task
    from widgets.shell.profile_dialog import ProfileDialog, ask_profile

    def answer() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ProfileDialog) and w.isVisible())
        dialog.select("shijing")
        dialog.accept()

    QTimer.singleShot(300, answer)
    chosen = run_task(console_loop, qtbot, ask_profile(load_profiles().ordered()), timeout_s=20)  # type: ignore[arg-type]
    assert chosen is not None and chosen.name == "shijing"


def test_a_profile_named_unlike_its_file_or_not_utf8_is_refused(tmp_path: Path) -> None:
    from console.profiles import PROFILES_DIR, ProfileError, load_profile_file

    renamed = tmp_path / "other.toml"
    renamed.write_text((PROFILES_DIR / "maluan.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile_file(renamed)
    assert err.value.field_name == "name" and err.value.line == 2 and "不一致" in str(err.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes("title = '马峦'".encode("gb18030"))
    with pytest.raises(ProfileError, match="不是 UTF-8 文本"):
        load_profile_file(latin)


def test_a_profile_lists_the_districts_gateways_and_the_console_takes_them_all(tmp_path: Path) -> None:
    """``gateway = [A, B]`` (replicas of one stream): the console gets A first and B to fail over to;
    a repeated ``--backend`` does the same."""
    import argparse

    from console.profiles import load_profile_file as load_profile
    from widgets.shell.app import parse_args
    from widgets.shell.login_flow import config_kwargs

    path = tmp_path / "district-ha.toml"
    path.write_text('name = "district-ha"\ntitle = "区指挥中心（双网关）"\n'
                    'gateway = ["https://gw-a.example:8443", "https://gw-b.example:8443"]\n', encoding="utf-8")
    profile = load_profile(path)
    assert profile.gateway == "https://gw-a.example:8443"
    assert profile.gateways == ("https://gw-a.example:8443", "https://gw-b.example:8443")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ntitle = "x"\ngateway = ["https://ok:1", "ftp://nope"]\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="ftp://nope"):
        load_profile(bad)
    args = parse_args(["--backend", "http://127.0.0.1:8441", "--backend", "http://127.0.0.1:8442",
                       "--cache", str(tmp_path / "cache")])
    kwargs = config_kwargs(args.backend, args, None)
    assert kwargs["backend_url"] == "http://127.0.0.1:8441"
    assert kwargs["backend_urls"] == ("http://127.0.0.1:8442",)
    assert "backend_urls" not in config_kwargs("http://one", argparse.Namespace(cache=tmp_path, ca=None), None)


# --------------------------------------------------------------------------- broken files at start

BROKEN = {
    "deep.toml": "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "deep-inline.toml": 'name = "deep-inline"\ntitle = "x"\nx = ' + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n",
    "digits.toml": 'name = "digits"\ntitle = "x"\nlayout = ' + "7" * 5000 + "\n",
    "nul.toml": 'name = "nul"\ntitle = "x"\nca_file = "a\\u0000b"\n',
    "nested-gateway.toml": 'name = "nested-gateway"\ntitle = "x"\ngateway = ' + "[" * 400 + "]" * 400 + "\n",
    "garbage.toml": "\x00\x01\x02 not toml at all [[[",
    "empty.toml": "",
}


def _broken_cache(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for name, text in BROKEN.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "gbk.toml").write_bytes('name = "gbk"\ntitle = "马峦"\n'.encode("gbk"))
    (folder / "folder.toml").mkdir()  # a directory with a profile's name
    return tmp_path


def test_broken_profiles_in_the_cache_are_reported_not_raised(tmp_path: Path) -> None:
    catalogue = load_profiles(_broken_cache(tmp_path))
    assert "district" in catalogue.profiles and "maluan" in catalogue.profiles  # the shipped ones still load
    named = {e.path.name: str(e) for e in catalogue.errors if e.path is not None}
    assert set(named) == set(BROKEN) | {"gbk.toml", "folder.toml"}
    assert "嵌套层次过深" in named["deep.toml"] and "嵌套层次过深" in named["deep-inline.toml"]
    assert "不是 UTF-8" in named["gbk.toml"] and "无法读取" in named["folder.toml"]
    assert all("Error" not in text or "ValueError" in text or "TypeError" in text for text in named.values())


def test_a_broken_requested_profile_starts_the_district_profile(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from console.profiles import startup_profile

    monkeypatch.delenv("PINGSHAN_PROFILE", raising=False)
    cache = _broken_cache(tmp_path)
    start = startup_profile("deep", cache)
    assert start.profile is not None and start.profile.name == "district"
    assert any("“deep” 不可用，本次以默认配置 “坪山区城市运行指挥中心（district）” 启动" in n for n in start.notices)
    assert sum("deep.toml" in n for n in start.notices) >= 1
    unknown = startup_profile("mars", cache)
    assert unknown.profile is not None and unknown.profile.name == "district"
    assert any("未知的配置 “mars”" in n for n in unknown.notices)
    remember_choice(cache, "digits")  # a first-start choice whose file broke since
    assert startup_profile(None, cache).profile.name == "district"  # type: ignore[union-attr]
    monkeypatch.setenv("PINGSHAN_PROFILE", "nul")  # an installer baked in a file that broke
    assert startup_profile(None, cache).profile.name == "district"  # type: ignore[union-attr]


def test_a_broken_district_override_falls_back_to_the_shipped_one(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from console import profiles as mod

    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "district.toml").write_text("x = " + "[" * 50_000 + "]" * 50_000, encoding="utf-8")
    start = mod.startup_profile("district", tmp_path)
    assert start.profile is not None and start.profile.source == mod.PROFILES_DIR / "district.toml"
    assert any("district.toml" in n for n in start.notices)
    # even with no usable district file at all, the built-in district profile runs
    monkeypatch.setattr(mod, "PROFILES_DIR", tmp_path / "nothing-shipped")
    start = mod.startup_profile("district", tmp_path)
    assert start.profile is mod.BUILTIN_FALLBACK and start.profile.scope == "district"


def test_prepare_never_stops_the_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from widgets.shell.app import parse_args
    from widgets.shell.deployment import prepare

    monkeypatch.delenv("PINGSHAN_PROFILE", raising=False)
    cache = _broken_cache(tmp_path)
    wall = tmp_path / "wall.toml"
    wall.write_text("screen = " + "[" * 100_000 + "]" * 100_000, encoding="utf-8")
    argv = ["--profile", "deep", "--wall", str(wall), "--cache", str(cache)]
    args = parse_args(argv)
    assert prepare(args, argv) is None
    assert args.profile_obj.name == "district" and args.wall_config is None
    err = capsys.readouterr().err
    assert "本次以默认配置" in err and "本次不启用大屏" in err and str(wall) in err
    assert any("大屏配置不可用" in n for n in args.startup_notices)


def test_the_operator_is_told_in_a_message_box(qtbot: object) -> None:
    from PySide6.QtWidgets import QMainWindow, QMessageBox

    from widgets.shell.deployment import show_startup_notices

    window = QMainWindow()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    assert show_startup_notices(window, []) is None
    box = show_startup_notices(window, ["配置 “deep” 不可用，本次以默认配置 “坪山区城市运行指挥中心（district）” 启动"])
    assert isinstance(box, QMessageBox) and box.isVisible() and not box.isModal()
    assert "district" in box.informativeText() and box.windowTitle() == "配置有误"
    box.close()
