<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
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
        <source>当前状态不能{action}</source>
        <translation>Cannot {action} in the current status</translation>
    </message>
    <message>
        <source>上一条指令尚未确认，请稍候</source>
        <translation>The previous command is not confirmed yet; please wait</translation>
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
    <name>ConsoleApp</name>
    <message>
        <source>内部错误，已记录日志：{detail}</source>
        <translation>Internal error, logged: {detail}</translation>
    </message>
</context>
<context>
    <name>ConsoleStatusBar</name>
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
        <source>回放</source>
        <translation>Replay</translation>
    </message>
    <message>
        <source>演练</source>
        <translation>Drill</translation>
    </message>
    <message>
        <source>连接状态</source>
        <translation>Connection state</translation>
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
        <source>关于</source>
        <translation>About</translation>
    </message>
    <message>
        <source>坪山区城市运行指挥中心 · 值班台
一网统管 · 平战结合
数据来自区级网关或内置演示数据源。</source>
        <translation>Pingshan City Operations Command Centre · Duty Console
Unified operations · peacetime and wartime
Data from the district gateway or the built-in demo feed.</translation>
    </message>
    <message>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>F11  全屏
Ctrl+1  地图
Ctrl+2  视频墙
Ctrl+3  告警队列
Ctrl+4  指标
Ctrl+Enter / 空格  签收所选告警 · Ctrl+Shift+Enter 整组签收
Ctrl+D 分拨 · Ctrl+G 开始处置 · Ctrl+J 办结 · Ctrl+L 闭环
Ctrl+U 升级 · Ctrl+B 督办 · Ctrl+M 合并 · Ctrl+R 重新打开 · Ctrl+N 备注
Ctrl+F 搜索 · Ctrl+E 展开/折叠告警风暴
Ctrl+I 导入CAP · Ctrl+Shift+E 导出CSV · Ctrl+Shift+H 值班交接
Ctrl+Q  退出</source>
        <translation>F11  Full screen
Ctrl+1  Map
Ctrl+2  Video wall
Ctrl+3  Alert queue
Ctrl+4  Indicators
Ctrl+Enter / Space  Acknowledge the selected alert · Ctrl+Shift+Enter acknowledge the group
Ctrl+D Dispatch · Ctrl+G Start · Ctrl+J Resolve · Ctrl+L Close
Ctrl+U Escalate · Ctrl+B Urge · Ctrl+M Merge · Ctrl+R Reopen · Ctrl+N Note
Ctrl+F Search · Ctrl+E Expand/fold alarm storms
Ctrl+I Import CAP · Ctrl+Shift+E Export CSV · Ctrl+Shift+H Shift handover
Ctrl+Q  Quit</translation>
    </message>
    <message>
        <source>文件(&amp;F)</source>
        <translation>&amp;File</translation>
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
        <source>在地图上显示/隐藏物联感知设备</source>
        <translation>Show/hide IoT sensors on the map</translation>
    </message>
    <message>
        <source>全区</source>
        <translation>Whole district</translation>
    </message>
    <message>
        <source>缩放到坪山区全域</source>
        <translation>Zoom to the whole Pingshan district</translation>
    </message>
    <message>
        <source>态势地图 · 加载中…</source>
        <translation>Situation map · loading…</translation>
    </message>
    <message>
        <source>地图页面加载失败</source>
        <translation>The map page failed to load</translation>
    </message>
    <message>
        <source>态势地图 · 图层 {layers} · 告警 {alerts}</source>
        <translation>Situation map · layers {layers} · alerts {alerts}</translation>
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
</context>
<context>
    <name>VideoWall</name>
    <message>
        <source>视频监控</source>
        <translation>Video surveillance</translation>
    </message>
</context>
</TS>
