# 扫描结果表（文本输出）。

scan-table-open = 开放
scan-table-closed = 关闭
scan-table-filtered = 过滤
scan-table-open-filtered = 开放|过滤
scan-table-scan-report-for = 扫描结果：
scan-table-host-did-not-answer-on-any = 主机没有在任何端口上应答（离线或被过滤）。
scan-table-other-addresses-not-scanned = 其他地址（未扫描）：
scan-table-no-open-ports-found = 没有发现开放的端口。
scan-table-port = 端口
scan-table-state = 状态
scan-table-service = 服务
scan-table-risk = 风险
scan-table-advice = 建议
scan-table-identified = 识别为
scan-table-finding = 发现
scan-table-banner = 横幅
scan-table-interrupted-results-are-partial = 已中断：结果不完整。
scan-table-host-up = 主机在线（延迟 { $latency } 秒）。
scan-table-hidden-closed = 个关闭的
scan-table-hidden-filtered = 个被过滤的
scan-table-hidden-open-filtered = 个开放|过滤的
scan-table-not-shown-proto = 未显示：{ $count } { $state } { $protocol } 端口（{ $reason }）
scan-table-hidden-closed-ports = 个关闭的端口
scan-table-hidden-filtered-ports = 个被过滤的端口
scan-table-hidden-open-filtered-ports = 个开放|过滤的端口
scan-table-hidden-reason = （{ $reason }）
scan-table-not-shown = 未显示：{ $count } { $what }{ $why }
scan-table-off-port = {" "}— 服务不在它自己的端口上（通常是 { $usual }）
scan-table-tls = tls：{ $version } { $alpn }，证书主体 { $subject }，签发者 { $issuer }，有效期至 { $until }
scan-table-summary = 扫描完成：{ $hosts } 台主机（{ $up } 台在线），每台 { $ports } 个端口，发现 { $open } 个开放端口，用时 { $seconds } 秒。

# 识别探测证实的弱点（扫描结果表）。英文显示扫描器自己的句子（$detail）；
# 其他语言按发现的 id 说明。
scan-finding-summary = { $id ->
    [redis-no-auth] Redis 不要求密码就回答命令
    [mqtt-anonymous] MQTT 代理接受没有用户名和密码的客户端
    [snmp-public] SNMP 用默认团体名 "public" 回答
    [memcached-udp] memcached 在 UDP 上回答：可被用于伪造源地址的流量放大攻击
    [smb-signing-not-required] SMB 不要求签名：会话可被中继攻击
    [ftp-anonymous] FTP 允许匿名登录
    [tls-cert-expired] TLS 证书已过期
    [tls-cert-self-signed] TLS 证书是自签名的：客户端无法验证服务器身份
    [tls-legacy-version] 服务器仍接受旧版 TLS（1.0/1.1）
    [cleartext-login] 服务在未加密的连接上提供登录，口令以明文传输
   *[other] { $detail }
}

# 终端上的扫描进度条：“1234/65535 个探测，剩余 3s”。
scan-progress-probes = 个探测
scan-progress-eta = 剩余
