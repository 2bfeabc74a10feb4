"""Workstation profiles: who this console serves and how it starts.

A profile is one small TOML file.  It sets the scope (the district centre, one
street sub-centre or one department), the gateway URL and its CA certificate, the
default layout, the UI language and which panels show.  Profiles come from
``resources/profiles/*.toml`` (shipped: the district centre and the six street
sub-centres) and from a user folder in the cache (``<cache>/profiles/*.toml``),
where a file of the same name overrides the shipped one.  An installer for a street
sub-centre bakes its profile in as the default (``default_profile`` file next to the
profiles, or ``PINGSHAN_PROFILE``).

Pure Python, no Qt.  Bad input never becomes a traceback: :class:`ProfileError`
names the file, the line and the field in Chinese.

Example (``resources/profiles/maluan.toml``)::

    name = "maluan"
    title = "马峦街道分中心"
    scope = "street"
    street = "maluan"
    gateway = ""            # empty: the embedded demo feed
    ca_file = ""            # PEM file, relative to this file, for a private CA
    language = "zh_CN"
    layout = "street"       # duty | street | wall
    panels = ["map", "video", "queue", "indicators"]
"""

from __future__ import annotations

import json
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROFILES_DIR = Path(__file__).resolve().parent.parent / "resources" / "profiles"
"""The shipped profiles."""

USER_PROFILES_SUBDIR = "profiles"
"""Folder inside the cache directory with the workstation's own profiles."""

CHOICE_FILE = "profile-choice.txt"
"""File in the cache directory remembering the profile picked at first start."""

DEFAULT_FILE = "default_profile"
"""File next to the shipped profiles naming the one an installer baked in."""

