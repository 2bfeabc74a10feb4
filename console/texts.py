"""What the core tells the operator, as a code plus parameters.

The core never formats display text for a view to show as is: it hands over a
:class:`DisplayText` (``code`` and ``params``), and the view renders it through
its translator (``render(text, QCoreApplication.translate)``), so ``--lang en``
reaches connection details and notices too. Where the core also keeps a plain
string (``ConnectionState.detail``, a ``Notice.text``, logs, tests), it is the
same table rendered in the source language by :func:`render`.

``TEXTS`` is the one table of source-language (Chinese) templates. Its entries
are marked with ``QT_TRANSLATE_NOOP`` so that ``scripts/build_translations.sh``
(pyside6-lupdate) collects them into the English catalogue under the context
``ConsoleText``; the marker here is a plain function, so the core stays Qt-free.

Parameters that are themselves a :class:`DisplayText` are rendered (and
translated) recursively; strings and numbers are data (a host, a camera name,
a server's own reason, an exception's text) and are inserted verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

CONTEXT = "ConsoleText"
"""The translation context of every template below."""


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    """Mark ``text`` for the catalogue; returns it unchanged (Qt's marker, without Qt)."""
    return text


TEXTS: dict[str, str] = {
    # ---- connection details (ConnectionState.detail)
    "connecting": QT_TRANSLATE_NOOP("ConsoleText", "正在连接网关…"),
    "no_gateway": QT_TRANSLATE_NOOP("ConsoleText", "未配置网关，仅显示本地缓存"),
    "snapshot": QT_TRANSLATE_NOOP("ConsoleText", "正在获取全量快照…"),
    "retry": QT_TRANSLATE_NOOP("ConsoleText", "{reason}，{delay} 秒后重试"),
    "retry_after_cut": QT_TRANSLATE_NOOP("ConsoleText", "连接中断：{reason}，{delay} 秒后重试"),
    "failover": QT_TRANSLATE_NOOP("ConsoleText", "{reason}，改连 {url}"),
    "replay": QT_TRANSLATE_NOOP("ConsoleText", "回放：{label}"),
    "replay_journal": QT_TRANSLATE_NOOP("ConsoleText", "日志"),
    "replay_done": QT_TRANSLATE_NOOP("ConsoleText", "回放结束：{played} 条，无效 {skipped} 条"),
    "replay_failed": QT_TRANSLATE_NOOP("ConsoleText", "回放中断：{error}"),
    "drill_status": QT_TRANSLATE_NOOP("ConsoleText", "演练：{title}  {clock} / {minutes} 分钟  {state}"),
    "drill_finished": QT_TRANSLATE_NOOP("ConsoleText", "已结束"),
    "drill_paused": QT_TRANSLATE_NOOP("ConsoleText", "已暂停"),
    "drill_failed": QT_TRANSLATE_NOOP("ConsoleText", "演练中断：{error}"),
    "task_failed": QT_TRANSLATE_NOOP("ConsoleText", "后台任务 {name} 异常退出：{error}"),
    "disk_full_hold": QT_TRANSLATE_NOOP(
        "ConsoleText", "本地磁盘已满：已暂停接收，{n} 条消息待写入本地日志；腾出空间后自动从断点继续"),
    "journal_failed_hold": QT_TRANSLATE_NOOP(
        "ConsoleText", "本地日志写入失败（{error}）：已暂停接收，{n} 条消息待写入；恢复后自动从断点继续"),
    "journal_backlog_hold": QT_TRANSLATE_NOOP("ConsoleText", "本地日志积压 {n} 条：暂停接收，写入后自动继续"),
    # ---- why a connection failed (the {reason} above)
    "gateway_resync_loop": QT_TRANSLATE_NOOP("ConsoleText", "网关反复要求重新同步"),
    "stream_closed": QT_TRANSLATE_NOOP("ConsoleText", "网关关闭了事件流"),
    # ---- the lock screen (console.auth.AuthSession.unlock)
    "unlock_wrong": QT_TRANSLATE_NOOP("ConsoleText", "密码错误"),
    "unlock_wait": QT_TRANSLATE_NOOP("ConsoleText", "密码错误次数过多，请 {s} 秒后再试；再错 {left} 次将注销并返回登录"),
    "unlock_session_ended": QT_TRANSLATE_NOOP("ConsoleText", "密码连续错误 {n} 次，已注销，请重新登录"),
    "gateway_cleartext": QT_TRANSLATE_NOOP("ConsoleText", "⚠ 明文 HTTP：与网关 {host} 的登录、令牌和数据均未加密"),
    "cert_unverified": QT_TRANSLATE_NOOP("ConsoleText", "网关证书无法验证：{why}，请检查 CA 证书配置（--ca）"),
    "tls_failed": QT_TRANSLATE_NOOP("ConsoleText", "与网关建立加密连接失败：{why}"),
    "connect_timeout": QT_TRANSLATE_NOOP("ConsoleText", "连接网关超时"),
    "gateway_unreachable": QT_TRANSLATE_NOOP("ConsoleText", "无法连接网关"),
    "read_timeout": QT_TRANSLATE_NOOP("ConsoleText", "网关响应超时"),
    "request_timeout": QT_TRANSLATE_NOOP("ConsoleText", "网关请求超时"),
    "cut_by_gateway": QT_TRANSLATE_NOOP("ConsoleText", "连接被网关中断"),
    "network_error": QT_TRANSLATE_NOOP("ConsoleText", "网络错误（{kind}）"),
    "internal_error": QT_TRANSLATE_NOOP("ConsoleText", "内部错误（{kind}: {message}）"),
    "http_status": QT_TRANSLATE_NOOP("ConsoleText", "服务器返回 {status}"),
    "http_status_detail": QT_TRANSLATE_NOOP("ConsoleText", "服务器返回 {status}（{detail}）"),
    "login_again": QT_TRANSLATE_NOOP("ConsoleText", "需要重新登录"),
    # OpenSSL verify codes the operator may meet (the {why} of cert_unverified)
    "cert_issuer_missing": QT_TRANSLATE_NOOP("ConsoleText", "找不到签发证书"),
    "cert_not_yet_valid": QT_TRANSLATE_NOOP("ConsoleText", "证书尚未生效"),
    "cert_expired": QT_TRANSLATE_NOOP("ConsoleText", "证书已过期"),
    "cert_self_signed": QT_TRANSLATE_NOOP("ConsoleText", "证书为自签名，且不在受信任的 CA 中"),
    "cert_chain_foreign": QT_TRANSLATE_NOOP("ConsoleText", "证书链不是由所配置的 CA 签发"),
    "cert_foreign": QT_TRANSLATE_NOOP("ConsoleText", "证书不是由所配置的 CA 签发"),
    "cert_revoked": QT_TRANSLATE_NOOP("ConsoleText", "证书已被吊销"),
    "cert_host_mismatch": QT_TRANSLATE_NOOP("ConsoleText", "证书与网关地址不符"),
    # ---- console notices (NoticeStore)
    "cache_restore_failed": QT_TRANSLATE_NOOP("ConsoleText", "本地缓存恢复失败，将从网关重新获取全量数据"),
    "wartime_restore_failed": QT_TRANSLATE_NOOP("ConsoleText", "战时指挥状态恢复失败"),
    "catalogues_failed": QT_TRANSLATE_NOOP("ConsoleText", "图层/预案获取失败：{reason}（将在重新连接后重试）"),
    # ---- journal warnings (ConnectionState.journal_warning)
    "snapshot_update_failed": QT_TRANSLATE_NOOP("ConsoleText", "本地快照未能更新：{error}"),
    "snapshot_save_failed": QT_TRANSLATE_NOOP("ConsoleText", "快照未能保存：{error}"),
    # ---- command outcomes (the alert's refusal, the outbox's "not delivered")
    "command_not_saved": QT_TRANSLATE_NOOP("ConsoleText", "指令未能保存到本地（{error}），未发送"),
    "command_record_corrupt": QT_TRANSLATE_NOOP("ConsoleText", "本地指令记录已损坏，未发送"),
    "command_login_expired": QT_TRANSLATE_NOOP("ConsoleText", "登录已失效，重新登录后发送"),
    "refused_400": QT_TRANSLATE_NOOP("ConsoleText", "网关拒绝了该指令（请求无效）"),
    "refused_403": QT_TRANSLATE_NOOP("ConsoleText", "无权执行该指令"),
    "refused_404": QT_TRANSLATE_NOOP("ConsoleText", "指令对象不存在"),
    "refused_409": QT_TRANSLATE_NOOP("ConsoleText", "对象已被他人更新，请刷新后重试"),
    "refused_410": QT_TRANSLATE_NOOP("ConsoleText", "指令对象已不存在"),
    "refused_413": QT_TRANSLATE_NOOP("ConsoleText", "指令内容过大"),
    "refused_422": QT_TRANSLATE_NOOP("ConsoleText", "指令内容不符合要求"),
    "refused_http": QT_TRANSLATE_NOOP("ConsoleText", "网关拒绝了该指令（HTTP {status}）"),
    # ---- the full phone number (ConsoleCore.reveal_phone's refusals)
    "reveal_needs_supervisor": QT_TRANSLATE_NOOP("ConsoleText", "无权查看完整号码（需值班长权限）"),
    "reveal_offline": QT_TRANSLATE_NOOP("ConsoleText", "未连接网关：完整号码只保存在网关，无法查看"),
    "reveal_unreachable": QT_TRANSLATE_NOOP("ConsoleText", "网关不可达，无法查看完整号码（{kind}）"),
    # ---- calling (融合通信, console/comms/)
    "comms_unconfigured": QT_TRANSLATE_NOOP("ConsoleText", "融合通信未配置"),
    "comms_registering": QT_TRANSLATE_NOOP("ConsoleText", "正在注册融合通信（{server}）…"),
    "comms_registered": QT_TRANSLATE_NOOP("ConsoleText", "融合通信已注册（{aor}）"),
    "comms_register_failed": QT_TRANSLATE_NOOP("ConsoleText", "注册失败：{reason}"),
    "comms_unreachable": QT_TRANSLATE_NOOP("ConsoleText", "注册失败：服务器不可达（{server}）"),
    "comms_no_agent": QT_TRANSLATE_NOOP("ConsoleText", "未安装 SIP 话机组件（baresip），无法通话"),
    "comms_agent_failed": QT_TRANSLATE_NOOP("ConsoleText", "SIP 话机组件无响应"),
    "comms_agent_died": QT_TRANSLATE_NOOP("ConsoleText", "SIP 话机组件意外退出（{status}）"),
    "comms_not_registered": QT_TRANSLATE_NOOP("ConsoleText", "未注册到融合通信服务器，无法呼叫"),
    "comms_line_busy": QT_TRANSLATE_NOOP("ConsoleText", "已有通话，请先挂断"),
    "comms_no_call": QT_TRANSLATE_NOOP("ConsoleText", "当前没有可操作的通话"),
    "comms_call_failed": QT_TRANSLATE_NOOP("ConsoleText", "呼叫失败：{reason}"),
    "comms_settings_error": QT_TRANSLATE_NOOP("ConsoleText", "融合通信配置错误：{reason}"),
    "gateway_answered": QT_TRANSLATE_NOOP("ConsoleText", "网关答复 {status}"),
    # ---- wartime refusals (console.wartime's WartimeError; the panels render them)
    # who may do it
    "war_viewer_seat": QT_TRANSLATE_NOOP("ConsoleText", "查看席位不能下达指令"),
    "war_needs_supervisor": QT_TRANSLATE_NOOP("ConsoleText", "该指令需值班长权限"),
    "war_declare_needs_supervisor": QT_TRANSLATE_NOOP("ConsoleText", "宣布启动应急响应需值班长权限"),
    "war_stand_down_needs_supervisor": QT_TRANSLATE_NOOP("ConsoleText", "解除应急响应需值班长权限"),
    "war_task_outside_scope": QT_TRANSLATE_NOOP("ConsoleText", "本街道分中心只能回报本街道及所属社区的任务"),
    # the outbox
    "war_console_not_ready": QT_TRANSLATE_NOOP("ConsoleText", "控制台尚未就绪，指令未能下达"),
    "war_command_not_saved": QT_TRANSLATE_NOOP("ConsoleText", "指令未能保存到本地，未下达：{error}"),
    # declaring and standing down
    "war_incident_not_found": QT_TRANSLATE_NOOP("ConsoleText", "找不到该突发事件"),
    "war_incident_closed_no_change": QT_TRANSLATE_NOOP("ConsoleText", "该突发事件已解除响应，不能再更改"),
    "war_incident_stood_down": QT_TRANSLATE_NOOP("ConsoleText", "该突发事件已解除响应"),
    "war_choose_type": QT_TRANSLATE_NOOP("ConsoleText", "请选择突发事件类型"),
    "war_level_range": QT_TRANSLATE_NOOP("ConsoleText", "响应级别须为 Ⅰ–Ⅳ 级"),
    "war_reason_required": QT_TRANSLATE_NOOP("ConsoleText", "请填写启动响应的事由"),
    "war_unknown_street": QT_TRANSLATE_NOOP("ConsoleText", "未知的街道：{street}"),
    "war_location_required": QT_TRANSLATE_NOOP("ConsoleText", "请指定事发位置（经纬度）或所在街道"),
    "war_location_outside": QT_TRANSLATE_NOOP("ConsoleText", "事发位置不在坪山区附近，请检查经纬度"),
    "war_radius_not_number": QT_TRANSLATE_NOOP("ConsoleText", "影响范围须为数字（米）"),
    "war_radius_range": QT_TRANSLATE_NOOP("ConsoleText", "影响范围须在 50–20000 米之间"),
    # plan steps
    "war_no_such_step": QT_TRANSLATE_NOOP("ConsoleText", "预案中没有这一步骤"),
    "war_skip_needs_reason": QT_TRANSLATE_NOOP("ConsoleText", "跳过预案步骤须填写理由"),
    "war_step_done": QT_TRANSLATE_NOOP("ConsoleText", "该步骤已完成，不能重复处理"),
    "war_step_skipped": QT_TRANSLATE_NOOP("ConsoleText", "该步骤已跳过，不能重复处理"),
    "war_step_pending_done": QT_TRANSLATE_NOOP("ConsoleText", "该步骤完成（待确认），不能重复处理"),
    "war_step_pending_skipped": QT_TRANSLATE_NOOP("ConsoleText", "该步骤跳过（待确认），不能重复处理"),
    # tasks
    "war_choose_unit": QT_TRANSLATE_NOOP("ConsoleText", "请选择承办单位"),
    "war_instruction_required": QT_TRANSLATE_NOOP("ConsoleText", "请填写任务指令"),
    "war_due_not_number": QT_TRANSLATE_NOOP("ConsoleText", "完成时限须为分钟数"),
    "war_due_range": QT_TRANSLATE_NOOP("ConsoleText", "完成时限须在 1 分钟到 7 天之间"),
    "war_task_location_outside": QT_TRANSLATE_NOOP("ConsoleText", "任务位置不在坪山区附近，请检查经纬度"),
    "war_task_unconfirmed_update": QT_TRANSLATE_NOOP("ConsoleText", "该任务尚未被网关确认，暂不能更新状态"),
    "war_unknown_task_status": QT_TRANSLATE_NOOP("ConsoleText", "未知的任务状态"),
    "war_task_finished_status": QT_TRANSLATE_NOOP("ConsoleText", "任务已结束，不能再更改状态"),
    "war_refusal_needs_reason": QT_TRANSLATE_NOOP("ConsoleText", "拒绝任务须说明理由"),
    "war_task_unconfirmed_resources": QT_TRANSLATE_NOOP("ConsoleText", "该任务尚未被网关确认，暂不能追加资源"),
    "war_task_finished_resources": QT_TRANSLATE_NOOP("ConsoleText", "任务已结束，不能再调派资源"),
    "war_choose_resources": QT_TRANSLATE_NOOP("ConsoleText", "请在资源页选择要调派的资源"),
    "war_unknown_resources": QT_TRANSLATE_NOOP("ConsoleText", "未知的资源：{ids}"),
    "war_resources_already_assigned": QT_TRANSLATE_NOOP("ConsoleText", "所选资源已调派给该任务"),
    # figures and the log
    "war_unknown_figure": QT_TRANSLATE_NOOP("ConsoleText", "未知的数据项"),
    "war_count_not_integer": QT_TRANSLATE_NOOP("ConsoleText", "人数须为整数"),
    "war_count_negative": QT_TRANSLATE_NOOP("ConsoleText", "人数不能为负数"),
    "war_choose_shelter": QT_TRANSLATE_NOOP("ConsoleText", "请选择避难场所"),
    "war_note_empty": QT_TRANSLATE_NOOP("ConsoleText", "记录内容不能为空"),
    "war_note_too_long": QT_TRANSLATE_NOOP("ConsoleText", "记录过长（最多 2000 字）"),
    # ---- duty roster (console.duty's DutyError; the 值班 panel renders them)
    "duty_unreachable": QT_TRANSLATE_NOOP("ConsoleText", "网关不可达，值班指令未送达（{kind}），请稍后重试"),
    "duty_login_failed": QT_TRANSLATE_NOOP("ConsoleText", "接班人登录失败：{reason}"),
    "duty_same_person": QT_TRANSLATE_NOOP("ConsoleText", "接班人须以本人账号登录，不能由交班人 {user} 确认"),
    "duty_report_empty": QT_TRANSLATE_NOOP("ConsoleText", "请填写交接班报告"),
    "duty_no_call": QT_TRANSLATE_NOOP("ConsoleText", "该班次未登记 SIP 号码，无法呼叫"),
}
"""Every code the core hands a view, with its source-language (Chinese) template."""

VERBATIM = "verbatim"
"""The code of a text that is data already (a server's own reason): ``params['text']`` as is."""


@dataclass(frozen=True)
class DisplayText:
    """A code from :data:`TEXTS` and the values its template names."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self)


def say(code: str, **params: Any) -> DisplayText:
    """``DisplayText(code, params)``; an unknown code is a programming error."""
    if code != VERBATIM and code not in TEXTS:
        raise KeyError(f"no display text {code!r}")
    return DisplayText(code, dict(params))


class SpokenText(str):
    """A display text where the core keeps a plain string (a stored refusal, a journal
    warning, an exception's message): equal to its source-language rendering, so
    storage, logs and comparisons see the Chinese text, while :func:`render` (a view)
    translates it through :attr:`display`. A copy read back from disk is a plain string."""

    display: DisplayText


def spoken(code: str, **params: Any) -> SpokenText:
    """``say(code, **params)`` as a :class:`SpokenText` (a ``str`` in the source language)."""
    display = say(code, **params)
    text = SpokenText(render(display))
    text.display = display
    return text


def verbatim(text: str) -> DisplayText:
    """A text that is data (shown as is in every language)."""
    return DisplayText(VERBATIM, {"text": text})


Translate = Callable[[str, str], str]


def _source(_context: str, text: str) -> str:
    return text


def render(text: DisplayText | str | None, translate: Translate = _source) -> str:
    """The text in the source language, or through ``translate(context, source)`` (a view
    passes ``QCoreApplication.translate``). A :class:`SpokenText` is rendered from its
    code; a plain string is returned as is."""
    if text is None:
        return ""
    if isinstance(text, SpokenText):
        return render(text.display, translate)
    if not isinstance(text, DisplayText):
        return str(text)
    if text.code == VERBATIM:
        return str(text.params.get("text", ""))
    template = translate(CONTEXT, TEXTS[text.code])
    values = {k: render(v, translate) if isinstance(v, DisplayText) else v for k, v in text.params.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation naming a wrong field: show the source
        return TEXTS[text.code].format(**values)


def detail_fields(text: DisplayText) -> dict[str, Any]:
    """``ConnectionState`` fields for a detail: the code for the views, the source text for the rest."""
    return {"detail": render(text), "detail_text": text}
