# 在 Windows 上关闭和重新打开端口（crates/control：windows.rs、windows_cmd.rs，以及
# plan 中的 Windows 拒绝规则）。

control-port-carries-the-rdp-session = 端口 { $port }/tcp 承载着运行本命令的远程桌面（RDP）会话；关闭它可能把你锁在外面（如仍要关闭请加 --force）
control-port-belongs-to-windows-system = 端口 { $port }/{ $transport } 属于 PID { $pid }，即 Windows 系统本身（SMB、http.sys 等内核驱动）；portwarden 从不停止它——请用 --how firewall
control-windows-not-one-service = 进程 { $pid }（{ $name }）不对应单个 Windows 服务（它不承载服务，或像 svchost 那样承载多个）；请用 --how firewall 或 --how kill
control-windows-cannot-reject = Windows 防火墙只能阻止（丢弃），不能拒绝；请去掉 --reject 再运行
control-windows-added-rule = 已添加到 Windows 防火墙（portwarden 组）：{ $rule }（规则 { $name }）
control-windows-asked-to-close = 已请求 { $pid }（{ $name }）关闭
control-windows-close-not-accepted = { $pid }（{ $name }）没有可关闭的窗口（是服务或控制台程序）；将被强制结束
control-windows-terminated = { $pid }（{ $name }）在 { $timeout } 后仍在运行；已用 TerminateProcess 结束它
control-windows-run-as-administrator = 拒绝访问：请以管理员身份运行（使用提升权限的命令提示符）
control-windows-no-such-service = 没有这个服务
control-windows-service-disabled = 该服务已被禁用
control-windows-ipv4-only = Windows 只能断开 IPv4 连接（SetTcpEntry 没有 IPv6 版本）
control-windows-no-source-blocks = 在 Windows 上暂不支持封锁来源地址（watch --block、unblock）
control-windows-rule-adopted = Windows 防火墙的 portwarden 组中有一条没有操作记录的 portwarden 规则（{ $rule_text }）；已记录为操作 #{ $id }
control-windows-rule-unrecorded = Windows 防火墙的 portwarden 组中有一条没有操作记录的 portwarden 规则（{ $rule_text }）；`portwarden open { $port }/{ $transport }` 可删除它
control-windows-foreign-rule = Windows 防火墙 portwarden 组中的一条规则不是 portwarden 写入的（名称 { $comment }）；未做改动
control-windows-cannot-read-rules = 无法读取 Windows 防火墙的规则来核对操作记录：{ $error }

# 既不是 Linux 也不是 Windows（crates/control/src/unsupported.rs）。
control-unsupported-os = 暂不支持在 { $os } 上关闭和打开端口
