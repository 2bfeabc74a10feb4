<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AboutBox</name>
    <message>
        <source>坪山区城市运行指挥中心 · 值班台
版本 {version}
一网统管 · 平战结合
数据来自区级网关或内置演示数据源（演示数据会明确标出）。

本软件包含 Qt / PySide6（LGPLv3）、Qt WebEngine（Chromium）、FFmpeg（LGPL）、Python（PSF）等第三方组件，许可与源代码获取方式见“第三方许可”。</source>
        <translation>Pingshan District City Operations Command Centre · Duty Console
Version {version}
One network for city operations · peacetime and emergency
Data come from the district gateway or the built-in demo feed (demo data is always labelled).

This software contains third-party components such as Qt / PySide6 (LGPLv3), Qt WebEngine (Chromium), FFmpeg (LGPL) and Python (PSF); their licences and how to obtain the source code are under &quot;Third-party licences&quot;.</translation>
    </message>
    <message>
        <source>第三方许可</source>
        <translation>Third-party licences</translation>
    </message>
    <message>
        <source>从源代码运行：第三方许可随安装包提供（THIRD-PARTY-NOTICES.txt，由 packaging/licenses.py 生成）。</source>
        <translation>Running from source: the third-party licences ship with the installer (THIRD-PARTY-NOTICES.txt, made by packaging/licenses.py).</translation>
    </message>
    <message>
        <source>关于</source>
        <translation>About</translation>
    </message>
    <message>
        <source>第三方许可…</source>
        <translation>Third-party licences…</translation>
    </message>
</context>
<context>
    <name>AcknowledgeDialog</name>
    <message>
        <source>接班确认 · {centre}</source>
        <translation>Take over · {centre}</translation>
    </message>
    <message>
        <source>确认接班</source>
        <translation>Confirm takeover</translation>
    </message>
    <message>
        <source>交班人</source>
        <translation>Outgoing officer</translation>
    </message>
    <message>
        <source>交接班报告</source>
        <translation>Handover report</translation>
    </message>
    <message>
        <source>接班人须以本人账号登录确认（不能由交班人确认）</source>
        <translation>The incoming officer confirms with their own login (the outgoing officer cannot)</translation>
    </message>
    <message>
        <source>接班人账号</source>
        <translation>Incoming officer&apos;s account</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
</context>
<context>
    <name>AlertDetailPane</name>
    <message>
        <source>请选择承办单位</source>
        <translation>Choose the unit</translation>
    </message>
    <message>
        <source>请填写处置结果</source>
        <translation>Enter the result</translation>
    </message>
    <message>
        <source>请填写内容</source>
        <translation>Enter the text</translation>
    </message>
    <message>
        <source>请填写合并目标事件编号</source>
        <translation>Enter the id of the alert to merge into</translation>
    </message>
    <message>
        <source>缺少参数</source>
        <translation>Missing argument</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>Id</translation>
    </message>
    <message>
        <source>级别</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Time limit</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>位置</source>
        <translation>Place</translation>
    </message>
    <message>
        <source>坐标</source>
        <translation>Coordinates</translation>
    </message>
    <message>
        <source>设备</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>报告人电话</source>
        <translation>Reporter phone</translation>
    </message>
    <message>
        <source>上报时间</source>
        <translation>Reported at</translation>
    </message>
    <message>
        <source>更新时间</source>
        <translation>Updated at</translation>
    </message>
    <message>
        <source>承办单位</source>
        <translation>Handling unit</translation>
    </message>
    <message>
        <source>签收人</source>
        <translation>Acknowledged by</translation>
    </message>
    <message>
        <source>描述</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>查看完整号码</source>
        <translation>Show full number</translation>
    </message>
    <message>
        <source>承办单位（只列出可承办该类别的单位）</source>
        <translation>Handling unit (only units that take this category)</translation>
    </message>
    <message>
        <source>处置结果 / 反馈 / 备注 / 督办意见 / 分拨要求</source>
        <translation>Result / feedback / note / urging / dispatch instruction</translation>
    </message>
    <message>
        <source>合并到事件编号</source>
        <translation>Merge into alert id</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>人员</source>
        <translation>Who</translation>
    </message>
    <message>
        <source>动作</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>上墙</source>
        <translation>To wall</translation>
    </message>
    <message>
        <source>把附近摄像机放到视频墙上</source>
        <translation>Put the nearby cameras on the video wall</translation>
    </message>
    <message>
        <source>处置过程</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>附近摄像机</source>
        <translation>Nearby cameras</translation>
    </message>
    <message>
        <source>当前席位无权{action}</source>
        <translation>This seat may not {action}</translation>
    </message>
    <message>
        <source>当前状态不能{action}</source>
        <translation>Cannot {action} in the current status</translation>
    </message>
    <message>
        <source>上一条指令尚未确认，请稍候</source>
        <translation>The previous command is not confirmed yet; please wait</translation>
    </message>
    <message>
        <source>{reason}（↑↓ 选择，本社区、本街道单位在前），再按 Ctrl+D</source>
        <translation>{reason} (↑↓ to choose; the alert&apos;s own community and street units come first), then Ctrl+D</translation>
    </message>
    <message>
        <source>指令未提交：{error}</source>
        <translation>Command not submitted: {error}</translation>
    </message>
    <message>
        <source>已提交{action}：{title}</source>
        <translation>{action} submitted: {title}</translation>
    </message>
    <message>
        <source>无法查看号码：{error}</source>
        <translation>Cannot show the number: {error}</translation>
    </message>
    <message>
        <source>已查看完整号码（已记入审计日志）</source>
        <translation>Full number shown (recorded in the audit log)</translation>
    </message>
    <message>
        <source>未选择告警</source>
        <translation>No alert selected</translation>
    </message>
    <message>
        <source>被拒绝：{reason}</source>
        <translation>Refused: {reason}</translation>
    </message>
    <message>
        <source>签收</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <source>办结</source>
        <translation>Resolve</translation>
    </message>
    <message>
        <source>{which}已超时 {t}</source>
        <translation>{which} overdue by {t}</translation>
    </message>
    <message>
        <source>{which}剩余 {t}</source>
        <translation>{which} {t} left</translation>
    </message>
    <message>
        <source>（指令待确认）</source>
        <translation> (command awaiting confirmation)</translation>
    </message>
    <message>
        <source>全区</source>
        <translation>District</translation>
    </message>
    <message>
        <source>查看完整号码（将记入审计日志）</source>
        <translation>Show the full number (recorded in the audit log)</translation>
    </message>
    <message>
        <source>需要值班长权限</source>
        <translation>Needs the supervisor&apos;s permission</translation>
    </message>
    <message>
        <source>选择承办单位…</source>
        <translation>Choose a unit…</translation>
    </message>
    <message>
        <source>（离线）</source>
        <translation> (offline)</translation>
    </message>
    <message>
        <source>该告警无设备读数</source>
        <translation>This alert has no device readings</translation>
    </message>
    <message>
        <source>读数图表不可用</source>
        <translation>Readings chart unavailable</translation>
    </message>
    <message>
        <source>{name} 读数（{unit}）</source>
        <translation>{name} readings ({unit})</translation>
    </message>
