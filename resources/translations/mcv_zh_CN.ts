<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AfterActionReport</name>
    <message>
        <location filename="../../console/report.py" line="69"/>
        <source>After-action report: {vehicle}</source>
        <translation>事后评估报告：{vehicle}</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="82"/>
        <location filename="../../console/report.py" line="259"/>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="83"/>
        <location filename="../../console/report.py" line="199"/>
        <source>From</source>
        <translation>自</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="84"/>
        <location filename="../../console/report.py" line="199"/>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="85"/>
        <source>Log entries</source>
        <translation>日志条目</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="85"/>
        <source>{total} (warnings: {warnings}, alarms: {alarms})</source>
        <translation>{total}（警告：{warnings}，警报：{alarms}）</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="87"/>
        <source>Alarms raised</source>
        <translation>触发警报</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="87"/>
        <source>{raised} (acknowledged: {acknowledged})</source>
        <translation>{raised}（已确认：{acknowledged}）</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="89"/>
        <source>Units seen</source>
        <translation>涉及单位</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="90"/>
        <location filename="../../console/report.py" line="158"/>
        <source>Track points</source>
        <translation>轨迹点</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="91"/>
        <location filename="../../console/report.py" line="167"/>
        <source>Link outages</source>
        <translation>链路中断</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="92"/>
        <location filename="../../console/report.py" line="196"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="93"/>
        <source>Report made</source>
        <translation>报告生成时间</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="95"/>
        <source>Times are local ({zone}) and UTC.</source>
        <translation>时间以本地时间（{zone}）和 UTC 表示。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="96"/>
        <source>Summary</source>
        <translation>概要</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="102"/>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="104"/>
        <source>No log entries in this window.</source>
        <translation>此时段内无日志条目。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="107"/>
        <location filename="../../console/report.py" line="171"/>
        <location filename="../../console/report.py" line="189"/>
        <location filename="../../console/report.py" line="213"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="107"/>
        <location filename="../../console/report.py" line="171"/>
        <source>Severity</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="107"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="108"/>
        <source>Seat / source</source>
        <translation>席位/来源</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="108"/>
        <location filename="../../console/report.py" line="135"/>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="108"/>
        <location filename="../../console/report.py" line="135"/>
        <location filename="../../console/report.py" line="171"/>
        <location filename="../../console/report.py" line="189"/>
        <location filename="../../console/report.py" line="199"/>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="123"/>
        <source>Corrected by the entry of {time}</source>
        <translation>已由 {time} 的条目更正</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="127"/>
        <source>Corrects the entry of {time}</source>
        <translation>更正 {time} 的条目</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="128"/>
        <source>Corrects an entry from before this window</source>
        <translation>更正本时段之前的条目</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="132"/>
        <source>Alarms</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="134"/>
        <source>No alarms in this window.</source>
        <translation>此时段内无警报。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="135"/>
        <source>Raised</source>
        <translation>触发时间</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="135"/>
        <location filename="../../console/report.py" line="157"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="136"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="136"/>
        <source>Acknowledged by</source>
        <translation>确认人</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="136"/>
        <location filename="../../console/report.py" line="251"/>
        <source>Acknowledged</source>
        <translation>已确认</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="137"/>
        <source>Time to acknowledge</source>
        <translation>确认用时</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="150"/>
        <source>Units and tracks</source>
        <translation>单位与轨迹</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="152"/>
        <source>No positions in this window.</source>
        <translation>此时段内无位置数据。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="156"/>
        <source>Hollow dot: first position; filled dot: last.</source>
        <translation>空心点：首个位置；实心点：最后位置。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="157"/>
        <source>Callsign</source>
        <translation>呼号</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="157"/>
        <source>Unit id</source>
        <translation>单位编号</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="158"/>
        <source>Last seen</source>
        <translation>最后上报</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="158"/>
        <source>Last position</source>
        <translation>最后位置</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="170"/>
        <source>No link outages in this window.</source>
        <translation>此时段内无链路中断。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="183"/>
        <source>Backhaul outages</source>
        <translation>回传链路中断次数</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="184"/>
        <source>Waiting for HQ when the report was made</source>
        <translation>报告生成时待发往指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="186"/>
        <source>Backhaul</source>
        <translation>回传链路</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="198"/>
        <source>No messages in this window.</source>
        <translation>此时段内无消息。</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="199"/>
        <source>Sent</source>
        <translation>发送时间</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="200"/>
        <source>Delivery</source>
        <translation>送达状态</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="212"/>
        <source>Shifts and handovers</source>
        <translation>值班与交接</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="213"/>
        <source>Seat</source>
        <translation>席位</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="213"/>
        <source>Entry, notes and what was still open</source>
        <translation>记录、备注及尚未处理事项</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="251"/>
        <source>Not acknowledged</source>
        <translation>未确认</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="252"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="255"/>
        <source>SOS</source>
        <translation>SOS 求救</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="255"/>
        <source>Battery</source>
        <translation>电量低</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="255"/>
        <source>Link lost</source>
        <translation>失联</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="256"/>
        <source>Geofence</source>
        <translation>电子围栏</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="256"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="259"/>
        <source>Responder</source>
        <translation>单兵</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="259"/>
        <source>Drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="260"/>
        <source>TAK device</source>
        <translation>TAK 终端</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="260"/>
        <source>Radio</source>
        <translation>电台</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="263"/>
        <source>alarms</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="263"/>
        <source>orders</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="263"/>
        <source>log entries</source>
        <translation>日志条目</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="264"/>
        <source>positions</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../console/report.py" line="264"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>AlarmBar</name>
    <message>
        <location filename="../../console/alarm_bar.py" line="20"/>
        <source>SOS</source>
        <translation>SOS 求救</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="21"/>
        <source>BATTERY</source>
        <translation>电量低</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="22"/>
        <source>LINK LOST</source>
        <translation>失联</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="23"/>
        <source>GEOFENCE</source>
        <translation>电子围栏</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="24"/>
        <source>ALARM</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="52"/>
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="55"/>
        <source>Acknowledge the oldest open alarm (Ctrl+Shift+A)</source>
        <translation>确认最早的未处理警报（Ctrl+Shift+A）</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="91"/>
        <source>{kind} · {time} · {text}</source>
        <translation>{kind} · {time} · {text}</translation>
    </message>
    <message>
        <location filename="../../console/alarm_bar.py" line="95"/>
        <source>+{count} more</source>
        <translation>另有 {count} 条</translation>
    </message>
