# 关闭/重新打开计划、结果、操作记录。

plan-plan-close = 计划：关闭
plan-by = 方式
plan-default-the-least-destructive-step-that = （默认：从外部关闭它的最温和的方式）
plan-nothing-listens-on-it-now = 目前没有程序在监听它
plan-listening-on = 监听于
plan-owner = 所属进程
plan-some-owners-are-hidden-run-as = 部分所属进程不可见：以 root 运行可看到
plan-connected-clients-now = 当前已连接的客户端
plan-steps = 步骤
plan-nothing-to-do = （无需操作）
plan-overridden-by-force = 已用 --force 强制：
plan-refused = 拒绝：
plan-cannot-be-overridden = （不可强制）
plan-recorded-as-action = 已记录为操作
plan-undo-with = 撤销请用
plan-warning-the-port-still-answers = 警告：端口仍有响应{"\u000A"}
plan-portwarden-has-done-nothing-to-this = portwarden 没有对这个端口做过可以撤销的操作{"\u000A"}
plan-plan-open = 计划：重新打开
plan-portwarden-has-done-nothing-to-this-2 = portwarden 没有对这个端口做过可以撤销的操作
plan-pending = 进行中
plan-applied = 已生效
plan-failed = 失败
plan-interrupted = 已中断
plan-the-journal-is-empty = 操作记录为空{"\u000A"}
plan-when = 时间
plan-user = 用户
plan-port = 端口
plan-how = 方式
plan-state = 状态
plan-undone = 已撤销
plan-what = 内容

# 计划步骤、撤销计划、操作记录摘要。
plan-step-terminate = 向 { $pid }（{ $name }）发送 SIGTERM，超时后仍在则发送 SIGKILL
plan-step-persist = 写入 { $path } 并在 /etc/nftables.conf 中引用它
plan-step-drop-connection = 断开连接 { $remote } -> { $local }
plan-undo-delete-rule = 删除防火墙规则（{ $rule }）
plan-undo-delete-rule-and-rewrite = 删除防火墙规则（{ $rule }）并重写 { $file }
plan-undo-irreversible = 无法撤销（被停止的进程不会被重新启动）；该操作会被标记为已撤销
plan-summary-firewall = 防火墙：{ $rule }
plan-summary-stopped-unit = 已停止并禁用 { $unit }
plan-summary-stopped-processes = 已停止占用 { $port } 的 { $count } 个进程
plan-summary-dropped = 已断开到 { $port } 的 { $count } 个连接