</context>
<context>
    <name>AlertQueuePanel</name>
    <message>
        <source>级别</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>社区</source>
        <translation>Community</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Time limit</translation>
    </message>
    <message>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>红色</source>
        <translation>Red</translation>
    </message>
    <message>
        <source>橙色</source>
        <translation>Orange</translation>
    </message>
    <message>
        <source>黄色</source>
        <translation>Yellow</translation>
    </message>
    <message>
        <source>蓝色</source>
        <translation>Blue</translation>
    </message>
    <message>
        <source>12345热线</source>
        <translation>12345 hotline</translation>
    </message>
    <message>
        <source>i坪山App</source>
        <translation>i-Pingshan app</translation>
    </message>
    <message>
        <source>网格巡查</source>
        <translation>Grid patrol</translation>
    </message>
    <message>
        <source>物联感知</source>
        <translation>IoT sensing</translation>
    </message>
    <message>
        <source>视频AI</source>
        <translation>Video AI</translation>
    </message>
    <message>
        <source>预警发布</source>
        <translation>Early warning</translation>
    </message>
    <message>
        <source>待签收</source>
        <translation>To acknowledge</translation>
    </message>
    <message>
        <source>已签收</source>
        <translation>Acknowledged</translation>
    </message>
    <message>
        <source>已分拨</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <source>处置中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>已闭环</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>签收中…</source>
        <translation>Acknowledging…</translation>
    </message>
    <message>
        <source>分拨中…</source>
        <translation>Dispatching…</translation>
    </message>
    <message>
        <source>启动处置中…</source>
        <translation>Starting…</translation>
    </message>
    <message>
        <source>办结中…</source>
        <translation>Resolving…</translation>
    </message>
    <message>
        <source>闭环中…</source>
        <translation>Closing…</translation>
    </message>
    <message>
        <source>升级中…</source>
        <translation>Escalating…</translation>
    </message>
    <message>
        <source>督办中…</source>
        <translation>Urging…</translation>
    </message>
    <message>
        <source>合并中…</source>
        <translation>Merging…</translation>
    </message>
    <message>
        <source>重新打开中…</source>
        <translation>Reopening…</translation>
    </message>
    <message>
        <source>备注提交中…</source>
        <translation>Saving note…</translation>
    </message>
    <message>
        <source>提交中…</source>
        <translation>Submitting…</translation>
    </message>
    <message>
        <source>超时 {t}</source>
        <translation>overdue {t}</translation>
    </message>
    <message>
        <source>剩 {t}</source>
        <translation>{t} left</translation>
    </message>
    <message>
        <source>{d}天{h}时</source>
        <translation>{d}d {h}h</translation>
    </message>
    <message>
        <source>报告人电话 {phone}</source>
        <translation>Reporter phone {phone}</translation>
    </message>
    <message>
        <source>超过签收时限未签收</source>
        <translation>Not acknowledged within the time limit</translation>
    </message>
    <message>
        <source>被拒绝：{reason}</source>
        <translation>Refused: {reason}</translation>
    </message>
    <message>
        <source>〔{n} 条〕{title}</source>
        <translation>({n} alerts) {title}</translation>
    </message>
    <message>
        <source>全部时间</source>
        <translation>Any time</translation>
    </message>
    <message>
        <source>近1小时</source>
        <translation>Last hour</translation>
    </message>
    <message>
        <source>近8小时</source>
        <translation>Last 8 hours</translation>
    </message>
    <message>
        <source>近24小时</source>
        <translation>Last 24 hours</translation>
    </message>
    <message>
        <source>近7天</source>
        <translation>Last 7 days</translation>
    </message>
    <message>
        <source>搜索标题、描述、地点、单位、备注…（Ctrl+F）</source>
        <translation>Search title, description, place, unit, notes… (Ctrl+F)</translation>
    </message>
    <message>
        <source>全部级别</source>
        <translation>All levels</translation>
    </message>
    <message>
        <source>全部来源</source>
        <translation>All sources</translation>
    </message>
    <message>
        <source>全部类别</source>
        <translation>All categories</translation>
    </message>
    <message>
        <source>全部街道</source>
        <translation>All streets</translation>
    </message>
    <message>
        <source>全部社区</source>
        <translation>All communities</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>未办结</source>
        <translation>Not resolved</translation>
    </message>
    <message>
        <source>合并告警风暴</source>
        <translation>Group alarm storms</translation>
    </message>
    <message>
        <source>同一设备、或同一社区同类告警在10分钟内合并为一行（双击展开）</source>
        <translation>Alerts from one device, or of one category in one community within 10 minutes, become one row (double-click to expand)</translation>
    </message>
    <message>
        <source>签收</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <source>签收所选告警（Ctrl+Enter 或 空格）</source>
        <translation>Acknowledge the selected alert (Ctrl+Enter or Space)</translation>
    </message>
    <message>
        <source>整组签收</source>
        <translation>Acknowledge group</translation>
    </message>
    <message>
        <source>签收所选告警风暴中所有待签收的告警（Ctrl+Shift+Enter）</source>
        <translation>Acknowledge every unacknowledged alert of the selected storm (Ctrl+Shift+Enter)</translation>
    </message>
    <message>
        <source>当前席位无此权限：{what}</source>
        <translation>This seat is not allowed to: {what}</translation>
    </message>
    <message>
        <source>下达指令</source>
        <translation>give commands</translation>
    </message>
    <message>
        <source>导出</source>
        <translation>export</translation>
    </message>
    <message>
        <source>签收未提交：{error}</source>
        <translation>Acknowledgement not submitted: {error}</translation>
    </message>
    <message>
        <source>已提交签收：{title}</source>
        <translation>Acknowledgement submitted: {title}</translation>
    </message>
    <message>
        <source>整组签收：{n} 条</source>
        <translation>Group acknowledged: {n} alerts</translation>
    </message>
    <message>
        <source>整组签收中断：{error}</source>
        <translation>Group acknowledgement interrupted: {error}</translation>
    </message>
    <message>
        <source>导入 CAP 预警文件</source>
        <translation>Import CAP warning file</translation>
    </message>
    <message>
        <source>CAP 预警 (*.xml *.cap);;所有文件 (*)</source>
        <translation>CAP warnings (*.xml *.cap);;All files (*)</translation>
    </message>
    <message>
        <source>导出告警清单</source>
        <translation>Export alert list</translation>
    </message>
    <message>
        <source>CSV 文件 (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>生成值班交接</source>
        <translation>Shift handover report</translation>
    </message>
    <message>
        <source>Markdown 文件 (*.md)</source>
        <translation>Markdown files (*.md)</translation>
    </message>
    <message>
        <source>CAP 导入失败：{name}：{error}</source>
        <translation>CAP import failed: {name}: {error}</translation>
    </message>
    <message>
        <source>CAP 已导入（{action}）{problems}</source>
        <translation>CAP imported ({action}){problems}</translation>
    </message>
    <message>
        <source>已导出：{path}</source>
        <translation>Exported: {path}</translation>
    </message>
    <message>
        <source>值班交接已生成：{path}</source>
        <translation>Shift handover written: {path}</translation>
    </message>
    <message>
        <source>搜索“{text}”</source>
        <translation>search “{text}”</translation>
    </message>
    <message>
        <source>战时聚焦 {label}</source>
        <translation>incident focus {label}</translation>
    </message>
    <message>
        <source>共 {total} 条 · 待签收 {new} · 红色 {red}</source>
        <translation>{total} alerts · {new} to acknowledge · {red} red</translation>
    </message>
    <message>
        <source> · 筛选后 {n}</source>
        <translation> · {n} shown</translation>
    </message>
    <message>
        <source> · 超时 {n}</source>
        <translation> · {n} overdue</translation>
    </message>
    <message>
        <source> · 风暴 {g} 组（折叠 {n} 条）</source>
        <translation> · {g} storms ({n} folded)</translation>
    </message>
    <message>
        <source> · 战时聚焦 {label}：其余 {n} 条已收起</source>
        <translation> · wartime focus {label}: {n} others folded away</translation>
    </message>
    <message>
        <source>无结果</source>
        <translation>No results</translation>
    </message>
    <message>
        <source> — 筛选：{filters}</source>
        <translation> — filters: {filters}</translation>
    </message>
    <message>
        <source> · 共 {total} 条</source>
        <translation> · {total} in all</translation>
    </message>
</context>
<context>
    <name>AlertWorkflow</name>
    <message>
        <source>上报</source>
        <translation>Reported</translation>
    </message>
    <message>
        <source>签收</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <source>分拨</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <source>开始处置</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>办结</source>
        <translation>Resolve</translation>
    </message>
    <message>
        <source>闭环</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>升级</source>
        <translation>Escalate</translation>
    </message>
    <message>
        <source>督办</source>
        <translation>Urge</translation>
    </message>
    <message>
        <source>合并</source>
        <translation>Merge</translation>
    </message>
    <message>
        <source>重新打开</source>
        <translation>Reopen</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>ArchiveDialog</name>
    <message>
        <source>归档告警：{text}</source>
        <translation>Archived alerts: {text}</translation>
    </message>
    <message>
        <source>归档中找到 {n} 条已闭环告警（最新在前）</source>
        <translation>{n} closed alerts found in the archive (newest first)</translation>
    </message>
    <message>
        <source>归档中找到超过 {n} 条已闭环告警，只列出最新的 {n} 条：请缩小搜索</source>
        <translation>More than {n} closed alerts found in the archive; only the newest {n} are listed: narrow the search</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>等级</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>人员</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>动作</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>{id} · {level} · {street} {community} · 创建 {created} · 最后变更 {updated}
{description}</source>
        <translation>{id} · {level} · {street} {community} · created {created} · last changed {updated}
{description}</translation>
    </message>
</context>
<context>
    <name>ArchiveHits</name>
    <message>
        <source>正在检索归档…</source>
        <translation>Searching the archive…</translation>
    </message>
    <message>
        <source>归档中另有 {n} 条已闭环告警 — 查看（Ctrl+Shift+F）</source>
        <translation>{n} more closed alerts in the archive — view (Ctrl+Shift+F)</translation>
    </message>
</context>
<context>
    <name>AssignDialog</name>
    <message>
        <source>修改排班 · {centre}</source>
        <translation>Edit roster · {centre}</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>班次</source>
        <translation>Shift</translation>
    </message>
    <message>
        <source>值班人</source>
        <translation>Officer</translation>
    </message>
    <message>
        <source>电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>SIP 地址</source>
        <translation>SIP address</translation>
    </message>
</context>
<context>
    <name>CallBar</name>
    <message>
        <source>已结束</source>
        <translation>ended</translation>
    </message>
    <message>
        <source>对方忙</source>
        <translation>busy</translation>
    </message>
    <message>
        <source>无人接听</source>
        <translation>no answer</translation>
    </message>
    <message>
        <source>呼叫失败</source>
        <translation>call failed</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <source>未接来电</source>
        <translation>missed call</translation>
    </message>
    <message>
        <source>已拒接</source>
        <translation>refused</translation>
    </message>
    <message>
        <source>无音频设备</source>
        <translation>No audio device</translation>
    </message>
    <message>
        <source>本机没有声卡：呼叫只建立信令，听不到声音</source>
        <translation>This workstation has no sound card: calls are set up without sound</translation>
    </message>
    <message>
        <source>空闲</source>
        <translation>Idle</translation>
    </message>
    <message>
        <source>号码或账号（{key}）</source>
        <translation>Number or account ({key})</translation>
    </message>
    <message>
        <source>呼叫</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>呼叫对象</source>
        <translation>Call…</translation>
    </message>
    <message>
        <source>接听（{key}）</source>
        <translation>Answer ({key})</translation>
    </message>
    <message>
        <source>保持（{key}）</source>
        <translation>Hold ({key})</translation>
    </message>
    <message>
        <source>转接（{key}）</source>
        <translation>Transfer ({key})</translation>
    </message>
    <message>
        <source>转接到号码框中的号码</source>
        <translation>Transfer to the number in the number box</translation>
    </message>
    <message>
        <source>挂断（{key}）</source>
        <translation>Hang up ({key})</translation>
    </message>
    <message>
        <source>请先在号码框输入转接目标</source>
        <translation>Type the transfer target into the number box first</translation>
    </message>
    <message>
        <source>对象不存在，无法呼叫</source>
        <translation>Not found: cannot call</translation>
    </message>
    <message>
        <source>通话操作失败：{error}</source>
        <translation>Call action failed: {error}</translation>
    </message>
    <message>
        <source>救援力量与资源</source>
        <translation>Rescue teams and resources</translation>
    </message>
    <message>
        <source>任务承办单位</source>
        <translation>Task assignees</translation>
    </message>
    <message>
        <source>当前告警的报警人（需查看号码权限，记入审计）</source>
        <translation>Reporter of the selected alert (needs the reveal permission, audited)</translation>
    </message>
    <message>
        <source>通话 {peer}：{outcome}</source>
        <translation>Call {peer}: {outcome}</translation>
    </message>
    <message>
        <source>正在呼叫 {name}…</source>
        <translation>Calling {name}…</translation>
    </message>
    <message>
        <source>{name} 振铃中…</source>
        <translation>{name} ringing…</translation>
    </message>
    <message>
        <source>来电：{name}</source>
        <translation>Incoming call: {name}</translation>
    </message>
    <message>
        <source>通话中：{name}  {time}</source>
        <translation>In call: {name}  {time}</translation>
    </message>
    <message>
        <source>保持中：{name}  {time}</source>
        <translation>On hold: {name}  {time}</translation>
    </message>
    <message>
        <source>通话结束：{name}（{outcome}）</source>
        <translation>Call ended: {name} ({outcome})</translation>
    </message>
    <message>
        <source>恢复（{key}）</source>
        <translation>Resume ({key})</translation>
    </message>
    <message>
        <source>融合通信</source>
        <translation>Calls</translation>
    </message>
</context>
<context>
    <name>CameraDirectory</name>
    <message>
        <source>道路</source>
        <translation>Road</translation>
    </message>
    <message>
        <source>河道</source>
        <translation>River</translation>
    </message>
    <message>
        <source>边坡</source>
        <translation>Slope</translation>
    </message>
    <message>
        <source>公园</source>
        <translation>Park</translation>
    </message>
    <message>
        <source>森林防火瞭望</source>
        <translation>Forest-fire lookout</translation>
    </message>
    <message>
        <source>公共建筑</source>
        <translation>Public building</translation>
    </message>
    <message>
        <source>按名称或 20 位国标编码搜索（Ctrl+F）</source>
        <translation>Search by name or 20-digit GB/T 28181 code (Ctrl+F)</translation>
    </message>
    <message>
        <source>只看收藏</source>
        <translation>Favourites only</translation>
    </message>
    <message>
        <source>收藏未保存：{error}</source>
        <translation>Favourite not saved: {error}</translation>
    </message>
    <message>
        <source>未归属街道</source>
        <translation>No street</translation>
    </message>
    <message>
        <source>未归属社区</source>
        <translation>No community</translation>
    </message>
    <message>
        <source>共 {total} 路，在线 {online} 路，列出 {shown} 路</source>
        <translation>{total} cameras, {online} online, {shown} listed</translation>
    </message>
    <message>
        <source>{name}街道</source>
        <translation>{name} Street</translation>
    </message>
    <message>
        <source>{name}社区</source>
        <translation>{name} Community</translation>
    </message>
    <message>
        <source>{title}（{online}/{total} 在线）</source>
        <translation>{title} ({online}/{total} online)</translation>
    </message>
    <message>
        <source>（离线）</source>
        <translation> (offline)</translation>
    </message>
    <message>
        <source>（地址错误）</source>
        <translation> (bad URL)</translation>
    </message>
    <message>
        <source>{name}
国标编码 {code}
状态：{state}{ptz}</source>
        <translation>{name}
GB/T 28181 code {code}
State: {state}{ptz}</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>online</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>，可云台控制</source>
        <translation>, PTZ capable</translation>
    </message>
    <message>
        <source>上墙（Enter）</source>
        <translation>Show on the wall (Enter)</translation>
    </message>
    <message>
        <source>取消收藏（Ctrl+D）</source>
        <translation>Remove from favourites (Ctrl+D)</translation>
    </message>
    <message>
        <source>收藏（Ctrl+D）</source>
        <translation>Add to favourites (Ctrl+D)</translation>
    </message>
</context>
<context>
    <name>CheckInDialog</name>
    <message>
        <source>查岗</source>
        <translation>Check-in</translation>
    </message>
    <message>
        <source>发起查岗</source>
        <translation>Start check-in</translation>
    </message>
    <message>
        <source> 分钟</source>
        <translation> min</translation>
    </message>
    <message>
        <source>被查中心</source>
        <translation>Centre checked</translation>
    </message>
    <message>
        <source>应答时限</source>
        <translation>Answer within</translation>
    </message>
    <message>
        <source>超过时限应答记为迟到，再超过同样时长记为未应答</source>
        <translation>An answer after the limit counts as late; after as long again, as missed</translation>
    </message>
</context>
<context>
    <name>CommandPanel</name>
    <message>
        <source>预案</source>
        <translation>Plan</translation>
    </message>
    <message>
        <source>任务</source>
        <translation>Tasks</translation>
    </message>
    <message>
        <source>三级联动</source>
        <translation>Three levels</translation>
    </message>
    <message>
        <source>资源</source>
        <translation>Resources</translation>
    </message>
    <message>
        <source>指挥日志</source>
        <translation>Command log</translation>
    </message>
    <message>
        <source>序</source>
        <translation>#</translation>
    </message>
    <message>
        <source>步骤</source>
        <translation>Step</translation>
    </message>
    <message>
        <source>责任单位</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>时限</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>倒计时</source>
        <translation>Countdown</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>完成所选步骤</source>
        <translation>Complete selected step</translation>
    </message>
    <message>
        <source>跳过理由（必填）</source>
        <translation>Reason for skipping (required)</translation>
    </message>
    <message>
        <source>跳过</source>
        <translation>Skip</translation>
    </message>
    <message>
        <source>按步骤下达任务</source>
        <translation>Issue the step&apos;s order</translation>
    </message>
    <message>
        <source>完成所选步骤（预案页）</source>
        <translation>Complete the selected step (plan page)</translation>
    </message>
    <message>
        <source>承办单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>层级</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>指令</source>
        <translation>Instruction</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Remarks</translation>
    </message>
    <message>
        <source>情况说明（拒绝须填写理由）</source>
        <translation>Remarks (a refusal needs a reason)</translation>
    </message>
    <message>
        <source>回报状态</source>
        <translation>Report status</translation>
    </message>
    <message>
        <source>所选任务：</source>
        <translation>Selected task:</translation>
    </message>
    <message>
        <source>追加调派所选资源</source>
        <translation>Add the selected resources</translation>
    </message>
    <message>
        <source>把资源页所选资源调派给所选任务</source>
        <translation>Send the resources selected on the Resources tab with the selected order</translation>
    </message>
    <message>
        <source>指令内容，如：组织低洼处居民转移</source>
        <translation>Instruction, e.g. evacuate residents of low-lying areas</translation>
    </message>
    <message>
        <source> 分钟</source>
        <translation> min</translation>
    </message>
    <message>
        <source>位置：事发点</source>
        <translation>Location: incident site</translation>
    </message>
    <message>
        <source>调派资源页所选资源</source>
        <translation>Send the resources selected on the Resources tab</translation>
    </message>
    <message>
        <source>待办</source>
        <translation>To do</translation>
    </message>
    <message>
        <source>临近时限</source>
        <translation>Due soon</translation>
    </message>
    <message>
        <source>已超时</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>已完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>已跳过</source>
        <translation>Skipped</translation>
    </message>
    <message>
        <source>完成（待确认）</source>
        <translation>Done (awaiting confirmation)</translation>
    </message>
    <message>
        <source>跳过（待确认）</source>
        <translation>Skipped (awaiting confirmation)</translation>
    </message>
    <message>
        <source>待发送</source>
        <translation>Unsent</translation>
    </message>
    <message>
        <source>已下达</source>
        <translation>Issued</translation>
    </message>
    <message>
        <source>已接收</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>在途</source>
        <translation>En route</translation>
    </message>
    <message>
        <source>到场处置</source>
        <translation>On scene</translation>
    </message>
    <message>
        <source>已拒绝</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>未被接受</source>
        <translation>Not accepted</translation>
    </message>
    <message>
        <source>区级</source>
        <translation>District</translation>
    </message>
    <message>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>社区</source>
        <translation>Community</translation>
    </message>
    <message>
        <source>队伍</source>
        <translation>Team</translation>
    </message>
    <message>
        <source>救援队伍</source>
        <translation>Rescue team</translation>
    </message>
    <message>
        <source>避难场所</source>
        <translation>Shelter</translation>
    </message>
    <message>
        <source>物资仓库</source>
        <translation>Supply depot</translation>
    </message>
    <message>
        <source>车辆</source>
        <translation>Vehicle</translation>
    </message>
    <message>
        <source>宣布启动应急响应</source>
        <translation>Declare an emergency response</translation>
    </message>
    <message>
        <source>解除应急响应</source>
        <translation>Stand down the emergency response</translation>
    </message>
    <message>
        <source>下达任务</source>
        <translation>Issue order</translation>
    </message>
    <message>
        <source>预案步骤</source>
        <translation>Plan step</translation>
    </message>
    <message>
        <source>任务状态</source>
        <translation>Order status</translation>
    </message>
    <message>
        <source>指挥记录</source>
        <translation>Command note</translation>
    </message>
    <message>
        <source>切换关注事件</source>
        <translation>Focus change</translation>
    </message>
    <message>
        <source>战时布局</source>
        <translation>Wartime layout</translation>
    </message>
    <message>
        <source>数据报告</source>
        <translation>Figures reported</translation>
    </message>
    <message>
        <source>状态回传</source>
        <translation>Status report</translation>
    </message>
    <message>
        <source>总结报告</source>
        <translation>After-action report</translation>
    </message>
    <message>
        <source>通话</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>下达任务（任务表单）</source>
        <translation>Issue the order (order form)</translation>
    </message>
    <message>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>未完成</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>最新状态</source>
        <translation>Latest status</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>距离</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>安置/容量</source>
        <translation>Occupancy/capacity</translation>
    </message>
    <message>
        <source>已指派任务</source>
        <translation>Assigned to</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>人员</source>
        <translation>Who</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>What</translation>
    </message>
    <message>
        <source>记录决定、通话、现场情况（Ctrl+Shift+J 随处速记）</source>
        <translation>Record decisions, calls, the situation (Ctrl+Shift+J from anywhere)</translation>
    </message>
    <message>
        <source>无战时事件</source>
        <translation>No wartime incident</translation>
    </message>
    <message>
        <source>{title} · 预案：{plan}</source>
        <translation>{title} · plan: {plan}</translation>
    </message>
    <message>
        <source>（无对应预案）</source>
        <translation>(no plan for this type)</translation>
    </message>
    <message>
        <source>{title}（{needs}）</source>
        <translation>{title} ({needs})</translation>
    </message>
    <message>
        <source>未下达</source>
        <translation>not issued</translation>
    </message>
    <message>
        <source> → {s}（待确认）</source>
        <translation> → {s} (awaiting confirmation)</translation>
    </message>
    <message>
        <source> 超时</source>
        <translation> overdue</translation>
    </message>
    <message>
        <source>超时 {t}</source>
        <translation>overdue {t}</translation>
    </message>
    <message>
        <source>剩 {t}</source>
        <translation>{t} left</translation>
    </message>
    <message>
        <source>请先选择预案步骤</source>
        <translation>Select a plan step first</translation>
    </message>
    <message>
        <source>已提交：完成预案步骤</source>
        <translation>Submitted: plan step completed</translation>
    </message>
    <message>
        <source>已提交：跳过预案步骤</source>
        <translation>Submitted: plan step skipped</translation>
    </message>
    <message>
        <source>已下达：预案步骤任务</source>
        <translation>Issued: the plan step&apos;s order</translation>
    </message>
    <message>
        <source>没有战时事件，不能下达任务</source>
        <translation>No wartime incident: no order can be issued</translation>
    </message>
    <message>
        <source>已下达任务（待网关确认）</source>
        <translation>Order issued (awaiting the gateway)</translation>
    </message>
    <message>
        <source>请先选择任务</source>
        <translation>Select a task first</translation>
    </message>
    <message>
        <source>已回报任务状态（待确认）</source>
        <translation>Task status reported (awaiting confirmation)</translation>
    </message>
    <message>
        <source>已追加调派资源（待确认）</source>
        <translation>Resources added to the order (awaiting confirmation)</translation>
    </message>
    <message>
        <source>已记入指挥日志</source>
        <translation>Recorded in the command log</translation>
    </message>
</context>
<context>
    <name>ConsoleApp</name>
    <message>
        <source>内部错误，已记录日志：{detail}</source>
        <translation>Internal error, logged: {detail}</translation>
    </message>
</context>
<context>
    <name>ConsoleStatusBar</name>
    <message>
        <source>⚠ 与区中心断开 — 本街道自主处置（{t} 起）</source>
        <translation>⚠ Cut off from the district centre — the street handles its own alarms (since {t})</translation>
    </message>
    <message>
        <source>本街道的告警、处置与指令照常进行；需区中心的操作会被拒绝并说明原因。连接恢复后，断开期间的处置记录自动同步到区中心。</source>
        <translation>The street&apos;s alerts, handling and orders go on as usual; actions that need the district centre are refused with the reason. When the link is back, what was done meanwhile is synchronised to the district centre.</translation>
    </message>
    <message>
        <source>区中心 已连接</source>
        <translation>District centre connected</translation>
    </message>
    <message>
        <source>本街道分中心节点与区中心的链路正常</source>
        <translation>The link between this street sub-centre node and the district centre is up</translation>
    </message>
    <message>
        <source>连接中</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>重连中</source>
        <translation>Reconnecting</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>暂停接收</source>
        <translation>Intake paused</translation>
    </message>
    <message>
        <source>回放</source>
        <translation>Replay</translation>
    </message>
    <message>
        <source>演练</source>
        <translation>Drill</translation>
    </message>
    <message>
        <source>演示数据</source>
        <translation>Demo data</translation>
    </message>
    <message>
        <source>未配置网关</source>
        <translation>No gateway configured</translation>
    </message>
    <message>
        <source>演示数据 · {state}</source>
        <translation>Demo data · {state}</translation>
    </message>
    <message>
        <source>连接状态</source>
        <translation>Connection state</translation>
    </message>
    <message>
        <source>后端 演练</source>
        <translation>Backend: drill</translation>
    </message>
    <message>
        <source>后端 内置演示数据源（模拟）</source>
        <translation>Backend: built-in demo feed (simulated)</translation>
    </message>
    <message>
        <source>后端 {host}</source>
        <translation>Backend {host}</translation>
    </message>
    <message>
        <source>后端 未配置</source>
        <translation>Backend not configured</translation>
    </message>
    <message>
        <source>口令和令牌可被网络上的任何人截获。请改用 https:// 网关地址，并用 --ca 指定签发网关证书的 CA。</source>
        <translation>Passwords and tokens can be read by anyone on the network. Use an https:// gateway address, and --ca to name the CA that issued the gateway&apos;s certificate.</translation>
    </message>
    <message>
        <source>异常消息 {n}</source>
        <translation>Bad messages {n}</translation>
    </message>
    <message>
        <source>待发送 {n}</source>
        <translation>Unsent {n}</translation>
    </message>
    <message>
        <source>{detail}（第 {n} 次重试）</source>
        <translation>{detail} (retry {n})</translation>
    </message>
    <message>
        <source>暂无数据</source>
        <translation>No data yet</translation>
    </message>
    <message>
        <source>数据延迟 {s} 秒</source>
        <translation>Data delay {s} s</translation>
    </message>
    <message>
        <source>数据截至 {t}</source>
        <translation>Data as of {t}</translation>
    </message>
</context>
<context>
    <name>ConsoleText</name>
    <message>
        <source>正在连接网关…</source>
        <translation>Connecting to the gateway…</translation>
    </message>
    <message>
        <source>未配置网关，仅显示本地缓存</source>
        <translation>No gateway configured; showing the local cache only</translation>
    </message>
    <message>
        <source>正在获取全量快照…</source>
        <translation>Fetching the full snapshot…</translation>
    </message>
    <message>
        <source>{reason}，{delay} 秒后重试</source>
        <translation>{reason}; retrying in {delay} s</translation>
    </message>
    <message>
        <source>连接中断：{reason}，{delay} 秒后重试</source>
        <translation>Connection lost: {reason}; retrying in {delay} s</translation>
    </message>
    <message>
        <source>{reason}，改连 {url}</source>
        <translation>{reason}; switching to {url}</translation>
    </message>
    <message>
        <source>回放：{label}</source>
        <translation>Replay: {label}</translation>
    </message>
    <message>
        <source>日志</source>
        <translation>journal</translation>
    </message>
    <message>
        <source>回放结束：{played} 条，无效 {skipped} 条</source>
        <translation>Replay finished: {played} messages, {skipped} invalid</translation>
    </message>
    <message>
        <source>回放中断：{error}</source>
        <translation>Replay stopped: {error}</translation>
    </message>
    <message>
        <source>演练：{title}  {clock} / {minutes} 分钟  {state}</source>
        <translation>Drill: {title}  {clock} / {minutes} min  {state}</translation>
    </message>
    <message>
        <source>已结束</source>
        <translation>Finished</translation>
    </message>
    <message>
        <source>已暂停</source>
        <translation>Paused</translation>
    </message>
    <message>
        <source>演练中断：{error}</source>
        <translation>Drill stopped: {error}</translation>
    </message>
    <message>
        <source>后台任务 {name} 异常退出：{error}</source>
        <translation>Background task {name} failed: {error}</translation>
    </message>
    <message>
        <source>本地磁盘已满：已暂停接收，{n} 条消息待写入本地日志；腾出空间后自动从断点继续</source>
        <translation>Local disk full: intake paused, {n} messages waiting for the local journal; it resumes where it stopped once space is freed</translation>
    </message>
    <message>
        <source>本地日志写入失败（{error}）：已暂停接收，{n} 条消息待写入；恢复后自动从断点继续</source>
        <translation>Local journal write failed ({error}): intake paused, {n} messages waiting; it resumes where it stopped once writing works</translation>
    </message>
    <message>
        <source>本地日志积压 {n} 条：暂停接收，写入后自动继续</source>
        <translation>{n} messages waiting for the local journal: intake paused, resumes once written</translation>
    </message>
    <message>
        <source>网关反复要求重新同步</source>
        <translation>The gateway keeps asking for a resync</translation>
    </message>
    <message>
        <source>网关关闭了事件流</source>
        <translation>The gateway closed the event stream</translation>
    </message>
    <message>
        <source>密码错误</source>
        <translation>Wrong password</translation>
    </message>
    <message>
        <source>密码错误次数过多，请 {s} 秒后再试；再错 {left} 次将注销并返回登录</source>
        <translation>Too many wrong passwords: try again in {s} s; {left} more wrong and the session ends (back to login)</translation>
    </message>
    <message>
        <source>密码连续错误 {n} 次，已注销，请重新登录</source>
        <translation>{n} wrong passwords in a row: logged out, please log in again</translation>
    </message>
    <message>
        <source>⚠ 明文 HTTP：与网关 {host} 的登录、令牌和数据均未加密</source>
        <translation>⚠ Plain HTTP: login, tokens and data to gateway {host} are not encrypted</translation>
    </message>
    <message>
        <source>网关证书无法验证：{why}，请检查 CA 证书配置（--ca）</source>
        <translation>The gateway&apos;s certificate cannot be verified: {why}; check the CA certificate setting (--ca)</translation>
    </message>
    <message>
        <source>与网关建立加密连接失败：{why}</source>
        <translation>Could not set up an encrypted connection to the gateway: {why}</translation>
    </message>
    <message>
        <source>连接网关超时</source>
        <translation>Connecting to the gateway timed out</translation>
    </message>
    <message>
        <source>无法连接网关</source>
        <translation>Cannot reach the gateway</translation>
    </message>
    <message>
        <source>网关响应超时</source>
        <translation>The gateway did not respond in time</translation>
    </message>
    <message>
        <source>网关请求超时</source>
        <translation>Gateway request timed out</translation>
    </message>
    <message>
        <source>连接被网关中断</source>
        <translation>The gateway cut the connection</translation>
    </message>
    <message>
        <source>网络错误（{kind}）</source>
        <translation>Network error ({kind})</translation>
    </message>
    <message>
        <source>内部错误（{kind}: {message}）</source>
        <translation>Internal error ({kind}: {message})</translation>
    </message>
    <message>
        <source>服务器返回 {status}</source>
        <translation>Server returned {status}</translation>
    </message>
    <message>
        <source>服务器返回 {status}（{detail}）</source>
        <translation>Server returned {status} ({detail})</translation>
    </message>
    <message>
        <source>需要重新登录</source>
        <translation>Please log in again</translation>
    </message>
    <message>
        <source>找不到签发证书</source>
        <translation>the issuing certificate cannot be found</translation>
    </message>
    <message>
        <source>证书尚未生效</source>
        <translation>the certificate is not valid yet</translation>
    </message>
    <message>
        <source>证书已过期</source>
        <translation>the certificate has expired</translation>
    </message>
    <message>
        <source>证书为自签名，且不在受信任的 CA 中</source>
        <translation>the certificate is self-signed and not among the trusted CAs</translation>
    </message>
    <message>
        <source>证书链不是由所配置的 CA 签发</source>
        <translation>the certificate chain was not issued by the configured CA</translation>
    </message>
    <message>
        <source>证书不是由所配置的 CA 签发</source>
        <translation>the certificate was not issued by the configured CA</translation>
    </message>
    <message>
        <source>证书已被吊销</source>
        <translation>the certificate has been revoked</translation>
    </message>
    <message>
        <source>证书与网关地址不符</source>
        <translation>the certificate does not match the gateway&apos;s address</translation>
    </message>
    <message>
        <source>本地缓存恢复失败，将从网关重新获取全量数据</source>
        <translation>Restoring the local cache failed; the full data will be fetched from the gateway again</translation>
    </message>
    <message>
        <source>战时指挥状态恢复失败</source>
        <translation>Wartime command state could not be restored</translation>
    </message>
    <message>
        <source>图层/预案获取失败：{reason}（将在重新连接后重试）</source>
        <translation>Fetching layers/plans failed: {reason} (retried after reconnecting)</translation>
    </message>
    <message>
        <source>本地快照未能更新：{error}</source>
        <translation>The local snapshot could not be updated: {error}</translation>
    </message>
    <message>
        <source>快照未能保存：{error}</source>
        <translation>The snapshot could not be saved: {error}</translation>
    </message>
    <message>
        <source>指令未能保存到本地（{error}），未发送</source>
        <translation>The command could not be saved locally ({error}); not sent</translation>
    </message>
    <message>
        <source>本地指令记录已损坏，未发送</source>
        <translation>The local command record is damaged; not sent</translation>
    </message>
    <message>
        <source>登录已失效，重新登录后发送</source>
        <translation>Login expired; will send after logging in again</translation>
    </message>
    <message>
        <source>网关拒绝了该指令（请求无效）</source>
        <translation>The gateway refused the command (invalid request)</translation>
    </message>
    <message>
        <source>无权执行该指令</source>
        <translation>Not permitted to run this command</translation>
    </message>
    <message>
        <source>指令对象不存在</source>
        <translation>The command&apos;s target does not exist</translation>
    </message>
    <message>
        <source>对象已被他人更新，请刷新后重试</source>
        <translation>Someone else has updated it; refresh and try again</translation>
    </message>
    <message>
        <source>指令对象已不存在</source>
        <translation>The command&apos;s target no longer exists</translation>
    </message>
    <message>
        <source>指令内容过大</source>
        <translation>The command is too large</translation>
    </message>
    <message>
        <source>指令内容不符合要求</source>
        <translation>The command&apos;s content is not acceptable</translation>
    </message>
    <message>
        <source>网关拒绝了该指令（HTTP {status}）</source>
        <translation>The gateway refused the command (HTTP {status})</translation>
    </message>
    <message>
        <source>无权查看完整号码（需值班长权限）</source>
        <translation>Not permitted to see the full number (supervisor only)</translation>
    </message>
    <message>
        <source>未连接网关：完整号码只保存在网关，无法查看</source>
        <translation>Not connected to the gateway: the full number is kept only there</translation>
    </message>
    <message>
        <source>网关不可达，无法查看完整号码（{kind}）</source>
        <translation>Gateway unreachable; cannot show the full number ({kind})</translation>
    </message>
    <message>
        <source>融合通信未配置</source>
        <translation>Calling not configured</translation>
    </message>
    <message>
        <source>正在注册融合通信（{server}）…</source>
        <translation>Registering with the SIP server ({server})…</translation>
    </message>
    <message>
        <source>融合通信已注册（{aor}）</source>
        <translation>Registered for calls ({aor})</translation>
    </message>
    <message>
        <source>注册失败：{reason}</source>
        <translation>Registration failed: {reason}</translation>
    </message>
    <message>
        <source>注册失败：服务器不可达（{server}）</source>
        <translation>Registration failed: SIP server unreachable ({server})</translation>
    </message>
    <message>
        <source>未安装 SIP 话机组件（baresip），无法通话</source>
        <translation>The SIP phone component (baresip) is not installed: no calls</translation>
    </message>
    <message>
        <source>SIP 话机组件无响应</source>
        <translation>The SIP phone component does not respond</translation>
    </message>
    <message>
        <source>SIP 话机组件意外退出（{status}）</source>
        <translation>The SIP phone component stopped unexpectedly ({status})</translation>
    </message>
    <message>
        <source>未注册到融合通信服务器，无法呼叫</source>
        <translation>Not registered with the SIP server: cannot call</translation>
    </message>
    <message>
        <source>已有通话，请先挂断</source>
        <translation>A call is in progress: hang up first</translation>
    </message>
    <message>
        <source>当前没有可操作的通话</source>
        <translation>No call to act on</translation>
    </message>
    <message>
        <source>呼叫失败：{reason}</source>
        <translation>Call failed: {reason}</translation>
    </message>
    <message>
        <source>融合通信配置错误：{reason}</source>
        <translation>Calling settings error: {reason}</translation>
    </message>
    <message>
        <source>网关答复 {status}</source>
        <translation>The gateway answered {status}</translation>
    </message>
    <message>
        <source>查看席位不能下达指令</source>
        <translation>A viewing seat cannot issue commands</translation>
    </message>
    <message>
        <source>该指令需值班长权限</source>
        <translation>This command needs a supervisor</translation>
    </message>
    <message>
        <source>宣布启动应急响应需值班长权限</source>
        <translation>Declaring an emergency response needs a supervisor</translation>
    </message>
    <message>
        <source>解除应急响应需值班长权限</source>
        <translation>Standing down an emergency response needs a supervisor</translation>
    </message>
    <message>
        <source>本街道分中心只能回报本街道及所属社区的任务</source>
        <translation>This street sub-centre can only report on tasks of its own street and its communities</translation>
    </message>
    <message>
        <source>控制台尚未就绪，指令未能下达</source>
        <translation>The console is not ready yet; the command was not issued</translation>
    </message>
    <message>
        <source>指令未能保存到本地，未下达：{error}</source>
        <translation>The command could not be saved locally and was not issued: {error}</translation>
    </message>
    <message>
        <source>找不到该突发事件</source>
        <translation>Incident not found</translation>
    </message>
    <message>
        <source>该突发事件已解除响应，不能再更改</source>
        <translation>This incident has been stood down and can no longer be changed</translation>
    </message>
    <message>
        <source>该突发事件已解除响应</source>
        <translation>This incident has already been stood down</translation>
    </message>
    <message>
        <source>请选择突发事件类型</source>
        <translation>Choose the incident type</translation>
    </message>
    <message>
        <source>响应级别须为 Ⅰ–Ⅳ 级</source>
        <translation>The response level must be I–IV</translation>
    </message>
    <message>
        <source>请填写启动响应的事由</source>
        <translation>Enter the reason for the response</translation>
    </message>
    <message>
        <source>未知的街道：{street}</source>
        <translation>Unknown street: {street}</translation>
    </message>
    <message>
        <source>请指定事发位置（经纬度）或所在街道</source>
        <translation>Give the incident&apos;s location (longitude and latitude) or its street</translation>
    </message>
    <message>
        <source>事发位置不在坪山区附近，请检查经纬度</source>
        <translation>The incident location is not near Pingshan District; check the longitude and latitude</translation>
    </message>
    <message>
        <source>影响范围须为数字（米）</source>
        <translation>The affected radius must be a number (metres)</translation>
    </message>
    <message>
        <source>影响范围须在 50–20000 米之间</source>
        <translation>The affected radius must be between 50 and 20,000 metres</translation>
    </message>
    <message>
        <source>预案中没有这一步骤</source>
        <translation>The plan has no such step</translation>
    </message>
    <message>
        <source>跳过预案步骤须填写理由</source>
        <translation>Skipping a plan step needs a reason</translation>
    </message>
    <message>
        <source>该步骤已完成，不能重复处理</source>
        <translation>This step is already done and cannot be handled again</translation>
    </message>
    <message>
        <source>该步骤已跳过，不能重复处理</source>
        <translation>This step was already skipped and cannot be handled again</translation>
    </message>
    <message>
        <source>该步骤完成（待确认），不能重复处理</source>
        <translation>This step is done (awaiting confirmation) and cannot be handled again</translation>
    </message>
    <message>
        <source>该步骤跳过（待确认），不能重复处理</source>
        <translation>This step is skipped (awaiting confirmation) and cannot be handled again</translation>
    </message>
    <message>
        <source>请选择承办单位</source>
        <translation>Choose the unit</translation>
    </message>
    <message>
        <source>请填写任务指令</source>
        <translation>Enter the task instruction</translation>
    </message>
    <message>
        <source>完成时限须为分钟数</source>
        <translation>The deadline must be a number of minutes</translation>
    </message>
    <message>
        <source>完成时限须在 1 分钟到 7 天之间</source>
        <translation>The deadline must be between 1 minute and 7 days</translation>
    </message>
    <message>
        <source>任务位置不在坪山区附近，请检查经纬度</source>
        <translation>The task location is not near Pingshan District; check the longitude and latitude</translation>
    </message>
    <message>
        <source>该任务尚未被网关确认，暂不能更新状态</source>
        <translation>The gateway has not confirmed this task yet; its status cannot be updated</translation>
    </message>
    <message>
        <source>未知的任务状态</source>
        <translation>Unknown task status</translation>
    </message>
    <message>
        <source>任务已结束，不能再更改状态</source>
        <translation>The task is finished; its status can no longer change</translation>
    </message>
    <message>
        <source>拒绝任务须说明理由</source>
        <translation>Refusing a task needs a reason</translation>
    </message>
    <message>
        <source>该任务尚未被网关确认，暂不能追加资源</source>
        <translation>The gateway has not confirmed this task yet; no resources can be added</translation>
    </message>
    <message>
        <source>任务已结束，不能再调派资源</source>
        <translation>The task is finished; no more resources can be sent</translation>
    </message>
    <message>
        <source>请在资源页选择要调派的资源</source>
        <translation>Choose the resources to send on the Resources tab</translation>
    </message>
    <message>
        <source>未知的资源：{ids}</source>
        <translation>Unknown resources: {ids}</translation>
    </message>
    <message>
        <source>所选资源已调派给该任务</source>
        <translation>The chosen resources are already assigned to this task</translation>
    </message>
    <message>
        <source>未知的数据项</source>
        <translation>Unknown figure</translation>
    </message>
    <message>
        <source>人数须为整数</source>
        <translation>The number of people must be a whole number</translation>
    </message>
    <message>
        <source>人数不能为负数</source>
        <translation>The number of people cannot be negative</translation>
    </message>
    <message>
        <source>请选择避难场所</source>
        <translation>Choose a shelter</translation>
    </message>
    <message>
        <source>记录内容不能为空</source>
        <translation>The log entry cannot be empty</translation>
    </message>
    <message>
        <source>记录过长（最多 2000 字）</source>
        <translation>The log entry is too long (at most 2,000 characters)</translation>
    </message>
    <message>
        <source>网关不可达，值班指令未送达（{kind}），请稍后重试</source>
        <translation>Gateway unreachable: the duty command was not delivered ({kind}); try again later</translation>
    </message>
    <message>
        <source>接班人登录失败：{reason}</source>
        <translation>Incoming officer&apos;s login failed: {reason}</translation>
    </message>
    <message>
        <source>接班人须以本人账号登录，不能由交班人 {user} 确认</source>
        <translation>The incoming officer must log in with their own account; the outgoing officer {user} cannot confirm</translation>
    </message>
    <message>
        <source>请填写交接班报告</source>
        <translation>Write the handover report</translation>
    </message>
    <message>
        <source>该班次未登记 SIP 号码，无法呼叫</source>
        <translation>This shift has no SIP number: cannot call</translation>
    </message>
</context>
<context>
    <name>DataModeBanner</name>
    <message>
        <source>网关设置</source>
        <translation>Gateway settings</translation>
    </message>
    <message>
        <source>本值班台（{title}）尚未设置网关。请填写区级或街道分中心网关的地址，多个副本用逗号分隔，首选在前。保存后重启值班台生效。</source>
        <translation>This console ({title}) has no gateway yet. Enter the address of the district or street sub-centre gateway; separate replicas with commas, preferred first. Takes effect after the console restarts.</translation>
    </message>
    <message>
        <source>网关地址</source>
        <translation>Gateway address</translation>
    </message>
    <message>
        <source>可选：签发网关证书的 CA（PEM 文件路径）</source>
        <translation>Optional: the CA that issued the gateway&apos;s certificate (PEM file path)</translation>
    </message>
    <message>
        <source>CA 证书</source>
        <translation>CA certificate</translation>
    </message>
    <message>
        <source>未保存：{reason}</source>
        <translation>Not saved: {reason}</translation>
    </message>
    <message>
        <source>演示数据 — 值班台正在使用内置演示数据源：告警、视频和指标都是模拟的，不是实况。</source>
        <translation>Demo data — the console is using the built-in demo feed: alerts, video and indicators are simulated, not live.</translation>
    </message>
    <message>
        <source>本安装包不含演示视频，视频墙画面显示“信号中断”。</source>
        <translation>This installer has no demo video: video wall tiles show &quot;Signal lost&quot;.</translation>
    </message>
    <message>
        <source>未配置网关 — 本安装（生产）没有设置网关：只显示本地缓存，不使用任何模拟数据。</source>
        <translation>No gateway configured — this (production) install has no gateway: only the local cache is shown, no simulated data is used.</translation>
    </message>
    <message>
        <source>网关设置…</source>
        <translation>Gateway settings…</translation>
    </message>
    <message>
        <source>网关已保存到 {path}：请重启值班台以连接网关。</source>
        <translation>Gateway saved to {path}: restart the console to connect.</translation>
    </message>
    <message>
        <source>演示数据</source>
        <translation>Demo data</translation>
    </message>
    <message>
        <source>【演示数据】</source>
        <translation>[Demo data]</translation>
    </message>
</context>
<context>
    <name>DeclareDialog</name>
    <message>
        <source>宣布启动应急响应</source>
        <translation>Declare an emergency response</translation>
    </message>
    <message>
        <source>{l}级（{d}）</source>
        <translation>Level {l} ({d})</translation>
    </message>
    <message>
        <source>特别重大</source>
        <translation>extremely serious</translation>
    </message>
    <message>
        <source>重大</source>
        <translation>serious</translation>
    </message>
    <message>
        <source>较大</source>
        <translation>major</translation>
    </message>
    <message>
        <source>一般</source>
        <translation>general</translation>
    </message>
    <message>
        <source>（按经纬度）</source>
        <translation>(by coordinates)</translation>
    </message>
    <message>
        <source> 米</source>
        <translation> m</translation>
    </message>
    <message>
        <source>默认：类型 + 响应级别</source>
        <translation>Default: type + response level</translation>
    </message>
    <message>
        <source>启动事由（必填），如：小时雨量超 50 毫米，多处积水</source>
        <translation>Reason (required), e.g. hourly rainfall above 50 mm, flooding in several places</translation>
    </message>
    <message>
        <source>经度</source>
        <translation>Longitude</translation>
    </message>
    <message>
        <source>纬度</source>
        <translation>Latitude</translation>
    </message>
    <message>
        <source>事件类型</source>
        <translation>Incident type</translation>
    </message>
    <message>
        <source>响应级别</source>
        <translation>Response level</translation>
    </message>
    <message>
        <source>所在街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>事发位置</source>
        <translation>Location</translation>
    </message>
    <message>
        <source>影响半径</source>
        <translation>Radius</translation>
    </message>
    <message>
        <source>事件名称</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>启动事由</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>宣布启动</source>
        <translation>Declare</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>Deployment</name>
    <message>
        <source>配置有误</source>
        <translation>Configuration problem</translation>
    </message>
    <message>
        <source>部分配置文件有误，值班台已按默认配置启动：</source>
        <translation>Some configuration files are broken; the console started with the default configuration:</translation>
    </message>
</context>
<context>
    <name>DetachMenu</name>
    <message>
        <source>面板(&amp;P)</source>
        <translation>&amp;Panels</translation>
    </message>
    <message>
        <source>全部停靠回主窗口</source>
        <translation>Dock all panels back</translation>
    </message>
    <message>
        <source>分离到屏幕 {n} · {name}</source>
        <translation>Detach to screen {n} · {name}</translation>
    </message>
    <message>
        <source>停靠回主窗口</source>
        <translation>Dock back into the main window</translation>
    </message>
</context>
<context>
    <name>DrillBar</name>
    <message>
        <source>演练控制</source>
        <translation>Drill controls</translation>
    </message>
    <message>
        <source>演练</source>
        <translation>DRILL</translation>
    </message>
    <message>
        <source>倍速（+ 加快，− 减慢）</source>
        <translation>Speed (+ faster, − slower)</translation>
    </message>
    <message>
        <source>暂停 / 继续（空格，F8）</source>
        <translation>Pause / resume (Space, F8)</translation>
    </message>
    <message>
        <source>下一注入</source>
        <translation>Next inject</translation>
    </message>
    <message>
        <source>跳到下一个情景注入（N，F9）</source>
        <translation>Jump to the next inject (N, F9)</translation>
    </message>
    <message>
        <source>没有后续注入</source>
        <translation>No more injects</translation>
    </message>
    <message>
        <source>演练：{title}</source>
        <translation>Drill: {title}</translation>
    </message>
    <message>
        <source>演练时间 {now} / {total}（情景时刻 {at}）</source>
        <translation>Drill time {now} / {total} (scenario clock {at})</translation>
    </message>
    <message>
        <source>继续</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>注入 {done}/{total}</source>
        <translation>Injects {done}/{total}</translation>
    </message>
    <message>
        <source>当前得分 {score}</source>
        <translation>Score so far {score}</translation>
    </message>
    <message>
        <source>演练结束，评估报告已生成</source>
        <translation>Drill over, after-action report written</translation>
    </message>
    <message>
        <source>演练结束</source>
        <translation>Drill over</translation>
    </message>
    <message>
        <source>已暂停</source>
        <translation>Paused</translation>
    </message>
    <message>
        <source>【演练】</source>
        <translation>[DRILL] </translation>
    </message>
</context>
<context>
    <name>DutyDock</name>
    <message>
        <source>值班</source>
        <translation>Duty</translation>
    </message>
    <message>
        <source>值班表</source>
        <translation>Duty roster</translation>
    </message>
    <message>
        <source>值班(&amp;Y)</source>
        <translation>Dut&amp;y</translation>
    </message>
</context>
<context>
    <name>DutyPanel</name>
    <message>
        <source>操作失败：{error}</source>
        <translation>Failed: {error}</translation>
    </message>
    <message>
        <source>今日值班</source>
        <translation>On duty today</translation>
    </message>
    <message>
        <source>中心</source>
        <translation>Centre</translation>
    </message>
    <message>
        <source>席位</source>
        <translation>Seat</translation>
    </message>
    <message>
        <source>值班人</source>
        <translation>Officer</translation>
    </message>
    <message>
        <source>班次</source>
        <translation>Shift</translation>
    </message>
    <message>
        <source>电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>SIP</source>
        <translation>SIP</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>查岗编号</source>
        <translation>Check-in no.</translation>
    </message>
    <message>
        <source>被查中心</source>
        <translation>Centre checked</translation>
    </message>
    <message>
        <source>发起人</source>
        <translation>Started by</translation>
    </message>
    <message>
        <source>应答时限</source>
        <translation>Answer by</translation>
    </message>
    <message>
        <source>剩余</source>
        <translation>Left</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>待上岗</source>
        <translation>Not started</translation>
    </message>
    <message>
        <source>在岗</source>
        <translation>On duty</translation>
    </message>
    <message>
        <source>待接班确认</source>
        <translation>Awaiting takeover</translation>
    </message>
    <message>
        <source>已交接</source>
        <translation>Handed over</translation>
    </message>
    <message>
        <source>超时未交接</source>
        <translation>Overdue handover</translation>
    </message>
    <message>
        <source>等待应答</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>按时应答</source>
        <translation>Answered in time</translation>
    </message>
    <message>
        <source>迟到应答</source>
        <translation>Answered late</translation>
    </message>
    <message>
        <source>未应答</source>
        <translation>Missed</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>交班…</source>
        <translation>Hand over…</translation>
    </message>
    <message>
        <source>接班确认…</source>
        <translation>Confirm takeover…</translation>
    </message>
    <message>
        <source>查岗…</source>
        <translation>Check-in…</translation>
    </message>
    <message>
        <source>应答查岗</source>
        <translation>Answer check-in</translation>
    </message>
    <message>
        <source>打印交接班报告</source>
        <translation>Print handover report</translation>
    </message>
    <message>
        <source>修改排班…</source>
        <translation>Edit roster…</translation>
    </message>
    <message>
        <source>呼叫</source>
        <translation>Call</translation>
    </message>
    <message>
        <source>今日查岗</source>
        <translation>Check-ins today</translation>
    </message>
    <message>
        <source>未连接网关：值班表由区指挥中心服务保存，暂不可用</source>
        <translation>Not connected: the roster is kept by the district centre&apos;s service and is unavailable for now</translation>
    </message>
    <message>
        <source>请先选择一位值班人员</source>
        <translation>Select a duty officer first</translation>
    </message>
    <message>
        <source>融合通信未配置：无法从控制台呼叫，请拨打 {phone}</source>
        <translation>Calling not configured: cannot call from the console; dial {phone}</translation>
    </message>
    <message>
        <source>正在呼叫 {name}</source>
        <translation>Calling {name}</translation>
    </message>
    <message>
        <source>请先选择要交班的班次</source>
        <translation>Select the shift to hand over first</translation>
    </message>
    <message>
        <source>请先选择待接班确认的班次</source>
        <translation>Select the shift awaiting takeover first</translation>
    </message>
    <message>
        <source>该班次尚未交班，不能确认接班</source>
        <translation>This shift has not been handed over yet: nothing to confirm</translation>
    </message>
    <message>
        <source>值班表尚未载入</source>
        <translation>The roster is not loaded yet</translation>
    </message>
    <message>
        <source>请先选择要修改的班次</source>
        <translation>Select the shift to edit first</translation>
    </message>
    <message>
        <source>请先选择要应答的查岗</source>
        <translation>Select the check-in to answer first</translation>
    </message>
    <message>
        <source>请选择已交班的班次</source>
        <translation>Select a shift that was handed over</translation>
    </message>
    <message>
        <source>交接班报告未能保存：{error}</source>
        <translation>Handover report not saved: {error}</translation>
    </message>
    <message>
        <source>交接班报告已保存：{path}</source>
        <translation>Handover report saved: {path}</translation>
    </message>
    <message>
        <source>已交班，等待接班人以本人账号确认</source>
        <translation>Handed over; waiting for the incoming officer to confirm with their own login</translation>
    </message>
    <message>
        <source>请输入接班人账号和密码</source>
        <translation>Enter the incoming officer&apos;s account and password</translation>
    </message>
    <message>
        <source>{who} 已确认接班（已记入审计日志）</source>
        <translation>{who} confirmed the takeover (recorded in the audit log)</translation>
    </message>
    <message>
        <source>已发起查岗 {id}：{minutes} 分钟内应答</source>
        <translation>Check-in {id} started: answer within {minutes} min</translation>
    </message>
    <message>
        <source>没有修改</source>
        <translation>Nothing changed</translation>
    </message>
    <message>
        <source>排班已修改（已记入审计日志）</source>
        <translation>Roster changed (recorded in the audit log)</translation>
    </message>
    <message>
        <source>已应答查岗：{outcome}</source>
        <translation>Check-in answered: {outcome}</translation>
    </message>
    <message>
        <source>已交接：{a} → {b}</source>
        <translation>Handed over: {a} → {b}</translation>
    </message>
    <message>
        <source>已交班（{who} {at}），待接班确认</source>
        <translation>Handed over ({who} {at}), awaiting takeover</translation>
    </message>
    <message>
        <source>班次已结束仍未完成交接</source>
        <translation>The shift has ended without a handover</translation>
    </message>
    <message>
        <source>{day} · {n} 个班次</source>
        <translation>{day} · {n} shifts</translation>
    </message>
    <message>
        <source> · {n} 个班次超时未交接</source>
        <translation> · {n} shifts overdue for handover</translation>
    </message>
    <message>
        <source>已超时 · 迟到截止 {left}</source>
        <translation>Past the limit · late until {left}</translation>
    </message>
    <message>
        <source>{at} 应答</source>
        <translation>answered {at}</translation>
    </message>
    <message>
        <source>融合通信未配置</source>
        <translation>Calling not configured</translation>
    </message>
    <message>
        <source>融合通信未配置：请用值班电话联系</source>
        <translation>Calling not configured: use the duty phone</translation>
    </message>
    <message>
        <source>内部错误：事件循环不可用</source>
        <translation>Internal error: no event loop</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <source>交班 · {centre}</source>
        <translation>Hand over · {centre}</translation>
    </message>
    <message>
        <source>交班</source>
        <translation>Hand over</translation>
    </message>
    <message>
        <source>班次</source>
        <translation>Shift</translation>
    </message>
    <message>
        <source>交班人</source>
        <translation>Outgoing officer</translation>
    </message>
    <message>
        <source>本班重要事项、未结事件、需接班人跟进的工作……</source>
        <translation>Key matters of this shift, open events, work the incoming officer must follow up…</translation>
    </message>
    <message>
        <source>交接班报告</source>
        <translation>Handover report</translation>
    </message>
</context>
<context>
    <name>HeaderStrip</name>
    <message>
        <source>星期一</source>
        <translation>Monday</translation>
    </message>
    <message>
        <source>星期二</source>
        <translation>Tuesday</translation>
    </message>
    <message>
        <source>星期三</source>
        <translation>Wednesday</translation>
    </message>
    <message>
        <source>星期四</source>
        <translation>Thursday</translation>
    </message>
    <message>
        <source>星期五</source>
        <translation>Friday</translation>
    </message>
    <message>
        <source>星期六</source>
        <translation>Saturday</translation>
    </message>
    <message>
        <source>星期日</source>
        <translation>Sunday</translation>
    </message>
    <message>
        <source>坪山区城市运行指挥中心</source>
        <translation>Pingshan City Operations Command Centre</translation>
    </message>
    <message>
        <source>一网统管 · 平战结合 · 区级值班台</source>
        <translation>Unified operations · peacetime and wartime · district duty desk</translation>
    </message>
    <message>
        <source>值班员 {name}</source>
        <translation>Operator {name}</translation>
    </message>
    <message>
        <source>平时</source>
        <translation>Peacetime</translation>
    </message>
    <message>
        <source>战时</source>
        <translation>Wartime</translation>
    </message>
    <message>
        <source>演练</source>
        <translation>Drill</translation>
    </message>
    <message>
        <source>{y}年{m}月{d}日 {w}</source>
        <translation>{w} {y}-{m:02d}-{d:02d}</translation>
    </message>
</context>
<context>
    <name>IncidentMetricsPanel</name>
    <message>
        <source>任务 未完成/总数</source>
        <translation>Tasks open/total</translation>
    </message>
    <message>
        <source>超时任务</source>
        <translation>Overdue tasks</translation>
    </message>
    <message>
        <source>到场单位</source>
        <translation>Units on scene</translation>
    </message>
    <message>
        <source>转移群众（人）</source>
        <translation>People evacuated</translation>
    </message>
    <message>
        <source>避难场所 安置/容量</source>
        <translation>Shelter use/capacity</translation>
    </message>
    <message>
        <source>预案步骤 完成/总数</source>
        <translation>Plan steps done/total</translation>
    </message>
    <message>
        <source>上报转移人数</source>
        <translation>Report people evacuated</translation>
    </message>
    <message>
        <source>上报安置人数</source>
        <translation>Report people sheltered</translation>
    </message>
    <message>
        <source>占用 {p}</source>
        <translation>{p} occupied</translation>
    </message>
    <message>
        <source>超时 {n} 项</source>
        <translation>{n} overdue</translation>
    </message>
    <message>
        <source>{name}（{km} km）</source>
        <translation>{name} ({km} km)</translation>
    </message>
    <message>
        <source>{label}（{unit}）</source>
        <translation>{label} ({unit})</translation>
    </message>
    <message>
        <source>没有战时事件</source>
        <translation>No wartime incident</translation>
    </message>
    <message>
        <source>已记录</source>
        <translation>Recorded</translation>
    </message>
    <message>
        <source>小时雨量</source>
        <translation>Hourly rainfall</translation>
    </message>
    <message>
        <source>河道最高水位</source>
        <translation>Highest river level</translation>
    </message>
    <message>
        <source>空气质量指数</source>
        <translation>Air quality index</translation>
    </message>
</context>
<context>
    <name>IndicatorPanel</name>
    <message>
        <source>总览</source>
        <translation>Overview</translation>
    </message>
    <message>
        <source>城市运行</source>
        <translation>City operations</translation>
    </message>
    <message>
        <source>民生诉求</source>
        <translation>Citizen requests</translation>
    </message>
    <message>
        <source>生态环境</source>
        <translation>Ecology</translation>
    </message>
    <message>
        <source>数字政府</source>
        <translation>Digital government</translation>
    </message>
    <message>
        <source>应急</source>
        <translation>Emergency</translation>
    </message>
    <message>
        <source>2021 年现状 {v}</source>
        <translation>2021 status {v}</translation>
    </message>
    <message>
        <source>2025 年目标 {v}</source>
        <translation>2025 target {v}</translation>
    </message>
    <message>
        <source>预警 {w} · 告警 {a}</source>
        <translation>warning {w} · alarm {a}</translation>
    </message>
    <message>
        <source>更新于 {t}</source>
        <translation>Updated {t}</translation>
    </message>
    <message>
        <source>数据未按时更新（应每 {s} 秒更新）</source>
        <translation>Not updated on time (expected every {s} s)</translation>
    </message>
    <message>
        <source>数据滞后 · 截至 {t}</source>
        <translation>Stale · as of {t}</translation>
    </message>
    <message>
        <source>目标 {v}</source>
        <translation>Target {v}</translation>
    </message>
    <message>
        <source>超告警线</source>
        <translation>Above alarm line</translation>
    </message>
    <message>
        <source>超预警线</source>
        <translation>Above warning line</translation>
    </message>
    <message>
        <source>正常</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>暂无数据</source>
        <translation>No data</translation>
    </message>
    <message>
        <source>分街道</source>
        <translation>By street</translation>
    </message>
    <message>
        <source>暂无分街道数据</source>
        <translation>No figures by street</translation>
    </message>
    <message>
        <source>1 小时</source>
        <translation>1 h</translation>
    </message>
    <message>
        <source>24 小时</source>
        <translation>24 h</translation>
    </message>
    <message>
        <source>7 天</source>
        <translation>7 d</translation>
    </message>
    <message>
        <source>30 天</source>
        <translation>30 d</translation>
    </message>
    <message>
        <source>导出图片</source>
        <translation>Export image</translation>
    </message>
    <message>
        <source>导出数据</source>
        <translation>Export data</translation>
    </message>
    <message>
        <source>由本地告警数据计算</source>
        <translation>Computed from the local alert data</translation>
    </message>
    <message>
        <source>预警线</source>
        <translation>Warning line</translation>
    </message>
    <message>
        <source>告警线</source>
        <translation>Alarm line</translation>
    </message>
    <message>
        <source>2025 目标</source>
        <translation>2025 target</translation>
    </message>
    <message>
        <source>抽样显示</source>
        <translation>Sampled</translation>
    </message>
    <message>
        <source>全区</source>
        <translation>District</translation>
    </message>
    <message>
        <source>该指标按全区统计，无分街道数值</source>
        <translation>This indicator is district-wide; no figures by street</translation>
    </message>
    <message>
        <source>导出指标面板图片</source>
        <translation>Export indicator panel image</translation>
    </message>
    <message>
        <source>PNG 图片 (*.png)</source>
        <translation>PNG images (*.png)</translation>
    </message>
    <message>
        <source>导出指标数据</source>
        <translation>Export indicator data</translation>
    </message>
    <message>
        <source>CSV 表格 (*.csv)</source>
        <translation>CSV tables (*.csv)</translation>
    </message>
    <message>
        <source>已导出 {name}</source>
        <translation>Exported {name}</translation>
    </message>
</context>
<context>
    <name>IndicatorUnit</name>
    <message>
        <source>件</source>
        <translation>cases</translation>
    </message>
    <message>
        <source>个</source>
        <translation>units</translation>
    </message>
    <message>
        <source>人</source>
        <translation>people</translation>
    </message>
    <message>
        <source>名</source>
        <translation>people</translation>
    </message>
    <message>
        <source>项</source>
        <translation>items</translation>
    </message>
    <message>
        <source>分钟</source>
        <translation>min</translation>
    </message>
    <message>
        <source>公里</source>
        <translation>km</translation>
    </message>
    <message>
        <source>平方公里</source>
        <translation>km²</translation>
    </message>
    <message>
        <source>路</source>
        <translation>channels</translation>
    </message>
    <message>
        <source>台</source>
        <translation>units</translation>
    </message>
    <message>
        <source>次</source>
        <translation>times</translation>
    </message>
    <message>
        <source>处</source>
        <translation>sites</translation>
    </message>
</context>
<context>
    <name>LayerPanel</name>
    <message>
        <source>；坐标疑为 GCJ-02</source>
        <translation>; coordinates look like GCJ-02</translation>
    </message>
    <message>
        <source>注意：</source>
        <translation>Note: </translation>
    </message>
    <message>
        <source>搜索图层…</source>
        <translation>Search layers…</translation>
    </message>
    <message>
        <source>图层</source>
        <translation>Layer</translation>
    </message>
    <message>
        <source>要素</source>
        <translation>Features</translation>
    </message>
    <message>
        <source>透明度</source>
        <translation>Opacity</translation>
    </message>
    <message>
        <source>所选图层的不透明度</source>
        <translation>Opacity of the selected layer</translation>
    </message>
    <message>
        <source>导入 GeoJSON…</source>
        <translation>Import GeoJSON…</translation>
    </message>
    <message>
        <source>从文件导入 GeoJSON 图层（也可把文件拖到此处）</source>
        <translation>Import a GeoJSON layer from a file (or drop the file here)</translation>
    </message>
    <message>
        <source>行政区划</source>
        <translation>Administrative boundaries</translation>
    </message>
    <message>
        <source>交通</source>
        <translation>Transport</translation>
    </message>
    <message>
        <source>水系</source>
        <translation>Water</translation>
    </message>
    <message>
        <source>应急资源</source>
        <translation>Emergency resources</translation>
    </message>
    <message>
        <source>导入图层</source>
        <translation>Imported layers</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>导入 GeoJSON 图层</source>
        <translation>Import a GeoJSON layer</translation>
    </message>
    <message>
        <source>GeoJSON 文件 (*.geojson *.json)</source>
        <translation>GeoJSON files (*.geojson *.json)</translation>
    </message>
    <message>
        <source>{name} 有 {n} 处错误，未导入：</source>
        <translation>{name} has {n} errors and was not imported:</translation>
    </message>
    <message>
        <source>已导入 {name}：{n} 个要素</source>
        <translation>Imported {name}: {n} features</translation>
    </message>
    <message>
        <source>（{n} 条提示）</source>
        <translation> ({n} notes)</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>注销</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>{name}（{user}）</source>
        <translation>{name} ({user})</translation>
    </message>
    <message>
        <source>登录已失效</source>
        <translation>Session expired</translation>
    </message>
    <message>
        <source>请重新输入密码登录。未发送的指令已保留，登录后将自动发送。</source>
        <translation>Enter your password to sign in again. Unsent commands are kept and will be sent after you sign in.</translation>
    </message>
    <message>
        <source>重新登录</source>
        <translation>Sign in again</translation>
    </message>
    <message>
        <source>值班台已锁定</source>
        <translation>Console locked</translation>
    </message>
    <message>
        <source>请输入密码解锁（Ctrl+Shift+L 可随时锁定）</source>
        <translation>Enter your password to unlock (Ctrl+Shift+L locks at any time)</translation>
    </message>
    <message>
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>请输入密码</source>
        <translation>Enter your password</translation>
    </message>
    <message>
        <source>正在登录…</source>
        <translation>Signing in…</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>登录 · 坪山区城市运行指挥中心</source>
        <translation>Sign in · Pingshan City Operations Command Centre</translation>
    </message>
    <message>
        <source>坪山区城市运行指挥中心 · 值班台</source>
        <translation>Pingshan City Operations Command Centre · Duty Console</translation>
    </message>
    <message>
        <source>请使用统一身份账号登录</source>
        <translation>Sign in with your unified identity account</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>网关</source>
        <translation>Gateway</translation>
    </message>
    <message>
        <source>请输入用户名和密码</source>
        <translation>Enter your user name and password</translation>
    </message>
    <message>
        <source>正在登录…</source>
        <translation>Signing in…</translation>
    </message>
    <message>
        <source>登录失败：{error}</source>
        <translation>Sign-in failed: {error}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>坪山区城市运行指挥中心 · 值班台</source>
        <translation>Pingshan City Operations Command Centre · Duty Console</translation>
    </message>
    <message>
        <source>地图模块未能加载</source>
        <translation>Map module could not be loaded</translation>
    </message>
    <message>
        <source>视频墙模块未能加载</source>
        <translation>Video wall module could not be loaded</translation>
    </message>
    <message>
        <source>地图</source>
        <translation>Map</translation>
    </message>
    <message>
        <source>视频墙</source>
        <translation>Video wall</translation>
    </message>
    <message>
        <source>告警队列</source>
        <translation>Alert queue</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <source>离线 — 数据截至 {t}</source>
        <translation>Offline — data as of {t}</translation>
    </message>
    <message>
        <source>（正在重连…）</source>
        <translation> (reconnecting…)</translation>
    </message>
    <message>
        <source>摄像机目录未能加载</source>
        <translation>The camera directory could not be loaded</translation>
    </message>
    <message>
        <source>摄像机目录</source>
        <translation>Cameras</translation>
    </message>
    <message>
        <source>关于</source>
        <translation>About</translation>
    </message>
    <message>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>文件(&amp;F)</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>（本地日志无法写入，暂停接收）</source>
        <translation> (local journal cannot be written: intake paused)</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>视图(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>全屏</source>
        <translation>Full screen</translation>
    </message>
    <message>
        <source>转到{name}</source>
        <translation>Go to {name}</translation>
    </message>
    <message>
        <source>显示面板</source>
        <translation>Panels</translation>
    </message>
    <message>
        <source>恢复默认布局</source>
        <translation>Restore default layout</translation>
    </message>
    <message>
        <source>地图(&amp;M)</source>
        <translation>&amp;Map</translation>
    </message>
    <message>
        <source>告警(&amp;A)</source>
        <translation>&amp;Alerts</translation>
    </message>
    <message>
        <source>导入 CAP 预警文件…</source>
        <translation>Import CAP warning file…</translation>
    </message>
    <message>
        <source>导出告警清单（CSV）…</source>
        <translation>Export alert list (CSV)…</translation>
    </message>
    <message>
        <source>生成值班交接…</source>
        <translation>Shift handover report…</translation>
    </message>
    <message>
        <source>红橙告警闪烁提醒</source>
        <translation>Flash new red/orange alerts</translation>
    </message>
    <message>
        <source>红橙告警声音提醒</source>
        <translation>Sound for new red/orange alerts</translation>
    </message>
    <message>
        <source>帮助(&amp;H)</source>
        <translation>&amp;Help</translation>
    </message>
</context>
<context>
    <name>MapPage</name>
    <message>
        <source>坪山区 · 态势一张图</source>
        <translation>Pingshan District · Situation Map</translation>
    </message>
    <message>
        <source>图层 {layers} · 告警 {alerts}</source>
        <translation>Layers {layers} · Alerts {alerts}</translation>
    </message>
    <message>
        <source> · 设备 {n}</source>
        <translation> · Devices {n}</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <source>点位</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>视频</source>
        <translation>Video</translation>
    </message>
    <message>
        <source>设备</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>待签收红色预警</source>
        <translation>Red, not yet acknowledged</translation>
    </message>
    <message>
        <source>聚合</source>
        <translation>Clusters</translation>
    </message>
    <message>
        <source>（圆内为个数，点击放大）</source>
        <translation> (count inside; click to zoom in)</translation>
    </message>
    <message>
        <source>离线地图</source>
        <translation>Offline map</translation>
    </message>
    <message>
        <source>东经 —  北纬 —</source>
        <translation>Lon —  Lat —</translation>
    </message>
    <message>
        <source>东经 {lon}°  北纬 {lat}°</source>
        <translation>Lon {lon}°E  Lat {lat}°N</translation>
    </message>
    <message>
        <source>红</source>
        <translation>Red</translation>
    </message>
    <message>
        <source>橙</source>
        <translation>Orange</translation>
    </message>
    <message>
        <source>黄</source>
        <translation>Yellow</translation>
    </message>
    <message>
        <source>蓝</source>
        <translation>Blue</translation>
    </message>
    <message>
        <source>红色预警</source>
        <translation>Red warning</translation>
    </message>
    <message>
        <source>橙色预警</source>
        <translation>Orange warning</translation>
    </message>
    <message>
        <source>黄色预警</source>
        <translation>Yellow warning</translation>
    </message>
    <message>
        <source>蓝色预警</source>
        <translation>Blue warning</translation>
    </message>
    <message>
        <source>待签收</source>
        <translation>To acknowledge</translation>
    </message>
    <message>
        <source>已签收</source>
        <translation>Acknowledged</translation>
    </message>
    <message>
        <source>已分拨</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <source>处置中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>已闭环</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>故障</source>
        <translation>Fault</translation>
    </message>
    <message>
        <source>河道水位</source>
        <translation>River level</translation>
    </message>
    <message>
        <source>内涝积水</source>
        <translation>Waterlogging</translation>
    </message>
    <message>
        <source>雨量</source>
        <translation>Rain gauge</translation>
    </message>
    <message>
        <source>边坡位移</source>
        <translation>Slope displacement</translation>
    </message>
    <message>
        <source>空气质量</source>
        <translation>Air quality</translation>
    </message>
    <message>
        <source>噪声</source>
        <translation>Noise</translation>
    </message>
    <message>
        <source>烟感</source>
        <translation>Smoke detector</translation>
    </message>
    <message>
        <source>消火栓水压</source>
        <translation>Hydrant pressure</translation>
    </message>
    <message>
        <source>井盖</source>
        <translation>Manhole cover</translation>
    </message>
    <message>
        <source>道路</source>
        <translation>Road</translation>
    </message>
    <message>
        <source>河道</source>
        <translation>River</translation>
    </message>
    <message>
        <source>边坡</source>
        <translation>Slope</translation>
    </message>
    <message>
        <source>公园</source>
        <translation>Park</translation>
    </message>
    <message>
        <source>森林防火</source>
        <translation>Forest fire</translation>
    </message>
    <message>
        <source>公共建筑</source>
        <translation>Public building</translation>
    </message>
    <message>
        <source>救援队伍</source>
        <translation>Rescue team</translation>
    </message>
    <message>
        <source>避难场所</source>
        <translation>Shelter</translation>
    </message>
    <message>
        <source>物资仓库</source>
        <translation>Supply depot</translation>
    </message>
    <message>
        <source>队</source>
        <translation>T</translation>
    </message>
    <message>
        <source>避</source>
        <translation>S</translation>
    </message>
    <message>
        <source>库</source>
        <translation>D</translation>
    </message>
    <message>
        <source>资</source>
        <translation>R</translation>
    </message>
    <message>
        <source>应急资源</source>
        <translation>Emergency resources</translation>
    </message>
    <message>
        <source>人员 {n} 人</source>
        <translation>Staff: {n}</translation>
    </message>
    <message>
        <source>可容纳 {n} 人</source>
        <translation>Capacity: {n} people</translation>
    </message>
    <message>
        <source>{kind}监控</source>
        <translation>{kind} camera</translation>
    </message>
    <message>
        <source>云台</source>
        <translation>PTZ</translation>
    </message>
    <message>
        <source>点击上墙播放，或拖到视频墙的画面上</source>
        <translation>Click to play on the wall, or drag onto a video wall tile</translation>
    </message>
    <message>
        <source>视频监控 {n} 路</source>
        <translation>{n} cameras</translation>
    </message>
    <message>
        <source>物联设备 {n} 个</source>
        <translation>{n} IoT devices</translation>
    </message>
    <message>
        <source>离线 {n}</source>
        <translation>{n} offline</translation>
    </message>
    <message>
        <source>故障 {n}</source>
        <translation>{n} faulty</translation>
    </message>
    <message>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message>
        <source>点击放大</source>
        <translation>Click to zoom in</translation>
    </message>
    <message>
        <source>{level}级响应</source>
        <translation>Level {level} response</translation>
    </message>
    <message>
        <source>{m} 米</source>
        <translation>{m} m</translation>
    </message>
    <message>
        <source>{km} 公里</source>
        <translation>{km} km</translation>
    </message>
    <message>
        <source>起点</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>总长 {d}</source>
        <translation>Total {d}</translation>
    </message>
</context>
<context>
    <name>MapPanel</name>
    <message>
        <source>态势地图</source>
        <translation>Situation map</translation>
    </message>
    <message>
        <source>物联设备</source>
        <translation>IoT devices</translation>
    </message>
    <message>
        <source>全区</source>
        <translation>Whole district</translation>
    </message>
    <message>
        <source>态势地图 · 加载中…</source>
        <translation>Situation map · loading…</translation>
    </message>
    <message>
        <source>定位到街道或社区（Ctrl+Shift+G）</source>
        <translation>Jump to a street or community (Ctrl+Shift+G)</translation>
    </message>
    <message>
        <source>缩放到坪山区全域（Home）</source>
        <translation>Zoom to the whole of Pingshan District (Home)</translation>
    </message>
    <message>
        <source>在地图上显示/隐藏物联感知设备（Ctrl+Shift+I）</source>
        <translation>Show/hide IoT sensing devices on the map (Ctrl+Shift+I)</translation>
    </message>
    <message>
        <source>周边</source>
        <translation>Nearby</translation>
    </message>
    <message>
        <source>以选中告警（或地图中心）为圆心画 500 米 / 1 公里 / 3 公里范围圈，列出周边资源（Ctrl+Shift+R；右键地图任一点亦可）</source>
        <translation>Draw 500 m / 1 km / 3 km rings around the selected alert (or the map centre) and list what is nearby (Ctrl+Shift+R; or right-click any point on the map)</translation>
    </message>
    <message>
        <source>测距</source>
        <translation>Measure</translation>
    </message>
    <message>
        <source>测量距离：依次点击地图，Esc 结束（Ctrl+Shift+M）</source>
        <translation>Measure a distance: click points on the map, Esc to finish (Ctrl+Shift+M)</translation>
    </message>
    <message>
        <source>图层</source>
        <translation>Layers</translation>
    </message>
    <message>
        <source>图层目录：分类、搜索、开关、透明度、导入 GeoJSON（Ctrl+Shift+B）</source>
        <translation>Layer catalogue: categories, search, toggle, opacity, GeoJSON import (Ctrl+Shift+B)</translation>
    </message>
    <message>
        <source>离线区域…</source>
        <translation>Offline area…</translation>
    </message>
    <message>
        <source>准备离线区域：下载一个范围的底图瓦片（Ctrl+Shift+O）</source>
        <translation>Prepare an offline area: download the base-map tiles of an area (Ctrl+Shift+O)</translation>
    </message>
    <message>
        <source>距离</source>
        <translation>Distance</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>按距离排列；双击视频监控上墙播放，双击其他项在地图上定位</source>
        <translation>Nearest first; double-click a camera to play it on the video wall, anything else to locate it on the map</translation>
    </message>
    <message>
        <source>准备离线区域…</source>
        <translation>Prepare offline area…</translation>
    </message>
    <message>
        <source>导入 GeoJSON 图层…</source>
        <translation>Import GeoJSON layer…</translation>
    </message>
    <message>
        <source>导入离线地图包（MBTiles）…</source>
        <translation>Import offline map package (MBTiles)…</translation>
    </message>
    <message>
        <source>图层目录</source>
        <translation>Layer catalogue</translation>
    </message>
    <message>
        <source>周边范围圈（500 米 / 1 公里 / 3 公里）</source>
        <translation>Radius rings (500 m / 1 km / 3 km)</translation>
    </message>
    <message>
        <source>缩放到全区</source>
        <translation>Zoom to the district</translation>
    </message>
    <message>
        <source>导入离线地图包</source>
        <translation>Import offline map package</translation>
    </message>
    <message>
        <source>MBTiles 文件 (*.mbtiles)</source>
        <translation>MBTiles files (*.mbtiles)</translation>
    </message>
    <message>
        <source>正在导入离线地图包…</source>
        <translation>Importing the offline map package…</translation>
    </message>
    <message>
        <source>导入失败：{e}</source>
        <translation>Import failed: {e}</translation>
    </message>
    <message>
        <source>地图页面加载失败</source>
        <translation>The map page failed to load</translation>
    </message>
    <message>
        <source>离线地图</source>
        <translation>Offline map</translation>
    </message>
    <message>
        <source>瓦片服务不可达：地图显示本地缓存的瓦片</source>
        <translation>Tile service unreachable: the map shows locally cached tiles</translation>
    </message>
    <message>
        <source>选定点</source>
        <translation>Chosen point</translation>
    </message>
    <message>
        <source>区中心</source>
        <translation>District centre</translation>
    </message>
    <message>
        <source>测距：{d}</source>
        <translation>Distance: {d}</translation>
    </message>
    <message>
        <source>视频监控</source>
        <translation>Cameras</translation>
    </message>
    <message>
        <source>应急资源</source>
        <translation>Emergency resources</translation>
    </message>
    <message>
        <source>救援队伍</source>
        <translation>Rescue team</translation>
    </message>
    <message>
        <source>避难场所</source>
        <translation>Shelter</translation>
    </message>
    <message>
        <source>物资仓库</source>
        <translation>Supply depot</translation>
    </message>
    <message>
        <source>{title}（{n}）</source>
        <translation>{title} ({n})</translation>
    </message>
    <message>
        <source>{m} 米</source>
        <translation>{m} m</translation>
    </message>
    <message>
        <source>{km} 公里</source>
        <translation>{km} km</translation>
    </message>
    <message>
        <source>定位到…</source>
        <translation>Jump to…</translation>
    </message>
    <message>
        <source>态势地图 · 图层 {layers} · 告警 {alerts}</source>
        <translation>Situation map · layers {layers} · alerts {alerts}</translation>
    </message>
</context>
<context>
    <name>NoteDialog</name>
    <message>
        <source>指挥日志 · 速记</source>
        <translation>Command log · quick note</translation>
    </message>
    <message>
        <source>决定、通话、现场情况……回车记录</source>
        <translation>Decision, call, situation on scene… Enter to record</translation>
    </message>
    <message>
        <source>记入：{t}</source>
        <translation>To: {t}</translation>
    </message>
    <message>
        <source>记入：值班日志（无战时事件）</source>
        <translation>To: duty log (no wartime incident)</translation>
    </message>
</context>
<context>
    <name>OfflineAreaDialog</name>
    <message>
        <source>准备离线区域</source>
        <translation>Prepare offline area</translation>
    </message>
    <message>
        <source>全区（坪山区）</source>
        <translation>Whole district (Pingshan)</translation>
    </message>
    <message>
        <source>自定义范围</source>
        <translation>Custom extent</translation>
    </message>
    <message>
        <source>西</source>
        <translation>W</translation>
    </message>
    <message>
        <source>南</source>
        <translation>S</translation>
    </message>
    <message>
        <source>东</source>
        <translation>E</translation>
    </message>
    <message>
        <source>北</source>
        <translation>N</translation>
    </message>
    <message>
        <source>开始下载</source>
        <translation>Download</translation>
    </message>
    <message>
        <source>下载所选范围的瓦片（Enter）；已缓存的跳过，可随时继续</source>
        <translation>Download the tiles of the chosen area (Enter); cached tiles are skipped, you can resume at any time</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>停止下载，已下载的瓦片保留（Esc）</source>
        <translation>Stop downloading; downloaded tiles are kept (Esc)</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>区域</source>
        <translation>Area</translation>
    </message>
    <message>
        <source>范围（经纬度）</source>
        <translation>Extent (lon/lat)</translation>
    </message>
    <message>
        <source>缩放级别</source>
        <translation>Zoom levels</translation>
    </message>
    <message>
        <source>预计</source>
        <translation>Estimate</translation>
    </message>
    <message>
        <source>未配置瓦片服务：只能使用已缓存或导入的瓦片</source>
        <translation>No tile service configured: only cached or imported tiles can be used</translation>
    </message>
    <message>
        <source>正在下载…</source>
        <translation>Downloading…</translation>
    </message>
    <message>
        <source>正在取消…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>下载失败：{e}</source>
        <translation>Download failed: {e}</translation>
    </message>
    <message>
        <source>继续下载</source>
        <translation>Resume download</translation>
    </message>
    <message>
        <source>已取消：已下载 {n} 块（{size}），点“继续下载”从中断处续传</source>
        <translation>Cancelled: {n} tiles done ({size}); click &quot;Resume download&quot; to continue where it stopped</translation>
    </message>
    <message>
        <source>重试失败的瓦片</source>
        <translation>Retry failed tiles</translation>
    </message>
    <message>
        <source>完成，但有 {f} 块失败（网络不可达？）；可重试</source>
        <translation>Finished, but {f} tiles failed (network unreachable?); you can retry</translation>
    </message>
    <message>
        <source>完成：{total} 块瓦片已在本地（新下载 {n} 块，{size}）</source>
        <translation>Done: {total} tiles are local ({n} newly downloaded, {size})</translation>
    </message>
    <message>
        <source>进度 {done}/{total}：新下载 {n} 块 {size}，已有 {s} 块，失败 {f} 块</source>
        <translation>Progress {done}/{total}: {n} downloaded ({size}), {s} already cached, {f} failed</translation>
    </message>
    <message>
        <source>缩放级别：起始不能大于结束</source>
        <translation>Zoom levels: the first cannot be greater than the last</translation>
    </message>
    <message>
        <source>共 {t} 块瓦片（已缓存 {c}），需下载 {d} 块，约 {size}</source>
        <translation>{t} tiles ({c} cached), {d} to download, about {size}</translation>
    </message>
</context>
<context>
    <name>PanelFrame</name>
    <message>
        <source>{title}（临时：{home} 屏幕断开）</source>
        <translation>{title} (temporary: screen {home} disconnected)</translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <source>选择本机配置</source>
        <translation>Choose this workstation&apos;s profile</translation>
    </message>
    <message>
        <source>首次启动：请选择本工作站所属的指挥中心。之后可用 --profile 参数更改。</source>
        <translation>First start: choose the command centre this workstation belongs to. Change it later with --profile.</translation>
    </message>
    <message>
        <source>区级</source>
        <translation>District</translation>
    </message>
    <message>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <source>部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>使用此配置</source>
        <translation>Use this profile</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>ReportsMenu</name>
    <message>
        <source>打开报告…</source>
        <translation>Open report…</translation>
    </message>
    <message>
        <source>打开报告文件夹</source>
        <translation>Open reports folder</translation>
    </message>
    <message>
        <source>最近的报告</source>
        <translation>Recent reports</translation>
    </message>
    <message>
        <source>（还没有报告）</source>
        <translation>(no reports yet)</translation>
    </message>
    <message>
        <source>报告不存在：{p}</source>
        <translation>Report not found: {p}</translation>
    </message>
    <message>
        <source>已打开报告：{p}</source>
        <translation>Opened report: {p}</translation>
    </message>
    <message>
        <source>无法打开报告（没有可用的查看程序）：{p}</source>
        <translation>Cannot open the report (no viewer available): {p}</translation>
    </message>
    <message>
        <source>报告文件夹：{p}</source>
        <translation>Reports folder: {p}</translation>
    </message>
    <message>
        <source>无法打开报告文件夹：{p}</source>
        <translation>Cannot open the reports folder: {p}</translation>
    </message>
    <message>
        <source>打开报告</source>
        <translation>Open report</translation>
    </message>
    <message>
        <source>报告 (*.html *.pdf *.md *.csv);;所有文件 (*)</source>
        <translation>Reports (*.html *.pdf *.md *.csv);;All files (*)</translation>
    </message>
</context>
<context>
    <name>SessionControls</name>
    <message>
        <source>只读席位</source>
        <translation>Viewer</translation>
    </message>
    <message>
        <source>值班员</source>
        <translation>Duty operator</translation>
    </message>
    <message>
        <source>值班长</source>
        <translation>Duty supervisor</translation>
    </message>
    <message>
        <source>系统管理员</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>账户(&amp;U)</source>
        <translation>&amp;Account</translation>
    </message>
    <message>
        <source>当前用户：{who}</source>
        <translation>Signed in: {who}</translation>
    </message>
    <message>
        <source>锁定屏幕</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <source>注销…</source>
        <translation>Sign out…</translation>
    </message>
    <message>
        <source>{street}街道</source>
        <translation>{street} Subdistrict</translation>
    </message>
    <message>
        <source>注销</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>注销后将停止接收数据，本地缓存保留。确定注销吗？</source>
        <translation>Signing out stops receiving data; the local cache is kept. Sign out?</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>接班完成</source>
        <translation>Shift taken over</translation>
    </message>
    <message>
        <source>{incoming} 已确认接班。
本席位仍以 {outgoing} 的身份登录，此后的操作都会记在 {outgoing} 名下。
现在注销，由 {incoming} 登录吗？</source>
        <translation>{incoming} has acknowledged the handover.
This seat is still signed in as {outgoing}: everything done from now on is recorded under {outgoing}&apos;s name.
Sign out now so that {incoming} can sign in?</translation>
    </message>
    <message>
        <source>注销并由接班人登录</source>
        <translation>Sign out for the incoming officer</translation>
    </message>
    <message>
        <source>稍后</source>
        <translation>Later</translation>
    </message>
</context>
<context>
    <name>ShortcutHelp</name>
    <message>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>面板</source>
        <translation>Panel</translation>
    </message>
    <message>
        <source>功能</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>面板快捷键在该面板获得焦点时生效；Ctrl+1…5 切换面板焦点。</source>
        <translation>Panel keys work while that panel has the focus; Ctrl+1…5 move the focus between panels.</translation>
    </message>
    <message>
        <source>地图</source>
        <translation>Map</translation>
    </message>
    <message>
        <source>视频墙</source>
        <translation>Video wall</translation>
    </message>
    <message>
        <source>摄像机目录</source>
        <translation>Camera directory</translation>
    </message>
    <message>
        <source>告警队列</source>
        <translation>Alert queue</translation>
    </message>
    <message>
        <source>战时指挥</source>
        <translation>Wartime command</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <source>演练</source>
        <translation>Drill</translation>
    </message>
    <message>
        <source>融合通信</source>
        <translation>Calls</translation>
    </message>
    <message>
        <source>主窗口</source>
        <translation>Main window</translation>
    </message>
    <message>
        <source>画面布局：{n} 画面</source>
        <translation>Layout: {n} tiles</translation>
    </message>
    <message>
        <source>画面布局：1 大 {n} 小</source>
        <translation>Layout: 1 large + {n} small</translation>
    </message>
    <message>
        <source>图层目录</source>
        <translation>Layer catalogue</translation>
    </message>
    <message>
        <source>测距</source>
        <translation>Measure distance</translation>
    </message>
    <message>
        <source>周边：所选告警（未选时为区中心）的 500 米 / 1 公里 / 3 公里范围圈</source>
        <translation>Nearby: 500 m / 1 km / 3 km rings around the selected alert (the district centre when none)</translation>
    </message>
    <message>
        <source>准备离线区域…</source>
        <translation>Prepare offline area…</translation>
    </message>
    <message>
        <source>显示/隐藏物联设备</source>
        <translation>Show/hide IoT devices</translation>
    </message>
    <message>
        <source>定位到街道或社区…</source>
        <translation>Go to a street or community…</translation>
    </message>
    <message>
        <source>全区</source>
        <translation>Whole district</translation>
    </message>
    <message>
        <source>清除测距、周边等地图工具</source>
        <translation>Clear the map tools (measurement, rings)</translation>
    </message>
    <message>
        <source>放大/还原所选画面</source>
        <translation>Enlarge/restore the selected tile</translation>
    </message>
    <message>
        <source>还原画面</source>
        <translation>Restore the tiles</translation>
    </message>
    <message>
        <source>所选画面截图</source>
        <translation>Snapshot of the selected tile</translation>
    </message>
    <message>
        <source>轮巡：暂停/继续</source>
        <translation>Tour: pause/resume</translation>
    </message>
    <message>
        <source>轮巡：下一组</source>
        <translation>Tour: next group</translation>
    </message>
    <message>
        <source>清空所选画面</source>
        <translation>Clear the selected tile</translation>
    </message>
    <message>
        <source>搜索摄像机（名称、编码）</source>
        <translation>Search cameras (name, code)</translation>
    </message>
    <message>
        <source>收藏/取消收藏摄像机</source>
        <translation>Add/remove camera favourite</translation>
    </message>
    <message>
        <source>签收所选告警（在告警表格中）</source>
        <translation>Acknowledge the selected alert (in the alert table)</translation>
    </message>
    <message>
        <source>签收所选告警</source>
        <translation>Acknowledge the selected alert</translation>
    </message>
    <message>
        <source>整组签收</source>
        <translation>Acknowledge the whole group</translation>
    </message>
    <message>
        <source>分拨</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <source>开始处置</source>
        <translation>Start handling</translation>
    </message>
    <message>
        <source>办结</source>
        <translation>Resolve</translation>
    </message>
    <message>
        <source>闭环</source>
        <translation>Close the loop</translation>
    </message>
    <message>
        <source>升级</source>
        <translation>Escalate</translation>
    </message>
    <message>
        <source>督办</source>
        <translation>Urge</translation>
    </message>
    <message>
        <source>合并</source>
        <translation>Merge</translation>
    </message>
    <message>
        <source>重新打开</source>
        <translation>Reopen</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>搜索告警（标题、描述、地点、单位、备注）</source>
        <translation>Search alerts (title, description, place, unit, notes)</translation>
    </message>
    <message>
        <source>展开/折叠告警风暴</source>
        <translation>Expand/collapse an alarm storm</translation>
    </message>
    <message>
        <source>查看搜索在归档中找到的已闭环告警</source>
        <translation>View the closed alerts the search found in the archive</translation>
    </message>
    <message>
        <source>演练：暂停/继续（任何位置）</source>
        <translation>Drill: pause/resume (anywhere)</translation>
    </message>
    <message>
        <source>演练：下一条注入（任何位置）</source>
        <translation>Drill: next inject (anywhere)</translation>
    </message>
    <message>
        <source>接听来电</source>
        <translation>Answer the incoming call</translation>
    </message>
    <message>
        <source>挂断（呼出时取消，来电时拒接）</source>
        <translation>Hang up (cancel while ringing out, refuse an incoming call)</translation>
    </message>
    <message>
        <source>通话保持/恢复</source>
        <translation>Hold / resume the call</translation>
    </message>
    <message>
        <source>转接到号码框中的号码</source>
        <translation>Transfer to the number in the number box</translation>
    </message>
    <message>
        <source>到号码框（输入号码后回车呼叫）</source>
        <translation>Go to the number box (type a number, Return calls)</translation>
    </message>
    <message>
        <source>云台转动（所选画面为云台摄像机时）</source>
        <translation>PTZ pan/tilt (when the selected tile is a PTZ camera)</translation>
    </message>
    <message>
        <source>云台变焦：拉近 / 拉远</source>
        <translation>PTZ zoom: in / out</translation>
    </message>
    <message>
        <source>所选摄像机上墙</source>
        <translation>Put the selected camera on the wall</translation>
    </message>
    <message>
        <source>切换 预案 / 任务 / 三级联动 / 资源 / 指挥日志</source>
        <translation>Switch Plan / Orders / Three-level linkage / Resources / Command log</translation>
    </message>
    <message>
        <source>在表格、按钮和表单之间移动（表格内用上下键选行）</source>
        <translation>Move between tables, buttons and the form (Up/Down pick rows in a table)</translation>
    </message>
    <message>
        <source>演练：暂停/继续（无控件接收该键时）</source>
        <translation>Drill: pause/resume (when no widget takes the key)</translation>
    </message>
    <message>
        <source>演练：跳到下一条注入</source>
        <translation>Drill: jump to the next inject</translation>
    </message>
    <message>
        <source>演练：加快 / 放慢</source>
        <translation>Drill: faster / slower</translation>
    </message>
    <message>
        <source>（未说明）</source>
        <translation>(not described)</translation>
    </message>
</context>
<context>
    <name>SwitchConfirmBar</name>
    <message>
        <source>切换为战时布局</source>
        <translation>Switch to wartime layout</translation>
    </message>
    <message>
        <source>暂不切换</source>
        <translation>Not now</translation>
    </message>
    <message>
        <source>（另有 {n} 起）</source>
        <translation> ({n} more)</translation>
    </message>
    <message>
        <source>网关推送：{title}，{l}级响应（{who}宣布）。是否切换为战时布局？{more}</source>
        <translation>From the gateway: {title}, level {l} response (declared by {who}). Switch to the wartime layout?{more}</translation>
    </message>
    <message>
        <source>上级</source>
        <translation>higher command</translation>
    </message>
</context>
<context>
    <name>VideoTile</name>
    <message>
        <source>未分配</source>
        <translation>Unassigned</translation>
    </message>
    <message>
        <source>连接中</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <source>实时</source>
        <translation>Live</translation>
    </message>
    <message>
        <source>信号中断</source>
        <translation>Signal lost</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>暂停解码</source>
        <translation>Decoding paused</translation>
    </message>
    <message>
        <source>地址错误</source>
        <translation>Bad URL</translation>
    </message>
    <message>
        <source>未分配摄像机</source>
        <translation>No camera assigned</translation>
    </message>
    <message>
        <source>连接中…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <source>设备离线</source>
        <translation>Camera offline</translation>
    </message>
    <message>
        <source>地址错误，无法播放</source>
        <translation>Bad stream address, cannot play</translation>
    </message>
    <message>
        <source>{wait} 秒后重连（第 {n} 次）</source>
        <translation>Reconnecting in {wait} s (attempt {n})</translation>
    </message>
    <message>
        <source>正在重连…</source>
        <translation>Reconnecting…</translation>
    </message>
    <message>
        <source>画面不可见</source>
        <translation>Tile not visible</translation>
    </message>
    <message>
        <source>第三码流</source>
        <translation>Third stream</translation>
    </message>
    <message>
        <source>主码流</source>
        <translation>Main stream</translation>
    </message>
    <message>
        <source>子码流</source>
        <translation>Sub stream</translation>
    </message>
</context>
<context>
    <name>VideoWall</name>
    <message>
        <source>红色预警</source>
        <translation>Red warning</translation>
    </message>
    <message>
        <source>橙色预警</source>
        <translation>Orange warning</translation>
    </message>
    <message>
        <source>视频监控</source>
        <translation>Video surveillance</translation>
    </message>
    <message>
        <source>联动设置未保存：{error}</source>
        <translation>Linkage settings not saved: {error}</translation>
    </message>
    <message>
        <source>截图未保存：请先选中一个有摄像机的画面</source>
        <translation>Snapshot not saved: select a tile with a camera first</translation>
    </message>
    <message>
        <source>截图未保存：{error}</source>
        <translation>Snapshot not saved: {error}</translation>
    </message>
    <message>
        <source>已保存截图：{name}</source>
        <translation>Snapshot saved: {name}</translation>
    </message>
    <message>
        <source>云台指令未提交：{error}</source>
        <translation>PTZ command not submitted: {error}</translation>
    </message>
    <message>
        <source>画面方案未保存：{error}</source>
        <translation>Wall layout not saved: {error}</translation>
    </message>
    <message>
        <source>已保存画面方案：{name}</source>
        <translation>Wall layout saved: {name}</translation>
    </message>
    <message>
        <source>告警联动：{title}，已调取附近 {n} 路视频</source>
        <translation>Alert linkage: {title}, {n} nearby cameras brought up</translation>
    </message>
    <message>
        <source>未知的摄像机：{id}</source>
        <translation>Unknown camera: {id}</translation>
    </message>
    <message>
        <source>画面 {name}</source>
        <translation>Layout {name}</translation>
    </message>
    <message>
        <source>{level} · {title} · 距 {m} 米 · 待签收</source>
        <translation>{level} · {title} · {m} m away · awaiting acknowledgement</translation>
    </message>
    <message>
        <source>画面布局（Alt+1 … Alt+9）</source>
        <translation>Wall layout (Alt+1 … Alt+9)</translation>
    </message>
    <message>
        <source>{n} 画面</source>
        <translation>{n} tiles</translation>
    </message>
    <message>
        <source>1 大 {n} 小</source>
        <translation>1 large + {n} small</translation>
    </message>
    <message>
        <source>轮巡</source>
        <translation>Tour</translation>
    </message>
    <message>
        <source>轮巡：T 暂停/继续，N 下一组</source>
        <translation>Tour: T pause/resume, N next</translation>
    </message>
    <message>
        <source>画面方案</source>
        <translation>Wall layouts</translation>
    </message>
    <message>
        <source>告警联动</source>
        <translation>Alert linkage</translation>
    </message>
    <message>
        <source>红色、橙色预警自动调取附近摄像机</source>
        <translation>Red and orange warnings bring up the nearest cameras</translation>
    </message>
    <message>
        <source>截图</source>
        <translation>Snapshot</translation>
    </message>
    <message>
        <source>保存选中画面的截图（Ctrl+Shift+S）</source>
        <translation>Save a snapshot of the selected tile (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <source>整墙</source>
        <translation>whole wall</translation>
    </message>
    <message>
        <source>单画面</source>
        <translation>one tile</translation>
    </message>
    <message>
        <source>{name}（{where}，{s} 秒）</source>
        <translation>{name} ({where}, {s} s)</translation>
    </message>
    <message>
        <source>收藏摄像机（整墙，10 秒）</source>
        <translation>Favourite cameras (whole wall, 10 s)</translation>
    </message>
    <message>
        <source>收藏摄像机</source>
        <translation>Favourite cameras</translation>
    </message>
    <message>
        <source>收藏摄像机（选中画面，10 秒）</source>
        <translation>Favourite cameras (selected tile, 10 s)</translation>
    </message>
    <message>
        <source>全部在线摄像机（整墙，10 秒）</source>
        <translation>All online cameras (whole wall, 10 s)</translation>
    </message>
    <message>
        <source>全部在线</source>
        <translation>All online</translation>
    </message>
    <message>
        <source>暂停 / 继续	T</source>
        <translation>Pause / resume	T</translation>
    </message>
    <message>
        <source>下一组	N</source>
        <translation>Next	N</translation>
    </message>
    <message>
        <source>停止轮巡</source>
        <translation>Stop tour</translation>
    </message>
    <message>
        <source>将当前画面存为轮巡分组…</source>
        <translation>Save the shown cameras as a tour group…</translation>
    </message>
    <message>
        <source>启用告警联动</source>
        <translation>Enable alert linkage</translation>
    </message>
    <message>
        <source>半径 {m} 米</source>
        <translation>Radius {m} m</translation>
    </message>
    <message>
        <source>调取到前 {n} 个画面</source>
        <translation>Onto the first {n} tiles</translation>
    </message>
    <message>
        <source>保存当前画面方案…</source>
        <translation>Save the current wall layout…</translation>
    </message>
    <message>
        <source>名称：</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>保存画面方案</source>
        <translation>Save wall layout</translation>
    </message>
    <message>
        <source>轮巡分组未保存：{error}</source>
        <translation>Tour group not saved: {error}</translation>
    </message>
    <message>
        <source>已保存轮巡分组：{name}</source>
        <translation>Tour group saved: {name}</translation>
    </message>
    <message>
        <source>保存轮巡分组</source>
        <translation>Save tour group</translation>
    </message>
    <message>
        <source>轮巡中：{name}</source>
        <translation>Touring: {name}</translation>
    </message>
    <message>
        <source>轮巡已暂停：{name}</source>
        <translation>Tour paused: {name}</translation>
    </message>
    <message>
        <source>放大 / 还原	Enter</source>
        <translation>Enlarge / restore	Enter</translation>
    </message>
    <message>
        <source>截图	Ctrl+Shift+S</source>
        <translation>Snapshot	Ctrl+Shift+S</translation>
    </message>
    <message>
        <source>云台</source>
        <translation>PTZ</translation>
    </message>
    <message>
        <source>左转	←</source>
        <translation>Pan left	←</translation>
    </message>
    <message>
        <source>右转	→</source>
        <translation>Pan right	→</translation>
    </message>
    <message>
        <source>上仰	↑</source>
        <translation>Tilt up	↑</translation>
    </message>
    <message>
        <source>下俯	↓</source>
        <translation>Tilt down	↓</translation>
    </message>
    <message>
        <source>放大	+</source>
        <translation>Zoom in	+</translation>
    </message>
    <message>
        <source>缩小	-</source>
        <translation>Zoom out	-</translation>
    </message>
    <message>
        <source>清空画面	Delete</source>
        <translation>Clear tile	Delete</translation>
    </message>
</context>
<context>
    <name>WallController</name>
    <message>
        <source>地图</source>
        <translation>Map</translation>
    </message>
    <message>
        <source>视频墙</source>
        <translation>Video wall</translation>
    </message>
    <message>
        <source>告警队列</source>
        <translation>Alert queue</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <source>{panel} → {screen}</source>
        <translation>{panel} → {screen}</translation>
    </message>
    <message>
        <source>{panel} 无处显示</source>
        <translation>{panel} has no screen</translation>
    </message>
    <message>
        <source>大屏 {screens} 未连接：{moves}</source>
        <translation>Wall screen {screens} not connected: {moves}</translation>
    </message>
    <message>
        <source>地图 · 态势一张图</source>
        <translation>Map · common operating picture</translation>
    </message>
    <message>
        <source>大屏 {n}</source>
        <translation>Wall screen {n}</translation>
    </message>
    <message>
        <source>画面 {n}</source>
        <translation>Tile {n}</translation>
    </message>
    <message>
        <source>轮巡已暂停</source>
        <translation>Camera tour paused</translation>
    </message>
    <message>
        <source>轮巡继续</source>
        <translation>Camera tour resumed</translation>
    </message>
    <message>
        <source>模块未能加载</source>
        <translation>Module could not be loaded</translation>
    </message>
</context>
<context>
    <name>WallSettingsDialog</name>
    <message>
        <source>大屏设置…</source>
        <translation>Wall settings…</translation>
    </message>
    <message>
        <source>大屏设置仅限系统管理员席位</source>
        <translation>Wall settings are for the administrator&apos;s seat only</translation>
    </message>
    <message>
        <source>大屏配置未能保存到 {path}：{reason}</source>
        <translation>Wall configuration could not be saved to {path}: {reason}</translation>
    </message>
    <message>
        <source>大屏设置</source>
        <translation>Wall settings</translation>
    </message>
    <message>
        <source>屏幕</source>
        <translation>Screen</translation>
    </message>
    <message>
        <source>面板</source>
        <translation>Panels</translation>
    </message>
    <message>
        <source>视频布局</source>
        <translation>Video grid</translation>
    </message>
    <message>
        <source>轮巡间隔（秒，0 = 不轮巡）</source>
        <translation>Tour interval (s, 0 = no tour)</translation>
    </message>
    <message>
        <source>添加屏幕</source>
        <translation>Add screen</translation>
    </message>
    <message>
        <source>删除所选屏幕</source>
        <translation>Remove selected screen</translation>
    </message>
    <message>
        <source>（不指定）</source>
        <translation>(not set)</translation>
    </message>
    <message>
        <source>大字体主题</source>
        <translation>Large-font theme</translation>
    </message>
    <message>
        <source>保存并应用</source>
        <translation>Save and apply</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>操作员屏幕</source>
        <translation>Operator screen</translation>
    </message>
    <message>
        <source>地图</source>
        <translation>Map</translation>
    </message>
    <message>
        <source>视频墙</source>
        <translation>Video wall</translation>
    </message>
    <message>
        <source>告警队列</source>
        <translation>Alert queue</translation>
    </message>
    <message>
        <source>指标</source>
        <translation>Indicators</translation>
    </message>
    <message>
        <source>无法保存：{field}：{reason}</source>
        <translation>Cannot save: {field}: {reason}</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <source>坪山区城市运行指挥中心 · 大屏 {name}</source>
        <translation>Pingshan City Operations Command Centre · wall screen {name}</translation>
    </message>
</context>
<context>
    <name>WarBanner</name>
    <message>
        <source>战时指挥</source>
        <translation>Wartime command</translation>
    </message>
    <message>
        <source>记录 Ctrl+Shift+J</source>
        <translation>Note Ctrl+Shift+J</translation>
    </message>
    <message>
        <source>解除响应…</source>
        <translation>Stand down…</translation>
    </message>
    <message>
        <source>切换关注：{t}（Ctrl+PgDown / Ctrl+PgUp）</source>
        <translation>Focus: {t} (Ctrl+PgDown / Ctrl+PgUp)</translation>
    </message>
    <message>
        <source>{l}级响应</source>
        <translation>Level {l} response</translation>
    </message>
    <message>
        <source>宣布指令待网关确认</source>
        <translation>Declaration awaiting the gateway</translation>
    </message>
    <message>
        <source>宣布未被接受：{r}</source>
        <translation>Declaration refused: {r}</translation>
    </message>
    <message>
        <source>解除指令待确认</source>
        <translation>Stand-down awaiting confirmation</translation>
    </message>
    <message>
        <source>已持续 {t}</source>
        <translation>Elapsed {t}</translation>
    </message>
</context>
<context>
    <name>WartimeMode</name>
    <message>
        <source>战时指挥</source>
        <translation>Wartime command</translation>
    </message>
    <message>
        <source>已记入指挥日志</source>
        <translation>Noted in the command log</translation>
    </message>
    <message>
        <source>战时(&amp;W)</source>
        <translation>&amp;Wartime</translation>
    </message>
    <message>
        <source>宣布启动应急响应…</source>
        <translation>Declare an emergency response…</translation>
    </message>
    <message>
        <source>指挥日志速记…</source>
        <translation>Quick command-log note…</translation>
    </message>
    <message>
        <source>下一起事件</source>
        <translation>Next incident</translation>
    </message>
    <message>
        <source>上一起事件</source>
        <translation>Previous incident</translation>
    </message>
    <message>
        <source>转到战时指挥</source>
        <translation>Go to wartime command</translation>
    </message>
    <message>
        <source>解除应急响应…</source>
        <translation>Stand down…</translation>
    </message>
    <message>
        <source>生成总结报告</source>
        <translation>Write after-action report</translation>
    </message>
    <message>
        <source>需值班长权限</source>
        <translation>Needs a supervisor</translation>
    </message>
    <message>
        <source>事件指标</source>
        <translation>Incident metrics</translation>
    </message>
    <message>
        <source>解除应急响应</source>
        <translation>Stand down the emergency response</translation>
    </message>
    <message>
        <source>确认解除「{t}」的{l}级应急响应？
解除后控制台恢复平时布局，并在 {folder} 生成总结报告。</source>
        <translation>Stand down the level {l} response to “{t}”?
The console returns to its peacetime layout and writes the after-action report to {folder}.</translation>
    </message>
    <message>
        <source>解除指令已提交，网关确认后在 {folder} 生成总结报告</source>
        <translation>Stand-down sent; the after-action report is written to {folder} once the gateway confirms</translation>
    </message>
    <message>
        <source>没有可生成报告的事件</source>
        <translation>No incident to report on</translation>
    </message>
    <message>
        <source>总结报告未能生成：{e}</source>
        <translation>After-action report not written: {e}</translation>
    </message>
    <message>
        <source>总结报告已生成：{p}</source>
        <translation>After-action report written: {p}</translation>
    </message>
</context>
<context>
    <name>Watermark</name>
    <message>
        <source>演练</source>
        <translation>DRILL</translation>
    </message>
</context>
<context>
    <name>_DutyDialog</name>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
</TS>