SCOPES = ("district", "street", "department")
PANELS = ("map", "video", "queue", "indicators")
LAYOUTS = ("duty", "street", "wall")
LANGUAGES = ("zh_CN", "en")
FIELDS = ("name", "title", "scope", "street", "department", "categories", "gateway", "ca_file",
          "language", "layout", "panels")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ConfigFileError(ValueError):
    """A configuration file that cannot be used; ``str()`` is a Chinese sentence naming the
    file (as ``KIND``), the line and the field, then what is wrong."""

    KIND = "配置文件"

    def __init__(self, path: Path | str | None, message: str, *, field_name: str | None = None,
                 line: int | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.field_name = field_name
        self.line = line
        self.message = message
        where = []
        if self.path is not None:
            where.append(f"{self.KIND} {self.path}")
        if line is not None:
            where.append(f"第 {line} 行")
        if field_name:
            where.append(f"字段 “{field_name}”")
        super().__init__(("，".join(where) + "：" if where else "") + message)

    @classmethod
    def read_text(cls, path: Path) -> str:
        """The file's UTF-8 text, or this error saying why it cannot be read."""
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise cls(path, f"不是 UTF-8 文本（第 {exc.start} 字节）") from None
        except OSError as exc:
            raise cls(path, f"无法读取（{exc.strerror or exc}）") from None


    @classmethod
    def parse_document(cls, text: str, path: Path | str | None, fmt: str = "toml") -> Any:
        """TOML (or JSON) text → a document, or this error; never another exception.

        tomllib and json recurse once per nesting level: a deeply nested file raises
        RecursionError, and an integer of more than 4300 digits ValueError. Both are
        a broken file, said so in Chinese like any other.
        """
        try:
            return json.loads(text) if fmt == "json" else tomllib.loads(text)
        except json.JSONDecodeError as exc:
            raise cls(path, f"不是有效的 JSON（{exc.msg}）", line=exc.lineno) from None
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise cls(path, f"不是有效的 TOML（{exc}）", line=int(m.group(1)) if m else None) from None
        except RecursionError:
            raise cls(path, "嵌套层次过深，不是可用的配置") from None
        except (ValueError, MemoryError) as exc:
            raise cls(path, f"无法读取（{type(exc).__name__}：数值或内容超出范围）") from None


class ProfileError(ConfigFileError):
    """A profile that cannot be used."""


@dataclass(frozen=True)
class Profile:
    """One workstation profile (see the module docstring for the file format)."""

    name: str
    title: str
    scope: str = "district"
    street: str | None = None
    department: str | None = None
    categories: tuple[str, ...] = ()
    gateway: str | None = None  # the preferred gateway
    ca_file: Path | None = None
    language: str = "zh_CN"
    layout: str = "duty"
    panels: tuple[str, ...] = PANELS
    source: Path | None = field(default=None, compare=False)

    gateways: tuple[str, ...] = ()  # every gateway, preferred first (replicas of the district's stream)

    def __post_init__(self) -> None:
        if self.gateway and not self.gateways:
            object.__setattr__(self, "gateways", (self.gateway,))

    @property
    def gateway_scope(self) -> str | None:
        """What the console sends as ``?scope=`` (a street id), None for district-wide."""
        return self.street if self.scope == "street" else None

    @property
    def verify(self) -> bool | str:
        """httpx ``verify``: the CA file when the profile names one, else the system store."""
        return str(self.ca_file) if self.ca_file is not None else True


def _line_of(text: str, key: str) -> int | None:
    """Line number (1-based) where ``key = …`` is written, for error messages."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=", re.MULTILINE)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _street_ids() -> dict[str, str]:
    from console.catalogue import streets

    return {s.id: s.name_zh for s in streets()}


def _category_ids() -> set[str]:
    from console.catalogue import categories

    return {c.id for c in categories()}


def parse_profile(text: str, path: Path | str | None = None) -> Profile:
    """Validate one profile's TOML text; raises :class:`ProfileError` and nothing else."""
    try:
        return _parse_profile(text, path)
    except ProfileError:
        raise
    except (RecursionError, ValueError, TypeError, MemoryError) as exc:
        raise ProfileError(path, f"无法使用（{type(exc).__name__}：内容嵌套过深或数值超出范围）") from None


def _parse_profile(text: str, path: Path | str | None) -> Profile:
    doc = ProfileError.parse_document(text, path)

    def fail(key: str, message: str) -> ProfileError:
        return ProfileError(path, message, field_name=key, line=_line_of(text, key))

    unknown = [k for k in doc if k not in FIELDS]
    if unknown:
        raise fail(unknown[0], f"未知字段（可用字段：{'、'.join(FIELDS)}）")

    def text_field(key: str, default: str | None = None, required: bool = False) -> str | None:
        value = doc.get(key, default)
        if value is None or value == "":
            if required:
                raise fail(key, "必须填写")
            return default if default != "" else None
        if not isinstance(value, str):
            raise fail(key, f"应为字符串，实际是 {type(value).__name__}")
        return value.strip()

    def list_field(key: str, allowed: tuple[str, ...] | set[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
        value = doc.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "应为字符串列表，例如 [\"map\", \"queue\"]")
        if allowed is not None:
            bad = [v for v in value if v not in allowed]
            if bad:
                raise fail(key, f"未知取值 “{bad[0]}”（可用：{'、'.join(sorted(allowed))}）")
        if len(set(value)) != len(value):
            raise fail(key, "有重复的取值")
        return tuple(value)

    name = text_field("name", required=True)
    assert name is not None
    if not _NAME_RE.match(name):
        raise fail("name", f"“{name}” 不可用：只能用小写字母、数字、- 和 _（至多 40 个字符）")
    title = text_field("title", required=True)
    assert title is not None
    scope = text_field("scope", "district")
    if scope not in SCOPES:
        raise fail("scope", f"“{scope}” 不是有效范围（可用：district 区中心、street 街道分中心、department 部门）")
    street = text_field("street")
    department = text_field("department")
    categories = list_field("categories", None, ())
    if scope == "street":
        streets = _street_ids()
        if street is None:
            raise fail("street", "街道分中心配置必须指定街道 id（" + "、".join(f"{k} {v}" for k, v in streets.items()) + "）")
        if street not in streets:
            raise fail("street", f"未知的街道 “{street}”（可用：" + "、".join(f"{k} {v}" for k, v in streets.items()) + "）")
    elif street is not None:
        raise fail("street", f"只有 scope = \"street\" 时才能指定街道（当前 scope = \"{scope}\"）")
    if scope == "department":
        if department is None:
            raise fail("department", "部门配置必须指定部门 id")
        if not categories:
            raise fail("categories", "部门配置必须列出该部门接收的告警类别")
        known = _category_ids()
        bad = [c for c in categories if c not in known]
        if bad:
            raise fail("categories", f"未知的告警类别 “{bad[0]}”（见 resources/catalogue/categories.json）")
    elif categories:
        raise fail("categories", "只有部门配置（scope = \"department\"）才能限定告警类别")
    raw_gateway = doc.get("gateway")
    if isinstance(raw_gateway, list):  # several replicas, preferred first
        gateways = tuple(str(g).strip() for g in raw_gateway if str(g).strip())
    else:
        one = text_field("gateway")
        gateways = (one,) if one is not None else ()
    for g in gateways:
        if not re.match(r"^https?://[^\s/]+", g):
            raise fail("gateway", f"“{g}” 不是 http(s) 网址")
    gateway = gateways[0] if gateways else None
    ca_text = text_field("ca_file")
    ca_file: Path | None = None
    if ca_text is not None:
        ca_file = Path(ca_text).expanduser()
        if not ca_file.is_absolute() and path is not None:
            ca_file = Path(path).parent / ca_file
        if not ca_file.is_file():
            raise fail("ca_file", f"证书文件 {ca_file} 不存在")
    language = text_field("language", "zh_CN")
    if language not in LANGUAGES:
        raise fail("language", f"“{language}” 不是支持的语言（可用：{'、'.join(LANGUAGES)}）")
    layout = text_field("layout", "duty")
    if layout not in LAYOUTS:
        raise fail("layout", f"“{layout}” 不是已知布局（可用：{'、'.join(LAYOUTS)}）")
    panels = list_field("panels", PANELS, PANELS)
    if not panels:
        raise fail("panels", "至少要显示一个面板")
    return Profile(name=name, title=title, scope=str(scope), street=street, department=department,
                   categories=categories, gateway=gateway, gateways=gateways, ca_file=ca_file,
                   language=str(language),
                   layout=str(layout), panels=panels, source=Path(path) if path is not None else None)


def load_profile_file(path: Path | str) -> Profile:
    """Read and validate one profile file; the file stem must equal its ``name``."""
    path = Path(path)
    text = ProfileError.read_text(path)
    profile = parse_profile(text, path)
    if profile.name != path.stem:
        raise ProfileError(path, f"name = “{profile.name}” 与文件名 “{path.stem}” 不一致",
                           field_name="name", line=_line_of(text, "name"))
    return profile


def profile_dirs(cache_dir: Path | str | None) -> list[Path]:
    """Where profiles are looked up, lowest priority first."""
    dirs = [PROFILES_DIR]
    if cache_dir is not None:
        dirs.append(Path(cache_dir) / USER_PROFILES_SUBDIR)
    return dirs


@dataclass
class ProfileCatalogue:
    """Every usable profile by name, plus the files that were rejected and why."""

    profiles: dict[str, Profile]
    errors: list[ProfileError]

    def get(self, name: str, origin: str | None = "--profile") -> Profile:
        """The named profile; :class:`ProfileError` (listing the known names) when unknown.
        ``origin`` is the field the error names: the flag the user gave, None for a name
        that came from elsewhere (the installer's default, the first-start choice)."""
        if name in self.profiles:
            return self.profiles[name]
        for err in self.errors:
            if err.path is not None and err.path.stem == name:
                raise err
        known = "、".join(f"{p.name}（{p.title}）" for p in self.ordered()) or "无"
        raise ProfileError(None, f"未知的配置 “{name}”。可用的配置：{known}", field_name=origin)

    def ordered(self) -> list[Profile]:
        """District first, then streets in catalogue order, then the rest by name."""
        order = {sid: i for i, sid in enumerate(_street_ids())}

        def key(p: Profile) -> tuple[int, int, str]:
            if p.scope == "district":
                return (0, 0, p.name)
            if p.scope == "street":
                return (1, order.get(p.street or "", 99), p.name)
            return (2, 0, p.name)

        return sorted(self.profiles.values(), key=key)


def load_profiles(cache_dir: Path | str | None = None, extra_dirs: list[Path] | None = None) -> ProfileCatalogue:
    """All profiles from the shipped folder and the cache's folder (later folders win)."""
    profiles: dict[str, Profile] = {}
    errors: list[ProfileError] = []
    for directory in [*profile_dirs(cache_dir), *(extra_dirs or [])]:
        try:
            paths = sorted(directory.glob("*.toml")) if directory.is_dir() else []
        except OSError as exc:
            errors.append(ProfileError(directory, f"无法列出配置目录（{exc.strerror or exc}）"))
            continue
        for path in paths:
            try:
                profile = load_profile_file(path)
            except ProfileError as exc:
                errors.append(exc)
                continue
            profiles[profile.name] = profile
    return ProfileCatalogue(profiles, errors)


INSTALL_MODE_FILE = "install_mode"
"""File next to the shipped profiles: ``production`` in an installer for a real sub-centre
(``packaging/make_installer.py``; ``--demo`` there writes ``demo``). A production install
never runs the embedded demo feed on its own: a profile without a gateway says 未配置网关."""


def production_install() -> bool:
    """True when this installation is a production one (``PINGSHAN_INSTALL_MODE`` or the baked file)."""
    mode = os.environ.get("PINGSHAN_INSTALL_MODE", "").strip()
    if not mode:
        try:
            mode = (PROFILES_DIR / INSTALL_MODE_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            mode = ""
    return mode == "production"


def startup_name(requested: str | None, cache_dir: Path | str) -> tuple[str | None, str | None, str]:
    """The profile name a start would use, the flag to name in an error (only ``--profile``,
    when the user gave it) and where the name came from, in Chinese."""
    if requested:
        return requested, "--profile", "命令行参数 --profile"
    env = os.environ.get("PINGSHAN_PROFILE", "").strip()
    if env:
        return env, None, "环境变量 PINGSHAN_PROFILE"
    baked = baked_default()
    if baked:
        return baked, None, f"安装包内置的默认配置（{PROFILES_DIR / DEFAULT_FILE}）"
    try:
        chosen = remembered_choice(cache_dir)
    except OSError:
        chosen = None
    return chosen, None, f"首次启动时的选择（{Path(cache_dir) / CHOICE_FILE}）"


def baked_default() -> str | None:
    """The profile an installer baked in: ``PINGSHAN_PROFILE`` or ``resources/profiles/default_profile``."""
    env = os.environ.get("PINGSHAN_PROFILE", "").strip()
    if env:
        return env
    try:
        text = (PROFILES_DIR / DEFAULT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def remembered_choice(cache_dir: Path | str) -> str | None:
    """The profile picked at first start on this workstation, if any."""
    try:
        text = (Path(cache_dir) / CHOICE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def remember_choice(cache_dir: Path | str, name: str) -> None:
    """Keep the first-start choice so the question is asked once."""
    path = Path(cache_dir) / CHOICE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, path)


def resolve_profile(requested: str | None, cache_dir: Path | str) -> tuple[Profile | None, ProfileCatalogue]:
    """The profile to start with: ``--profile``, else the baked-in default, else the
    remembered first-start choice; None means "ask the operator".

    Raises :class:`ProfileError` for an unknown or invalid requested profile.
    """
    catalogue = load_profiles(cache_dir)
    name = requested or baked_default() or remembered_choice(cache_dir)
    if name is None:
        return None, catalogue
    return catalogue.get(name), catalogue


FALLBACK_PROFILE = "district"
"""The profile a console starts with when the one it should run cannot be used."""

BUILTIN_FALLBACK = Profile(name=FALLBACK_PROFILE, title="坪山区城市运行指挥中心", scope="district")
"""The district profile as the code knows it, for when even the shipped file is unusable."""


@dataclass
class StartupProfile:
    """What a console starts with: the profile (None: ask the operator), the catalogue,
    and the Chinese notices to show — every file that was ignored and why, and the
    profile that runs instead of a broken one."""

    profile: Profile | None
    catalogue: ProfileCatalogue
    notices: list[str]
    failed: str | None = None  # why the profile this start should run cannot be used (the self-check fails on it)


def fallback_profile(catalogue: ProfileCatalogue) -> Profile:
    """The district profile: the shipped (or overriding) file, else the built-in one."""
    return catalogue.profiles.get(FALLBACK_PROFILE) or BUILTIN_FALLBACK


def startup_profile(requested: str | None, cache_dir: Path | str) -> StartupProfile:
    """Like :func:`resolve_profile`, but never raises: a broken, unreadable or unknown
    profile (from ``--profile``, the installer or the first-start choice) is reported
    and the district profile runs instead; broken files in the folders are reported
    and skipped."""
    try:
        catalogue = load_profiles(cache_dir)
    except Exception as exc:  # a cache folder that cannot be read at all  # noqa: BLE001
        log.exception("profiles not loaded")
        catalogue = ProfileCatalogue({}, [ProfileError(None, f"配置无法读取（{type(exc).__name__}）")])
    notices = [f"已忽略有误的配置：{err}" for err in catalogue.errors]
    name, flag, origin = startup_name(requested, cache_dir)
    if name is None:
        return StartupProfile(None, catalogue, notices)
    try:
        return StartupProfile(catalogue.get(name, origin=flag), catalogue, notices)
    except ProfileError as exc:
        fallback = fallback_profile(catalogue)
        failed = f"配置 “{name}” 不可用（配置名来自{origin}）：{exc}"
        text = f"配置 “{name}” 不可用，本次以默认配置 “{fallback.title}（{fallback.name}）” 启动（配置名来自{origin}）"
        if not any(str(exc) in n for n in notices):
            text += f"：{exc}"
        notices.append(text)
        return StartupProfile(fallback, catalogue, notices, failed)


def describe(profile: Profile) -> dict[str, Any]:
    """A plain dict of the profile, for logs and ``--profile NAME --print``-style output."""
    return {
        "name": profile.name, "title": profile.title, "scope": profile.scope, "street": profile.street,
        "department": profile.department, "categories": list(profile.categories), "gateway": profile.gateway, "gateways": list(profile.gateways),
        "ca_file": str(profile.ca_file) if profile.ca_file else None, "language": profile.language,
        "layout": profile.layout, "panels": list(profile.panels),
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def save_gateway(cache_dir: Path | str, profile: Profile, gateways: list[str], ca_file: str = "") -> Path:
    """Write ``<cache>/profiles/<name>.toml``: ``profile`` with these gateways (and CA file),
    overriding the shipped one from the next start. Validated before anything is written:
    a bad URL raises :class:`ProfileError` and leaves the folder as it was."""
    fields: dict[str, Any] = {"name": profile.name, "title": profile.title, "scope": profile.scope}
    if profile.street:
        fields["street"] = profile.street
    if profile.department:
        fields["department"] = profile.department
        fields["categories"] = list(profile.categories)
    urls = [g.strip() for g in gateways if g.strip()]
    fields["gateway"] = urls if len(urls) > 1 else (urls[0] if urls else "")
    fields["ca_file"] = ca_file.strip()
    fields.update(language=profile.language, layout=profile.layout, panels=list(profile.panels))
    text = "# 网关设置（值班台“网关设置”写入）\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in fields.items())
    folder = Path(cache_dir) / USER_PROFILES_SUBDIR
    path = folder / f"{profile.name}.toml"
    parsed = parse_profile(text, path)  # raises ProfileError naming the field
    if not parsed.gateway:
        raise ProfileError(path, "请填写至少一个网关地址（http:// 或 https://）", field_name="gateway")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
