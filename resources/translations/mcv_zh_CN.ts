<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>EventLogModel</name>
    <message>
        <location filename="../../console/event_log_panel.py" line="69"/>
        <source>Local time</source>
        <translation>本地时间</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="69"/>
        <source>UTC</source>
        <translation>UTC</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="69"/>
        <source>Severity</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="69"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="70"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="70"/>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="94"/>
        <source>info</source>
        <translation>信息</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="94"/>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="94"/>
        <source>ALARM</source>
        <translation>警报</translation>
    </message>
</context>
<context>
    <name>EventLogPanel</name>
    <message>
        <location filename="../../console/event_log_panel.py" line="120"/>
        <source>New log entry — press Enter to add</source>
        <translation>新建日志条目 — 按回车键添加</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="122"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="24"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="25"/>
        <location filename="../../console/event_log_panel.py" line="142"/>
        <source>Situation</source>
        <translation>态势</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="26"/>
        <source>Decision</source>
        <translation>决策</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="27"/>
        <source>Order</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="28"/>
        <source>Safety</source>
        <translation>安全</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="29"/>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="142"/>
        <source>warning</source>
        <translation>警告</translation>
    </message>
</context>
<context>
    <name>LinksModel</name>
    <message>
        <location filename="../../console/links_panel.py" line="42"/>
        <source>Link</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="42"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="42"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="42"/>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="42"/>
        <source>In</source>
        <translation>接收</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="43"/>
        <source>Out</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="43"/>
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="43"/>
        <source>Last seen</source>
        <translation>最近活动</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="61"/>
        <source>disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="61"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="61"/>
        <source>up</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="62"/>
        <source>degraded</source>
        <translation>降级</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="62"/>
        <source>down</source>
        <translation>中断</translation>
    </message>
</context>
<context>
    <name>LinksPanel</name>
    <message>
        <location filename="../../console/links_panel.py" line="76"/>
        <source>No link has reported yet. Links appear here when the gateway publishes them.</source>
        <translation>尚无链路上报状态。网关发布链路后，将在此处显示。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../console/main_window.py" line="37"/>
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="38"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="39"/>
        <source>Links</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="40"/>
        <source>Event log</source>
        <translation>事件日志</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="41"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="71"/>
        <source>mcv — {vehicle} — {seat} seat</source>
        <translation>mcv — {vehicle} — {seat}席位</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="108"/>
        <source>Seats</source>
        <translation>席位</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="120"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="124"/>
        <source>Reset seat layout</source>
        <translation>重置席位布局</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="125"/>
        <source>Switch day/night theme</source>
        <translation>切换日间/夜间主题</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="126"/>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="127"/>
        <source>New log entry</source>
        <translation>新建日志条目</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="129"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="130"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="131"/>
        <location filename="../../console/main_window.py" line="151"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
</context>
<context>
    <name>MessagesPanel</name>
    <message>
        <location filename="../../console/notice_panels.py" line="41"/>
        <source>Sending orders and messages to units is not part of this version. Use the event log to record orders given by radio.</source>
        <translation>本版本尚不支持向各单位下达指令和发送消息。通过电台下达的指令，请记入事件日志。</translation>
    </message>
</context>
<context>
    <name>Seats</name>
    <message>
        <location filename="../../console/seats.py" line="43"/>
        <source>Commander</source>
        <translation>指挥员</translation>
    </message>
    <message>
        <location filename="../../console/seats.py" line="44"/>
        <source>Communications</source>
        <translation>通信保障</translation>
    </message>
    <message>
        <location filename="../../console/seats.py" line="45"/>
        <source>Drone</source>
        <translation>无人机</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <location filename="../../console/status_bar.py" line="25"/>
        <source>Broker: connecting…</source>
        <translation>消息代理：正在连接…</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="26"/>
        <source>Gateway: not heard yet</source>
        <translation>网关：尚未收到状态</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="27"/>
        <source>Backhaul: unknown</source>
        <translation>回传：未知</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="50"/>
        <source>{local} local · {utc} UTC</source>
        <translation>本地 {local} · UTC {utc}</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="55"/>
        <source>Broker: connected ({detail})</source>
        <translation>消息代理：已连接（{detail}）</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="56"/>
        <source>Broker: connecting to {detail}…</source>
        <translation>消息代理：正在连接 {detail}…</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="57"/>
        <source>Broker: DOWN ({detail})</source>
        <translation>消息代理：中断（{detail}）</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="60"/>
        <source>Gateway: unknown while the broker is down</source>
        <translation>网关：消息代理中断，状态未知</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="64"/>
        <source>Gateway: online · {events} events stored</source>
        <translation>网关：在线 · 已存储 {events} 条事件</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="67"/>
        <source>Gateway: OFFLINE</source>
        <translation>网关：离线</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="71"/>
        <source>Backhaul: no uplink configured</source>
        <translation>回传：未配置上行链路</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="73"/>
        <source>Backhaul: up</source>
        <translation>回传：正常</translation>
    </message>
    <message>
        <location filename="../../console/status_bar.py" line="75"/>
        <source>Backhaul: DOWN · {backlog} queued</source>
        <translation>回传：中断 · {backlog} 条待发</translation>
    </message>
</context>
<context>
    <name>UnitsModel</name>
    <message>
        <location filename="../../console/units_panel.py" line="51"/>
        <source>Callsign</source>
        <translation>呼号</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="51"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="51"/>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="51"/>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="52"/>
        <source>Heading</source>
        <translation>航向</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="52"/>
        <source>Speed m/s</source>
        <translation>速度 m/s</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="52"/>
        <source>Age</source>
        <translation>最后上报</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="66"/>
        <source>{seconds} s</source>
        <translation>{seconds} 秒前</translation>
    </message>
</context>
<context>
    <name>UnitsPanel</name>
    <message>
        <location filename="../../console/units_panel.py" line="79"/>
        <source>The map view is not part of this version; {count} map source(s) configured. Units are listed by position.</source>
        <translation>本版本尚不含地图视图；已配置 {count} 个地图源。各单位按位置列出。</translation>
    </message>
    <message>
        <location filename="../../console/units_panel.py" line="82"/>
        <source>No map source configured. Units are listed by position.</source>
        <translation>未配置地图源。各单位按位置列出。</translation>
    </message>
</context>
<context>
    <name>VideoPanel</name>
    <message>
        <location filename="../../console/notice_panels.py" line="26"/>
        <source>No video streams configured.</source>
        <translation>未配置视频流。</translation>
    </message>
    <message>
        <location filename="../../console/notice_panels.py" line="28"/>
        <source>Video playback is not part of this version. Configured streams:</source>
        <translation>本版本尚不支持视频播放。已配置的视频流：</translation>
    </message>
</context>
</TS>
