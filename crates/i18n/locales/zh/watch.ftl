# portwarden watch 与 unblock。

watch-started = portwarden watch：{ $listeners } 个监听端口；扫描检测{ $scan }；自动封锁{ $block }
watch-on = 已开启
watch-off = 已关闭
watch-no-capture = 扫描检测已关闭：无法打开抓包套接字：{ $error }（需要 CAP_NET_RAW：请以 root 运行）
watch-block-needs-capture = --block 需要扫描检测；请去掉 --no-capture
watch-block-needs-nft = --block 需要 nft，但这里无法运行 nft（请安装 nftables，或把 /usr/sbin 加入 PATH）
watch-bad-exec = --exec { $cmd }：不是一条命令（为空，或引号没有闭合）
watch-bad-webhook = --webhook：{ $error }
watch-bad-allow = --allow { $value }：不是地址或 CIDR 网段（例如 198.18.0.0/15、2001:db8::/32）
watch-bad-syslog = --syslog：{ $error }
watch-unit-written = 已写入 { $path }；启动方法：systemctl daemon-reload && systemctl enable --now portwarden-watch
watch-unit-failed = 无法写入 { $path }：{ $error }
watch-once-listeners = { $count } 个监听端口
watch-once-blocks = { $count ->
    [0] 当前没有被封锁的来源
   *[other] 已封锁 { $count } 个来源
}
watch-once-blocked = 已封锁 { $addr }，剩余 { $left } 秒
unblock-bad-addr = { $addr } 不是 IP 地址
unblock-done = 已解除对 { $addr } 的封锁；标记为已撤销的操作记录：{ $actions }
unblock-not-blocked = { $addr } 当前没有被封锁；标记为已撤销的操作记录：{ $actions }
unblock-none = 无