</context>
<context>
    <name>AlarmSoundController</name>
    <message>
        <location filename="../../console/alarm_sound.py" line="36"/>
        <source>Mute</source>
        <translation>静音</translation>
    </message>
    <message>
        <location filename="../../console/alarm_sound.py" line="38"/>
        <source>Silence the open alarms on this seat; they keep flashing, and a new alarm sounds again</source>
        <translation>让本席位当前告警静音；告警仍会闪烁，新告警会再次响铃</translation>
    </message>
    <message>
        <location filename="../../console/alarm_sound.py" line="98"/>
        <source>No alarm sound on this seat</source>
        <translation>本席位无告警声音</translation>
    </message>
    <message>
        <location filename="../../console/alarm_sound.py" line="99"/>
        <source>This seat cannot sound alarms: {problem}. Connect speakers or headphones, or watch the flashing bar.</source>
        <translation>本席位无法发出告警声音：{problem}。请连接扬声器或耳机，或留意闪烁的告警条。</translation>
    </message>
</context>
<context>
    <name>BackhaulBanner</name>
    <message>
        <location filename="../../console/backhaul_banner.py" line="58"/>
        <source>Backhaul</source>
        <translation>回传链路</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="61"/>
        <source>alarms</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="61"/>
        <source>orders</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="61"/>
        <source>events</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="62"/>
        <source>positions</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="62"/>
        <source>bulk</source>
        <translation>批量数据</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="73"/>
        <source>Backhaul to HQ DOWN for {duration} — reports are queued and will be sent when it returns</source>
        <translation>至指挥中心的回传链路已中断 {duration} — 上报信息已排队，链路恢复后自动发送</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="78"/>
        <source>Backhaul to HQ restored — sending the backlog: {sent} of {total}</source>
        <translation>至指挥中心的回传链路已恢复 — 正在发送积压数据：{sent}/{total}</translation>
    </message>
    <message>
        <location filename="../../console/backhaul_banner.py" line="85"/>
        <source>Queued: {items}</source>
        <translation>待发：{items}</translation>
    </message>
</context>
<context>
    <name>BackhaulCardWidget</name>
    <message>
        <location filename="../../console/link_cards.py" line="162"/>
        <source>Backhaul to HQ</source>
        <translation>至指挥中心的回传链路</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="163"/>
        <source>Reports waiting for HQ, last 10 minutes</source>
        <translation>近 10 分钟待发往指挥中心的上报信息</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="170"/>
        <source>up</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="170"/>
        <source>down</source>
        <translation>中断</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="171"/>
        <source>not configured</source>
        <translation>未配置</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="172"/>
        <source>No uplink is configured.</source>
        <translation>未配置上行链路。</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="176"/>
        <source>Queued: {items}</source>
        <translation>待发：{items}</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="189"/>
        <source>round trip {rtt} ms · backlog {backlog} · delivered {delivered} · for {since}</source>
        <translation>往返时延 {rtt} 毫秒 · 积压 {backlog} · 已送达 {delivered} · 持续 {since}</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="197"/>
        <source>alarms</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="197"/>
        <source>orders</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="197"/>
        <source>events</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="198"/>
        <source>positions</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="198"/>
        <source>bulk</source>
        <translation>批量数据</translation>
    </message>
</context>
<context>
    <name>DispatchActions</name>
    <message>
        <location filename="../../console/dispatch_actions.py" line="79"/>
        <source>Stop sending to HQ</source>
        <translation>停止发送到指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/dispatch_actions.py" line="81"/>
        <source>Send to HQ</source>
        <translation>发送到指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/dispatch_actions.py" line="96"/>
        <source>▲ HQ</source>
        <translation>▲ 指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/dispatch_actions.py" line="124"/>
        <source>The gateway did not answer; check that it runs and the local bus is up.</source>
        <translation>网关没有应答；请检查网关是否在运行、本地总线是否已连接。</translation>
    </message>
</context>
<context>
    <name>DroneHud</name>
    <message>
        <location filename="../../console/drone_hud.py" line="82"/>
        <source>{km:.2f} km</source>
        <translation>{km:.2f} 公里</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="83"/>
        <source>{m:.0f} m</source>
        <translation>{m:.0f} 米</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="151"/>
        <location filename="../../console/drone_hud.py" line="394"/>
        <source>LINK LOST</source>
        <translation>失联</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="159"/>
        <source>no drone</source>
        <translation>未选定无人机</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="160"/>
        <source>waiting for telemetry</source>
        <translation>等待遥测数据</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="161"/>
        <source>battery —</source>
        <translation>电池 —</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="161"/>
        <source>link —</source>
        <translation>链路 —</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="162"/>
        <location filename="../../console/drone_hud.py" line="219"/>
        <source>GPS —</source>
        <translation>GPS —</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="164"/>
        <source>ARMED</source>
        <translation>已解锁</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="164"/>
        <source>disarmed</source>
        <translation>已上锁</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="168"/>
        <source>battery {percent} · {volts}</source>
        <translation>电池 {percent} · {volts}</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="170"/>
        <source>link {quality}</source>
        <translation>链路 {quality}</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="174"/>
        <source>flight time —</source>
        <translation>飞行时间 —</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="177"/>
        <source>flight time {time}</source>
        <translation>飞行时间 {time}</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="187"/>
        <source>ALT {alt} rel</source>
        <translation>高度 {alt}（相对）</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="188"/>
        <source>{alt} MSL</source>
        <translation>海拔 {alt}</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="189"/>
        <source>climb {rate} m/s</source>
        <translation>爬升 {rate} 米/秒</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="190"/>
        <source>GS {speed} m/s</source>
        <translation>地速 {speed} 米/秒</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="193"/>
        <source>HDG {heading}</source>
        <translation>航向 {heading}</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="214"/>
        <source>no GPS</source>
        <translation>无GPS</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="214"/>
        <source>no fix</source>
        <translation>未定位</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="214"/>
        <source>2D fix</source>
        <translation>2D定位</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="215"/>
        <source>3D fix</source>
        <translation>3D定位</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="215"/>
        <source>DGPS</source>
        <translation>差分GPS</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="215"/>
        <source>RTK float</source>
        <translation>RTK浮点解</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="216"/>
        <source>RTK fixed</source>
        <translation>RTK固定解</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="216"/>
        <source>static</source>
        <translation>静态</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="216"/>
        <source>PPP</source>
        <translation>PPP精密单点定位</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="221"/>
        <source>{count} sats</source>
        <translation>{count} 颗卫星</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="228"/>
        <source>vehicle position unknown</source>
        <translation>指挥车位置未知</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="231"/>
        <source>drone position unknown</source>
        <translation>无人机位置未知</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="233"/>
        <source>vehicle {distance} at {bearing}°</source>
        <translation>指挥车 {distance} · 方位 {bearing}°</translation>
    </message>
    <message>
        <location filename="../../console/drone_hud.py" line="363"/>
        <source>heading unknown</source>
        <translation>航向未知</translation>
    </message>
