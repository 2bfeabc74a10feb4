<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
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
        <source>签收</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <source>签收所选告警（Ctrl+Enter 或 空格）</source>
        <translation>Acknowledge the selected alert (Ctrl+Enter or Space)</translation>
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
        <source>共 {total} 条 · 待签收 {new} · 红色 {red}</source>
        <translation>{total} alerts · {new} to acknowledge · {red} red</translation>
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
Ctrl+Enter / 空格  签收所选告警
Ctrl+Q  退出</source>
        <translation>F11  Full screen
Ctrl+1  Map
Ctrl+2  Video wall
Ctrl+3  Alert queue
Ctrl+4  Indicators
Ctrl+Enter / Space  Acknowledge selected alert
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
        <translation type="unfinished">Connecting</translation>
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
        <translation type="unfinished">Offline</translation>
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
