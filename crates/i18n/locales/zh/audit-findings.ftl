# 安全检查发现（crates/audit）：由若干部分拼成的句子；产品文本在 audit-products.ftl。

audit-where-all = 监听在所有网络接口上
audit-where-address = 监听在某个网络地址上
audit-where-loopback = 仅监听在本机回环地址上
audit-who-same = { $program }{" "}
audit-who-named = { $program }（{ $product }）
audit-text = { $text }
audit-product-why = { $who }{ $where }。{ $why }
audit-advice-config = { $advice }这个实例读取的配置文件是 { $conf }（见其命令行），请在该文件中修改。
audit-note-off-port = 不在惯用端口：{ $product } 通常使用 { $usual }，这里是 { $port }/{ $transport }。换端口只能躲过粗略扫描，仍按 { $product } 来评估。
audit-note-trojan-list = { $port } 端口也出现在木马端口列表中（{ $names }）；这里占用它的是已知程序 { $program }，因此不适用。
audit-notes-join = { $first }{ $second }
audit-inetd-builtin = （inetd 内置）
audit-inetd-program = （{ $program }）
audit-inetd-from = ，见 { $file }
audit-inetd-why = { $who }{ $where }，每来一个连接就启动 { $service }{ $program }{ $from }。{ $reason }
audit-xinetd-advice = 在 `service { $service }` 块（/etc/xinetd.d/{ $service } 或 /etc/xinetd.conf）中设置 `disable = yes`，然后 `systemctl reload xinetd`（或 `kill -HUP { $pid }`）；没有剩余服务时停掉 xinetd。Windows：这些简单服务来自“简单 TCP/IP 服务”（`dism /online /disable-feature /featurename:SimpleTCP`）。
audit-inetd-advice = 注释掉 { $file } 中的 `{ $service }` 行（Debian：`update-inetd --disable { $service }`），再让 inetd 重新读取（`kill -HUP { $pid }`，或 `systemctl reload inetutils-inetd`/`openbsd-inetd`）；没有剩余的行时停掉 inetd。Windows：这些简单服务来自“简单 TCP/IP 服务”（`dism /online /disable-feature /featurename:SimpleTCP`）。
audit-hidden-cause-not-root = portwarden 没有以 root 运行，读不到所有进程打开的文件，因此看不到占用它的程序。
audit-hidden-see-not-root = 用 `sudo portwarden audit`（或 `sudo portwarden ls --port { $port }`）查看所属程序。
audit-hidden-cause-namespace = 从这里看不到任何持有它的进程：它属于另一个 PID 命名空间里的进程（某个容器；或者 portwarden 本身运行在容器里，而它属于宿主机），或者属于内核（NFS、WireGuard）。
audit-hidden-see-namespace = 到它实际运行的地方查找所属程序：在宿主机上执行 `sudo ss -ltnup 'sport = :{ $port }'` 或 `sudo lsof -i :{ $port }`；容器则用 `docker ps --format '{"{"}{"{"}.Names{"}"}{"}"} {"{"}{"{"}.Ports{"}"}{"}"}'`，再用容器的 PID 执行 `nsenter -t PID -n ss -ltnp`。如果没人需要它，停掉它或让它只监听 127.0.0.1。
audit-hidden-known = 该端口通常属于{ $title }：{ $reason }
audit-hidden-why = 端口 { $port }/{ $transport } { $where }，所属程序未知。{ $cause }{ $known }
audit-note-untrusted-exe = { $program } 自称是已知程序，却运行自 { $exe }（任何人可写的目录，或启动后已被删除）：按端口而不是按名字评估。
audit-backdoor-why = { $where }，该端口是已知木马/后门端口（{ $names }）。{ $attackers }
audit-port-why = { $title }{ $where }。{ $reason }
audit-note-unknown-program = 占用它的是 { $program }，portwarden 的产品表不认识这个程序；以下建议针对该端口通常的服务。
audit-stop-unit = {" "}(`systemctl disable --now { $unit }`)
audit-unknown-program-why = { $program }（pid { $pid }）在 { $port }/{ $transport } { $where }；它不在 portwarden 的产品表中，该端口也没有登记任何用途。
audit-unknown-program-advice = 确认 { $program } 是否必须接受其他主机的连接；如果不必，把它配置为只监听 127.0.0.1，或者停掉它{ $stop }。
audit-unknown-port-why = 端口 { $port }/{ $transport } { $where }，IANA 登记和我们的资料都不知道它的用途。
audit-unknown-port-advice = 先确认是哪个程序（portwarden ls --port { $port }）；如果没人需要它，就停掉程序或封锁这个端口。
audit-why-firewall = { $why }{ $firewall }
audit-fw-by-action = 操作 #{ $id }
audit-fw-by-rule = 规则 { $comment }
audit-fw-closed-by-portwarden = portwarden 已在防火墙中关闭它（{ $what }）；`portwarden open { $port }/{ $transport }` 可撤销。
audit-fw-blocked = 防火墙拦截了其他主机对它的新连接（{ $rule }）；一旦该规则被删除，风险就会重新出现。
audit-fw-limited = 防火墙只放行部分来源：{ $from }。
audit-fw-forwarded = 一条 DNAT 规则（Docker 发布的端口）把它转发到 { $to }，入站（input）规则管不到它；请在 DOCKER-USER 链中过滤，或只发布到 127.0.0.1。
audit-fw-unknown = 无法判断防火墙是否放行它：{ $why }。
audit-baseline-changed = 自基线接受 #{ $id } 以来有变化
audit-baseline-expired = 基线接受 #{ $id } 已过期
audit-baseline-note = { $remark }；{ $note }