</context>
<context>
    <name>EventLogModel</name>
    <message>
        <location filename="../../console/event_log_model.py" line="107"/>
        <source>Local time</source>
        <translation>本地时间</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="107"/>
        <source>UTC</source>
        <translation>UTC</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="107"/>
        <source>Severity</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="107"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="108"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="108"/>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="146"/>
        <source>Corrected at {time}: {text}</source>
        <translation>已于 {time} 更正：{text}</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="150"/>
        <source>Corrects the entry of {time}: {text}</source>
        <translation>更正 {time} 的条目：{text}</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="39"/>
        <source>info</source>
        <translation>信息</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="40"/>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="41"/>
        <source>ALARM</source>
        <translation>警报</translation>
    </message>
</context>
<context>
    <name>EventLogPanel</name>
    <message>
        <location filename="../../console/event_log_panel.py" line="61"/>
        <source>Search the whole log (Enter) — English or 中文</source>
        <translation>搜索全部日志（回车）— 中文或英文</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="64"/>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="68"/>
        <source>All severities</source>
        <translation>全部级别</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="72"/>
        <source>Show all</source>
        <translation>显示全部</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="92"/>
        <source>New log entry — press Enter to add</source>
        <translation>新建日志条目 — 按回车键添加</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="94"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="140"/>
        <source>Correct log entry</source>
        <translation>更正日志条目</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="141"/>
        <source>The entry stays in the log, struck through. Corrected text:</source>
        <translation>原条目将以删除线形式保留在日志中。更正后的内容：</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="150"/>
        <source>Correct this entry…</source>
        <translation>更正此条目…</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="170"/>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="190"/>
        <source>{count} entries match</source>
        <translation>{count} 条匹配</translation>
    </message>
    <message>
        <location filename="../../console/event_log_panel.py" line="203"/>
        <source>The gateway did not answer; try again</source>
        <translation>网关无响应，请重试</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="23"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="24"/>
        <source>Situation</source>
        <translation>态势</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="25"/>
        <source>Decision</source>
        <translation>决策</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="26"/>
        <source>Order</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="27"/>
        <source>Safety</source>
        <translation>安全</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="28"/>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="29"/>
        <source>Link</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="30"/>
        <source>Alarm</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="31"/>
        <source>Snapshot</source>
        <translation>截图</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="32"/>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../console/event_log_model.py" line="33"/>
        <source>Duty</source>
        <translation>值班</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <location filename="../../console/handover_dialog.py" line="31"/>
        <source>Start of shift</source>
        <translation>接班</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="32"/>
        <source>Handover</source>
        <translation>交接</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="33"/>
        <source>End of shift</source>
        <translation>下班</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="45"/>
        <source>Duty log</source>
        <translation>值班日志</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="59"/>
        <source>Name of the person on duty</source>
        <translation>值班人员姓名</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="63"/>
        <source>Who takes over</source>
        <translation>接班人</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="66"/>
        <source>Handover notes: the situation, what to watch, what was promised</source>
        <translation>交接备注：现场态势、需关注事项、已作出的承诺</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="69"/>
        <source>Still open</source>
        <translation>尚未处理</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="69"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="69"/>
        <source>Since</source>
        <translation>起始时间</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="75"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="77"/>
        <source>Record in the log</source>
        <translation>记入日志</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="82"/>
        <source>Entry</source>
        <translation>记录</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="83"/>
        <source>On duty</source>
        <translation>值班人</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="84"/>
        <source>Taking over</source>
        <translation>接班人</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="87"/>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="107"/>
        <source>Asking the gateway what is still open…</source>
        <translation>正在向网关查询尚未处理的事项…</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="113"/>
        <source>The notes are too long for one log entry; keep them under 2,000 characters.</source>
        <translation>备注太长，无法记为一条日志；请控制在 2,000 字以内。</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="120"/>
        <source>This entry cannot be sent: {reason}</source>
        <translation>此记录无法发送：{reason}</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="124"/>
        <source>Recording…</source>
        <translation>正在记录…</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="135"/>
        <source>Alarms not acknowledged: {count}</source>
        <translation>未确认的告警：{count}</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="136"/>
        <source>active</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="137"/>
        <source>Tasks not done: {count}</source>
        <translation>未完成的任务：{count}</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="140"/>
        <source>Orders not delivered: {count}</source>
        <translation>未送达的指令：{count}</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="141"/>
        <source>to {to}: {text}</source>
        <translation>发给 {to}：{text}</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="152"/>
        <source>… and {more} more</source>
        <translation>… 另有 {more} 项</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="171"/>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="172"/>
        <source>The gateway could not do it ({reason}); try again.</source>
        <translation>网关未能完成（{reason}）；请重试。</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="177"/>
        <source>The gateway&apos;s answer could not be read; try again.</source>
        <translation>无法读取网关的应答；请重试。</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="181"/>
        <source>Recorded in the incident log with what is still open.</source>
        <translation>已连同尚未处理的事项记入事件日志。</translation>
    </message>
    <message>
        <location filename="../../console/handover_dialog.py" line="184"/>
        <source>Nothing is open.</source>
        <translation>没有尚未处理的事项。</translation>
    </message>
