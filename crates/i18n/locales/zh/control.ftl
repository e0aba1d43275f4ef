# 关闭/重新打开（crates/control）：拒绝原因、已执行的步骤、操作记录修复、撤销结果。

control-port-tcp-carries-the-ssh-session = 端口 { $port }/tcp 承载着运行本命令的 SSH 会话；关闭它可能把你锁在外面（如仍要关闭请加 --force）
control-nothing-listens-on-port = 没有程序在监听端口 { $port }/{ $transport }
control-no-visible-process-owns-port-run = 看不到占用端口 { $port }/{ $transport } 的进程；以 root 运行可看到所有所属进程
control-port-belongs-to-pid-1-portwarden = 端口 { $port }/{ $transport } 属于 PID 1（{ $name }）；portwarden 从不停止 init 进程
control-the-port-belongs-to-portwarden-itself = 该端口属于 portwarden 自己
control-pid-names-named-pids-but-port = --pid 指定了 { $named_pids }，但端口 { $port }/{ $transport } 由 { $pid }（{ $name }）占用
control-systemd-is-not-pid-1-on = 本机的 PID 1 不是 systemd，没有可停止的服务单元；请用 --how kill 或 --how firewall
control-process-does-not-belong-to-a = 进程 { $pid }（{ $name }）不属于任何 systemd 服务
control-nft-cannot-be-run-here-install = 这里无法运行 nft（请安装 nftables，或把 /usr/sbin 加入 PATH），所以默认方式（防火墙规则）不可用；请用 --how kill、--how service 或 --how connections 另选方式
control-nft-cannot-be-run-here-install-2 = 这里无法运行 nft（请安装 nftables，或把 /usr/sbin 加入 PATH），无法添加防火墙规则
control-udp-has-no-connections-to-drop = UDP 没有可断开的连接；请用 --how firewall
control-warning-port-belongs-to-pid-1 = 警告：端口 { $port }/{ $transport } 属于 PID 1（{ $name }），它不是 systemd，而是运行本机或本容器的进程；封锁它可能切断管理它的通道（如仍要关闭请加 --force）
control-sent-sigterm-to = 已向 { $pid }（{ $name }）发送 SIGTERM
control-ignored-sigterm-for-sent-sigkill = { $pid }（{ $name }）在 { $timeout } 内没有响应 SIGTERM；已发送 SIGKILL
control-port-still-listens-another-process-took = 端口 { $port }/{ $transport } 仍在监听（被别的进程接管了？）
control-stopped-and-disabled = 已停止并禁用 { $unit }
control-dropped = 已断开连接 { $remote } -> { $local }
control-had-already-closed = { $remote } 已经自行关闭
control-added-to-table-inet-portwarden = 已加入 inet portwarden 表：{ $rule }
control-wrote-loaded-at-boot = 已写入 { $file }（开机时加载）
control-action-was-recorded-as-failed-but = 操作 #{ $id }（{ $port }/{ $protocol }）被记录为失败，但它的规则仍然生效
control-a-portwarden-rule-was-in-inet = inet portwarden 中有一条没有操作记录的 portwarden 规则（{ $rule_text }）；已记录为操作 #{ $id }
control-a-portwarden-rule-is-in-inet = inet portwarden 中有一条没有操作记录的 portwarden 规则（{ $rule_text }，句柄 { $handle }）；`portwarden open { $port }/{ $transport }` 可删除它
control-cannot-read-table-inet-portwarden-to = 无法读取 inet portwarden 表来核对操作记录：{ $error }
control-the-rule-was-already-gone = 该规则已经不在了
control-deleted-the-firewall-rule = 已删除防火墙规则（{ $rule }）
control-processes-share-port = { $count } 个进程共用端口 { $port }/{ $transport }：{ $list }；请用 --pid 逐一列出它们后再继续
control-unseen-not-root = portwarden 没有以 root 运行，读不到所有进程打开的文件
control-unseen-namespace = 从这里看不到任何持有它的进程：它属于另一个 PID 命名空间里的进程（某个容器；或者 portwarden 运行在容器里，而它属于宿主机），或者属于内核
control-warning-unseen-owner = 警告：看不到是谁在监听端口 { $port }/{ $transport }：{ $cause }。它可能正是维持本机运行的程序。请先查看所属程序：`sudo portwarden ls --port { $port }`，或到它实际运行的地方执行 `sudo ss -ltnup 'sport = :{ $port }'`；如仍要关闭请加 --force
control-port-being-closed = 端口 { $port }/{ $transport } 正在被 portwarden 关闭（操作 #{ $id }：{ $rule }）；没有新增任何规则
control-port-already-closed = 端口 { $port }/{ $transport } 已经被 portwarden 关闭（操作 #{ $id }：{ $rule }）；没有新增任何规则
control-pending-rule-in-place = 那次运行在规则加入之后中断；规则已生效
control-pending-nothing-changed = 那次运行在规则加入之前中断；没有做任何更改
control-pending-unknown = 那次运行中途中断；不清楚它改动了什么
control-pending-resolved = 操作 #{ $id }（{ $port }/{ $protocol }）：{ $note }{ $unrecorded }
control-not-yet-recorded = （尚未记录）
control-foreign-rule = inet portwarden 中句柄为 { $handle } 的规则不是 portwarden 写入的（注释 { $comment }）；未做改动
control-no-comment = 无
control-started = 已启动 { $unit }
control-started-and-enabled = 已启动 { $unit }并重新启用
control-undo-killed = 被杀死的进程无法复活；请手动重新启动它
control-undo-dropped = 被断开的连接无法恢复；客户端可能会重新连接
control-undo-impossible = 无法撤销：{ $reason }
control-undo-it-ran = { $why }；它运行的是：{ $cmdlines }

# 撤销 `watch --block` 的封锁。
control-unblocked = 已解除对 { $ip } 的封锁
control-no-longer-blocked = { $ip } 已不在封锁中
