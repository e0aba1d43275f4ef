# 快照、差异、基线。

history-no-snapshots-yet-audit-saves-one = 还没有快照（以 root 运行 audit 会自动保存；ls 和 scan 需加 --save）。
history-time = 时间
history-kind = 类型
history-target = 目标
history-listeners = 监听
history-findings = 问题
history-host = 主机
history-at = 于
history-listener = 监听
history-finding = 问题
history-port = 端口
history-no-changes = {"\u000A"}没有变化。{"\u000A"}
history-none = （无）
history-new = 新增
history-gone = 消失
history-changed = 变化
history-the-baseline-is-empty-accept-a = 基线为空：用 `portwarden baseline accept` 接受一个端口或问题。
history-never-expires = 永不过期
history-expired = 已过期
history-expires = 过期于
history-by = 由

# 两次快照之间发生变化的字段名（diff）。
history-field = { $name ->
    [addresses] 地址
    [exposure] 暴露范围
    [owner] 所属程序
    [product] 产品
    [reach] 防火墙
    [service] 服务
    [severity] 严重程度
    [state] 状态
    [version] 版本
    [status] 主机状态
    [hostname] 主机名
   *[other] { $name }
}

# 变化字段的取值：我们自己的词语会被翻译，其他内容原样显示。
history-value = { $value ->
    [all] 全部
    [loopback] 本机
    [specific] 指定地址
    [info] 信息
    [low] 低
    [medium] 中
    [high] 高
    [critical] 严重
    [open] 开放
    [closed] 关闭
    [filtered] 过滤
    [up] 在线
    [down] 离线
   *[other] { $value }
}