</context>
<context>
    <name>LinkCardWidget</name>
    <message>
        <location filename="../../console/link_cards.py" line="111"/>
        <source>Messages per second in and out, last 10 minutes</source>
        <translation>近 10 分钟每秒收发消息数</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="127"/>
        <source>signal {value}</source>
        <translation>信号 {value}</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="129"/>
        <source>round trip {ms} ms</source>
        <translation>往返时延 {ms} 毫秒</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="140"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="140"/>
        <source>{age} ago</source>
        <translation>{age}前</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="142"/>
        <source>in {inbound} · out {outbound} · errors {errors} · {rate}/s · last seen {seen}</source>
        <translation>收 {inbound} · 发 {outbound} · 错误 {errors} · {rate} 条/秒 · 最后上报 {seen}</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="150"/>
        <source>disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="150"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="150"/>
        <source>up</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="151"/>
        <source>degraded</source>
        <translation>降级</translation>
    </message>
    <message>
        <location filename="../../console/link_cards.py" line="151"/>
        <source>down</source>
        <translation>中断</translation>
    </message>
</context>
<context>
    <name>LinkControlsWidget</name>
    <message>
        <location filename="../../console/link_controls.py" line="27"/>
        <location filename="../../console/link_controls.py" line="59"/>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <location filename="../../console/link_controls.py" line="30"/>
        <source>Reconnect</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <location filename="../../console/link_controls.py" line="32"/>
        <source>Close the link and open it again with the same settings</source>
        <translation>关闭链路并以相同设置重新打开</translation>
    </message>
    <message>
        <location filename="../../console/link_controls.py" line="39"/>
        <source>Serial ports on the gateway&apos;s machine; a device path or pyserial url may be typed</source>
        <translation>网关所在计算机上的串口；也可输入设备路径或 pyserial 地址</translation>
    </message>
    <message>
        <location filename="../../console/link_controls.py" line="40"/>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <location filename="../../console/link_controls.py" line="41"/>
        <source>Use port</source>
        <translation>使用此端口</translation>
    </message>
    <message>
        <location filename="../../console/link_controls.py" line="59"/>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
</context>
<context>
    <name>LinksPanel</name>
    <message>
        <location filename="../../console/links_panel.py" line="40"/>
        <source>No link has reported yet. Links appear here when the gateway publishes them.</source>
        <translation>尚无链路上报状态。网关发布链路后，将在此处显示。</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="101"/>
        <source>Asked the gateway: {action} link {link}…</source>
        <translation>已请求网关：{action} 链路 {link}…</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="111"/>
        <source>The gateway did not answer ({action} link {link}); check that it runs and the bus is up.</source>
        <translation>网关没有应答（{action} 链路 {link}）；请检查网关是否在运行、总线是否已连接。</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="114"/>
        <source>The gateway refused to {action} link {link}: {error}</source>
        <translation>网关拒绝 {action} 链路 {link}：{error}</translation>
    </message>
    <message>
        <location filename="../../console/links_panel.py" line="120"/>
        <source>Done: {action} link {link}.</source>
        <translation>已完成：{action} 链路 {link}。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../console/main_window.py" line="56"/>
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="57"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="58"/>
        <source>Links</source>
        <translation>链路</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="59"/>
        <source>Event log</source>
        <translation>事件日志</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="60"/>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="61"/>
        <source>Tasks</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="62"/>
        <source>Video to HQ</source>
        <translation>视频上传指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="101"/>
        <source>mcv — {vehicle} — {seat} seat</source>
        <translation>mcv — {vehicle} — {seat}席位</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="129"/>
        <source>Snapshot of {stream} saved as {path}</source>
        <translation>{stream} 截图已保存：{path}</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="172"/>
        <source>Seats</source>
        <translation>席位</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="185"/>
        <source>Alarms</source>
        <translation>警报</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="192"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="196"/>
        <source>Reset seat layout</source>
        <translation>重置席位布局</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="197"/>
        <source>Switch day/night theme</source>
        <translation>切换日间/夜间主题</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="198"/>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="199"/>
        <source>New log entry</source>
        <translation>新建日志条目</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="201"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="202"/>
        <source>&amp;Duty</source>
        <translation>值班(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="203"/>
        <source>Start of shift…</source>
        <translation>接班…</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="204"/>
        <source>Handover…</source>
        <translation>交接…</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="205"/>
        <source>End of shift…</source>
        <translation>下班…</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="207"/>
        <source>After-action report…</source>
        <translation>事后总结报告…</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="208"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../console/main_window.py" line="209"/>
        <location filename="../../console/main_window.py" line="245"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
</context>
<context>
    <name>MapInteractions</name>
    <message>
        <location filename="../../console/map_interactions.py" line="65"/>
        <source>Measure</source>
        <translation>测量</translation>
    </message>
    <message>
        <location filename="../../console/map_interactions.py" line="67"/>
        <source>Measure distance and area: click points on the map; Esc clears (Ctrl+M)</source>
        <translation>测量距离和面积：在地图上点击选点；按 Esc 清除（Ctrl+M）</translation>
    </message>
    <message>
        <location filename="../../console/map_interactions.py" line="113"/>
        <source>Asking the gateway for the track…</source>
        <translation>正在向网关请求轨迹…</translation>
    </message>
    <message>
        <location filename="../../console/map_interactions.py" line="122"/>
        <location filename="../../console/map_interactions.py" line="177"/>
        <source>No answer from the gateway; try again.</source>
        <translation>网关无响应，请重试。</translation>
    </message>
    <message>
        <location filename="../../console/map_interactions.py" line="183"/>
        <source>The gateway could not give the track: {error}</source>
        <translation>网关无法提供轨迹：{error}</translation>
    </message>
    <message>
        <location filename="../../console/map_interactions.py" line="187"/>
        <source>Track: {count} positions</source>
        <translation>轨迹：{count} 个位置点</translation>
    </message>
    <message>
        <location filename="../../console/map_interactions.py" line="189"/>
        <source> (the latest only; choose a shorter time for older ones)</source>
        <translation>（仅显示最新的位置点；如需查看更早的位置，请选择更短的时段）</translation>
    </message>
</context>
<context>
    <name>MapView</name>
    <message>
        <location filename="../../console/map_view.py" line="90"/>
        <source>No map source configured — add [[map.sources]] (id, kind = &quot;mbtiles&quot;, path) to the config file to draw tiles. Units are shown on a plain grid.</source>
        <translation>未配置地图源 — 请在配置文件中添加 [[map.sources]]（id、kind = &quot;mbtiles&quot;、path）以显示地图瓦片。单位显示在坐标网格上。</translation>
    </message>
    <message>
        <location filename="../../console/map_view.py" line="93"/>
        <source>Map source &apos;{id}&apos;: the file {path} is missing — check path in [[map.sources]] or seed it with `mcv maps seed`. Units are shown on a plain grid.</source>
        <translation>地图源“{id}”：文件 {path} 不存在 — 请检查 [[map.sources]] 中的 path，或用 `mcv maps seed` 生成瓦片。单位显示在坐标网格上。</translation>
    </message>
    <message>
        <location filename="../../console/map_view.py" line="176"/>
        <source>Map source &apos;{id}&apos; cannot be used: {reason} Units are shown on a plain grid.</source>
        <translation>地图源“{id}”无法使用：{reason} 单位显示在坐标网格上。</translation>
    </message>
</context>
<context>
    <name>MeasureTool</name>
    <message>
        <location filename="../../console/measure_tool.py" line="58"/>
        <source>Measure: click points on the map; Esc clears</source>
        <translation>测量：在地图上点击选点；按 Esc 清除</translation>
    </message>
    <message>
        <location filename="../../console/measure_tool.py" line="59"/>
        <source>Distance {distance}</source>
        <translation>距离 {distance}</translation>
    </message>
    <message>
        <location filename="../../console/measure_tool.py" line="61"/>
        <source> · area {area}</source>
        <translation> · 面积 {area}</translation>
    </message>
</context>
<context>
    <name>MessagesPanel</name>
    <message>
        <location filename="../../console/messages_panel.py" line="33"/>
        <source>Evacuate block {x}</source>
        <translation>撤离 {x} 号楼</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="34"/>
        <source>Report status</source>
        <translation>报告状态</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="35"/>
        <source>Return to vehicle</source>
        <translation>返回指挥车</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="36"/>
        <source>Hold position</source>
        <translation>原地待命</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="42"/>
        <source>Received</source>
        <translation>收到</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="42"/>
        <source>Will comply</source>
        <translation>照办</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="42"/>
        <source>Unable to comply</source>
        <translation>无法执行</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="48"/>
        <source>◷ queued</source>
        <translation>◷ 待发</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="49"/>
        <source>✓ sent</source>
        <translation>✓ 已发送</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="50"/>
        <source>✓✓ delivered</source>
        <translation>✓✓ 已送达</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="51"/>
        <source>✓✓ read</source>
        <translation>✓✓ 已读</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="52"/>
        <source>✗ failed</source>
        <translation>✗ 失败</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="57"/>
        <source>radio</source>
        <translation>电台</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="57"/>
        <source>HQ</source>
        <translation>指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="77"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="77"/>
        <source>To / from</source>
        <translation>发往/来自</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="77"/>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="77"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="78"/>
        <source>Via</source>
        <translation>通道</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="96"/>
        <source>Mark read</source>
        <translation>标记已读</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="98"/>
        <source>Tell HQ a person has read this order</source>
        <translation>通知指挥中心此指令已有人阅读</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="101"/>
        <source>Reply:</source>
        <translation>回复：</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="116"/>
        <source>Order</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="117"/>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="120"/>
        <source>Template…</source>
        <translation>模板…</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="125"/>
        <source>Order or message (Enter sends)</source>
        <translation>指令或消息（按回车发送）</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="126"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="130"/>
        <source>To:</source>
        <translation>发往：</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="148"/>
        <location filename="../../console/messages_panel.py" line="293"/>
        <source>Everyone</source>
        <translation>全体</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="150"/>
        <location filename="../../console/messages_panel.py" line="297"/>
        <source>Group: {name}</source>
        <translation>分组：{name}</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="151"/>
        <location filename="../../console/messages_panel.py" line="295"/>
        <source>District HQ</source>
        <translation>区指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="258"/>
        <source>from {who}</source>
        <translation>来自 {who}</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="263"/>
        <source>{state} · {read} read, {delivered} delivered only</source>
        <translation>{state} · {read} 人已读，{delivered} 人仅送达</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="269"/>
        <source>{state} by {who}</source>
        <translation>{state}（{who}）</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="272"/>
        <source>Read by: {names}</source>
        <translation>已读：{names}</translation>
    </message>
    <message>
        <location filename="../../console/messages_panel.py" line="274"/>
        <source>Delivered to, not yet read: {names}</source>
        <translation>已送达但未读：{names}</translation>
    </message>
</context>
<context>
    <name>OverlayLayer</name>
    <message>
        <location filename="../../console/overlay_layer.py" line="152"/>
        <source>{name} — {count} inside</source>
        <translation>{name} — 区内 {count} 个单位</translation>
    </message>
</context>
<context>
    <name>OverlayListWidget</name>
    <message>
        <location filename="../../console/overlay_layer.py" line="205"/>
        <source>{name} ({count} features)</source>
        <translation>{name}（{count} 个要素）</translation>
    </message>
    <message>
        <location filename="../../console/overlay_layer.py" line="211"/>
        <source>{id}: not shown</source>
        <translation>{id}：未显示</translation>
    </message>
    <message>
        <location filename="../../console/overlay_layer.py" line="212"/>
        <source>Overlay &apos;{id}&apos; cannot be drawn: {reason}</source>
        <translation>图层“{id}”无法绘制：{reason}</translation>
    </message>
    <message>
        <location filename="../../console/overlay_layer.py" line="216"/>
        <source>Map overlays: tick to show, untick to hide</source>
        <translation>地图图层：勾选显示，取消勾选隐藏</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <location filename="../../console/report_dialog.py" line="58"/>
        <source>After-action report</source>
        <translation>事后总结报告</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="77"/>
        <source>HTML page</source>
        <translation>HTML 网页</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="78"/>
        <source>PDF document</source>
        <translation>PDF 文档</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="81"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="92"/>
        <source>Make report</source>
        <translation>生成报告</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="94"/>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="105"/>
        <source>From (local time)</source>
        <translation>开始（本地时间）</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="106"/>
        <source>To (local time)</source>
        <translation>结束（本地时间）</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="107"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="108"/>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="109"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="134"/>
        <source>HTML page (*.html)</source>
        <translation>HTML 网页 (*.html)</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="134"/>
        <source>PDF document (*.pdf)</source>
        <translation>PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="136"/>
        <source>Save the report as</source>
        <translation>报告另存为</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="147"/>
        <source>The report must start before it ends; set From earlier than To.</source>
        <translation>报告的开始时间必须早于结束时间；请把“开始”设得早于“结束”。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="150"/>
        <source>Choose a file name for the report, not a folder.</source>
        <translation>请为报告选择一个文件名，而不是文件夹。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="154"/>
        <source>Cannot create the folder {folder}: {reason}; choose a folder you may write to.</source>
        <translation>无法创建文件夹 {folder}：{reason}；请选择一个有写入权限的文件夹。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="164"/>
        <source>Asking the gateway for the report…</source>
        <translation>正在向网关请求报告数据…</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="183"/>
        <source>The gateway did not answer within {seconds} s; check that it runs and that this seat is connected to the vehicle&apos;s broker, then try again.</source>
        <translation>网关在 {seconds} 秒内没有应答；请检查网关是否在运行、本席位是否已连接车载消息代理，然后重试。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="190"/>
        <source>The gateway could not make the report: {error}</source>
        <translation>网关无法生成报告：{error}</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="194"/>
        <source>The gateway&apos;s answer cannot be read ({error}); check that the gateway runs the same mcv version as this seat.</source>
        <translation>无法读取网关的应答（{error}）；请检查网关与本席位运行的 mcv 版本是否相同。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="198"/>
        <source>Nothing was recorded between {start} and {end}; choose another window.</source>
        <translation>{start} 至 {end} 之间没有任何记录；请选择其他时间段。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="210"/>
        <source>Writing the report…</source>
        <translation>正在写入报告…</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="231"/>
        <source>Cannot write {path}: {reason}; choose a folder you may write to.</source>
        <translation>无法写入 {path}：{reason}；请选择一个有写入权限的文件夹。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="235"/>
        <source>Report written to {path}.</source>
        <translation>报告已写入 {path}。</translation>
    </message>
    <message>
        <location filename="../../console/report_dialog.py" line="237"/>
        <source>The window held more than the bus carries at once; the report says what was left out.</source>
        <translation>该时间段的数据超出总线一次可传输的量；报告中注明了省略的内容。</translation>
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
    <name>StreamCatalogue</name>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="43"/>
        <source>config</source>
        <translation>配置</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="44"/>
        <source>drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="45"/>
        <source>TAK</source>
        <translation>TAK</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="64"/>
        <source>live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="65"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="66"/>
        <source>signal lost</source>
        <translation>信号丢失</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="67"/>
        <source>no picture</source>
        <translation>无画面</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="68"/>
        <source>not shown</source>
        <translation>未显示</translation>
    </message>
</context>
<context>
    <name>StreamCataloguePanel</name>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="130"/>
        <source>Drag a stream onto a tile to show it there; double-click to make it the large tile.</source>
        <translation>把视频流拖到画面格上即可在那里显示；双击使其成为大画面。</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="136"/>
        <source>Video streams</source>
        <translation>视频流</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="155"/>
        <source>REC</source>
        <translation>录像</translation>
    </message>
    <message>
        <location filename="../../console/stream_catalogue_panel.py" line="157"/>
        <source>▲ HQ</source>
        <translation>▲ 指挥中心</translation>
    </message>
</context>
<context>
    <name>TaskLayer</name>
    <message>
        <location filename="../../console/task_layer.py" line="34"/>
        <source>Search area</source>
        <translation>搜索区域</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="35"/>
        <source>Evacuation point</source>
        <translation>疏散点</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="36"/>
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="42"/>
        <source>open</source>
        <translation>待分配</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="43"/>
        <source>assigned</source>
        <translation>已分配</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="44"/>
        <source>in progress</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="45"/>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="46"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>TaskPlacePicker</name>
    <message>
        <location filename="../../console/task_layer.py" line="190"/>
        <source>Click the corners of the search area; Enter or a double click closes it, Esc cancels</source>
        <translation>点击搜索区域的各个角点；按 Enter 或双击闭合，按 Esc 取消</translation>
    </message>
    <message>
        <location filename="../../console/task_layer.py" line="191"/>
        <source>Click the place of the task on the map; Esc cancels</source>
        <translation>在地图上点击任务地点；按 Esc 取消</translation>
    </message>
</context>
<context>
    <name>TasksPanel</name>
    <message>
        <location filename="../../console/tasks_panel.py" line="53"/>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="53"/>
        <location filename="../../console/tasks_panel.py" line="97"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="53"/>
        <location filename="../../console/tasks_panel.py" line="101"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="53"/>
        <location filename="../../console/tasks_panel.py" line="100"/>
        <source>Units</source>
        <translation>单元</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="54"/>
        <source>Changed</source>
        <translation>更新时间</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="81"/>
        <source>e.g. North bank, Block 7 school, Bridge east end</source>
        <translation>例如：北岸、7 号楼学校、大桥东端</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="83"/>
        <location filename="../../console/tasks_panel.py" line="278"/>
        <source>Pick on map</source>
        <translation>在地图上选取</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="98"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="99"/>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="102"/>
        <location filename="../../console/tasks_panel.py" line="222"/>
        <source>New task</source>
        <translation>新建任务</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="104"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="155"/>
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="167"/>
        <source>Give the task a title.</source>
        <translation>请为任务填写标题。</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="170"/>
        <source>Pick the task&apos;s place on the map first.</source>
        <translation>请先在地图上选取任务地点。</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="188"/>
        <source>Nothing to save: nothing was changed.</source>
        <translation>无需保存：没有任何更改。</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="193"/>
        <source>This task cannot be sent: {reason}</source>
        <translation>此任务无法发送：{reason}</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="227"/>
        <source>Task: {title}</source>
        <translation>任务：{title}</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="240"/>
        <source>{count} corners picked</source>
        <translation>已选取 {count} 个角点</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="246"/>
        <source>not picked yet</source>
        <translation>尚未选取</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="278"/>
        <source>Stop picking</source>
        <translation>停止选取</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="289"/>
        <source>Place picked; Save sends it.</source>
        <translation>地点已选取；点击“保存”发送。</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="314"/>
        <source>by the {seat} seat</source>
        <translation>由 {seat} 席位</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="330"/>
        <source>The gateway did not answer; the task was not saved. Try again.</source>
        <translation>网关没有应答；任务未保存。请重试。</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="332"/>
        <source>The gateway refused the change: {reason}</source>
        <translation>网关拒绝了此更改：{reason}</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="337"/>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <location filename="../../console/tasks_panel.py" line="341"/>
        <source>Saved: {title} is {status}.</source>
        <translation>已保存：{title} 为{status}。</translation>
    </message>
</context>
<context>
    <name>TrafficMonitorWidget</name>
    <message>
        <location filename="../../console/traffic_monitor.py" line="53"/>
        <location filename="../../console/traffic_monitor.py" line="128"/>
        <source>Raw traffic — the last {count} messages on link and unit topics</source>
        <translation>原始流量 — 链路和单位主题上最近 {count} 条消息</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="57"/>
        <source>Bus topics</source>
        <translation>总线主题</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="59"/>
        <source>Hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="64"/>
        <source>Filter</source>
        <translation>筛选</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="67"/>
        <location filename="../../console/traffic_monitor.py" line="158"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="71"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="73"/>
        <source>Write what is shown to a new file in the data folder</source>
        <translation>把当前显示的内容写入数据文件夹中的新文件</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="85"/>
        <source>No traffic on link or unit topics yet.</source>
        <translation>链路和单位主题上暂无流量。</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="114"/>
        <source>Link {link} (raw)</source>
        <translation>链路 {link}（原始）</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="122"/>
        <source>Raw traffic — link {link}, as the gateway reads it</source>
        <translation>原始流量 — 链路 {link}，即网关读到的内容</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="158"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="169"/>
        <source>Could not save the capture in {folder}: {cause}. Check that the folder is writable and the disk has room.</source>
        <translation>无法在 {folder} 中保存抓取内容：{cause}。请检查文件夹是否可写、磁盘是否有空间。</translation>
    </message>
    <message>
        <location filename="../../console/traffic_monitor.py" line="173"/>
        <source>Saved {count} lines to {path}</source>
        <translation>已保存 {count} 行到 {path}</translation>
    </message>
</context>
<context>
    <name>UnitDetailsPanel</name>
    <message>
        <location filename="../../console/unit_details_panel.py" line="57"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="61"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="61"/>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="61"/>
        <source>DMS</source>
        <translation>度分秒</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="62"/>
        <source>Heading</source>
        <translation>航向</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="62"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="63"/>
        <source>Age</source>
        <translation>最后上报</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="63"/>
        <source>Battery</source>
        <translation>电量</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="64"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="70"/>
        <source>Open video</source>
        <translation>打开视频</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="72"/>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="76"/>
        <source>Last {n} min</source>
        <translation>最近 {n} 分钟</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="77"/>
        <source>Last {n} h</source>
        <translation>最近 {n} 小时</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="79"/>
        <source>From … to …</source>
        <translation>从 … 到 …</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="82"/>
        <source>Track from (local time)</source>
        <translation>轨迹起始（本地时间）</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="83"/>
        <source>Track to (local time)</source>
        <translation>轨迹结束（本地时间）</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="84"/>
        <source>Show track</source>
        <translation>显示轨迹</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="86"/>
        <source>Clear track</source>
        <translation>清除轨迹</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="128"/>
        <source>{ms:.1f} m/s ({kmh:.0f} km/h)</source>
        <translation>{ms:.1f} 米/秒（{kmh:.0f} 公里/小时）</translation>
    </message>
    <message>
        <location filename="../../console/unit_details_panel.py" line="194"/>
        <source>The track&apos;s end must come after its start.</source>
        <translation>轨迹的结束时间必须晚于开始时间。</translation>
    </message>
</context>
<context>
    <name>UnitsModel</name>
    <message>
        <location filename="../../console/units_model.py" line="16"/>
        <source>vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="17"/>
        <source>responder</source>
        <translation>单兵</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="18"/>
        <source>drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="19"/>
        <source>TAK contact</source>
        <translation>TAK 终端</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="20"/>
        <source>radio</source>
        <translation>电台</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="60"/>
        <source>Callsign</source>
        <translation>呼号</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="60"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="60"/>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="60"/>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="61"/>
        <source>Heading</source>
        <translation>航向</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="61"/>
        <source>Speed m/s</source>
        <translation>速度 m/s</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="61"/>
        <source>Age</source>
        <translation>最后上报</translation>
    </message>
    <message>
        <location filename="../../console/units_model.py" line="75"/>
        <source>{seconds} s</source>
        <translation>{seconds} 秒前</translation>
    </message>
</context>
<context>
    <name>UplinkPanel</name>
    <message>
        <location filename="../../console/uplink_panel.py" line="35"/>
        <location filename="../../console/uplink_panel.py" line="93"/>
        <source>No video goes to HQ: the gateway has not reported video dispatch.</source>
        <translation>没有视频上传到指挥中心：网关尚未报告视频分发状态。</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="40"/>
        <source>Stream</source>
        <translation>视频流</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="40"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="40"/>
        <source>Picture</source>
        <translation>画面</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="41"/>
        <source>Sent / share</source>
        <translation>已发送 / 配额</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="41"/>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="51"/>
        <source>A stream of the video catalogue</source>
        <translation>视频目录中的一路视频流</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="52"/>
        <source>Send to HQ</source>
        <translation>发送到指挥中心</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="53"/>
        <source>Stop sending</source>
        <translation>停止发送</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="94"/>
        <source>Backhaul up</source>
        <translation>回传已连通</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="94"/>
        <source>Backhaul DOWN: video waits</source>
        <translation>回传中断：视频等待中</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="95"/>
        <source>No uplink configured</source>
        <translation>未配置上行链路</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="96"/>
        <source>{backhaul} · {link} · budget {budget} kb/s · {target}</source>
        <translation>{backhaul} · {link} · 预算 {budget} kb/s · {target}</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="107"/>
        <source>to HQ&apos;s media server</source>
        <translation>发往指挥部媒体服务器</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="109"/>
        <source>{protocol} to {server}</source>
        <translation>{protocol} 发往 {server}</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="114"/>
        <source>capacity unknown</source>
        <translation>容量未知</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="116"/>
        <source>{mbps:.1f} Mbit/s</source>
        <translation>{mbps:.1f} Mbit/s</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="117"/>
        <source>{kbps} kb/s</source>
        <translation>{kbps} kb/s</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="119"/>
        <source>capacity {rate} (measured)</source>
        <translation>容量 {rate}（实测）</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="120"/>
        <source>capacity {rate} (configured)</source>
        <translation>容量 {rate}（配置值）</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="124"/>
        <source>Idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="124"/>
        <source>Starting</source>
        <translation>正在启动</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="124"/>
        <source>Sending</source>
        <translation>发送中</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="125"/>
        <source>Sending, re-encoded</source>
        <translation>发送中（已重新编码）</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="125"/>
        <source>Waiting for backhaul</source>
        <translation>等待回传恢复</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="126"/>
        <source>Held: budget too small</source>
        <translation>暂停：预算不足</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="126"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="144"/>
        <source>{sent:.0f} of {budget} kb/s</source>
        <translation>{sent:.0f} / {budget} kb/s</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="151"/>
        <source> at {fps} frames/s</source>
        <translation>，{fps} 帧/秒</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="153"/>
        <source> (as the camera sends it)</source>
        <translation>（按摄像机原样发送）</translation>
    </message>
    <message>
        <location filename="../../console/uplink_panel.py" line="155"/>
        <source>{sent:.0f} / {share} kb/s</source>
        <translation>{sent:.0f} / {share} kb/s</translation>
    </message>
</context>
<context>
    <name>VideoTileWidget</name>
    <message>
        <location filename="../../console/video_tile.py" line="169"/>
        <source>{fps:.0f} fps</source>
        <translation>{fps:.0f} 帧/秒</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="171"/>
        <source>console delay {ms:.0f} ms</source>
        <translation>控制台延迟 {ms:.0f} ms</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="175"/>
        <source>{kbps:.0f} kb/s</source>
        <translation>{kbps:.0f} kb/s</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="173"/>
        <source>{count} reconnects</source>
        <translation>重连 {count} 次</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="184"/>
        <source>NO PICTURE</source>
        <translation>无画面</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="186"/>
        <source>SIGNAL LOST</source>
        <translation>信号丢失</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="188"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="190"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="198"/>
        <source>no picture for {seconds:.0f} s</source>
        <translation>已 {seconds:.0f} 秒无画面</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="205"/>
        <source>no picture</source>
        <translation>无画面</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="207"/>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="208"/>
        <source>live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="209"/>
        <source>signal lost</source>
        <translation>信号丢失</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="210"/>
        <source>reconnecting</source>
        <translation>重新连接中</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="211"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="216"/>
        <source>drone</source>
        <translation>无人机</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="217"/>
        <source>body camera</source>
        <translation>执法记录仪</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="218"/>
        <source>mast camera</source>
        <translation>桅杆摄像机</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="219"/>
        <source>fixed camera</source>
        <translation>固定摄像机</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="220"/>
        <source>TAK device</source>
        <translation>TAK 终端</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="226"/>
        <source>REC: the gateway is recording this stream as evidence</source>
        <translation>录像：网关正在将此视频流录制为证据</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="229"/>
        <source>Console delay: from the picture&apos;s data reaching this console to its display; the camera and the network add theirs</source>
        <translation>控制台延迟：从画面数据到达本控制台到显示出来的时间；摄像机和网络的延迟另计</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="298"/>
        <source>Snapshot</source>
        <translation>截图</translation>
    </message>
    <message>
        <location filename="../../console/video_tile.py" line="358"/>
        <source>REC</source>
        <translation>录像</translation>
    </message>
</context>
<context>
    <name>VideoWallPanel</name>
    <message>
        <location filename="../../console/video_wall.py" line="80"/>
        <location filename="../../console/video_wall.py" line="81"/>
        <source>Wall layout</source>
        <translation>画面墙布局</translation>
    </message>
    <message>
        <location filename="../../console/video_wall.py" line="87"/>
        <source>Streams</source>
        <translation>视频流</translation>
    </message>
    <message>
        <location filename="../../console/video_wall.py" line="88"/>
        <source>Every stream this seat knows, to drag onto a tile</source>
        <translation>本席位已知的所有视频流，可拖到画面格上</translation>
    </message>
    <message>
        <location filename="../../console/video_wall.py" line="102"/>
        <source>No video streams configured.</source>
        <translation>未配置视频流。</translation>
    </message>
</context>
<context>
    <name>VlcTileWidget</name>
    <message>
        <location filename="../../console/vlc_tile.py" line="156"/>
        <source>Snapshot</source>
        <translation>截图</translation>
    </message>
</context>
</TS>
