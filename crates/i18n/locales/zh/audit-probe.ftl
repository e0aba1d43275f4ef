# audit --probe：连接本机自己的监听端口后证实的问题。
# 变量：$who（程序及应答的服务）、$addr（探测的地址）、$port、$proto、$detail（扫描器的英文原话，不可信）。

audit-probe-kind = 探测证实
audit-probe-identified = 探测 { $addr } 后识别为 { $what }。
audit-probe-summary = 探测了本机 { $probed } 个监听端口（限时 { $budget } 秒）：识别出 { $identified } 个，{ $silent } 个没有 portwarden 认得的应答，证实 { $proven } 项问题。
audit-probe-note-no-answer = { $addr }：连不上或没有应答（这不是错误：服务可能在等客户端先按它的协议说话）。
audit-probe-note-unrecognised = { $addr }：有应答，但用的是 portwarden 不认识的协议。
audit-probe-note-out-of-time = { $addr }：时间用完，未探测（可调大 --probe-timeout）。

audit-probe-redis-no-auth-why = portwarden 的探测证实：{ $who }（{ $addr }）不要密码就执行了命令。能连到 { $port }/{ $proto } 的任何人都能读写所有键，还能用 CONFIG SET 在本机写文件。
audit-probe-redis-no-auth-do = 设置密码（redis.conf 中的 `requirepass` 或 ACL 用户），保持 `protected-mode yes`，除非其他主机需要访问，否则 `bind 127.0.0.1 -::1`；然后重启 Redis。用 `redis-cli -p { $port } ping` 检查（应当返回 NOAUTH）。

audit-probe-memcached-udp-why = portwarden 的探测证实：{ $who }（{ $addr }）会应答 UDP 请求。memcached 的 UDP 接口会对伪造来源的小请求回以大量数据，曾被用于破纪录的 DDoS 放大攻击。
audit-probe-memcached-udp-do = 关闭 UDP：在 /etc/memcached.conf（或其命令行）中加 `-U 0`，除非其他主机需要访问，再加 `-l 127.0.0.1`；然后重启 memcached。

audit-probe-ftp-anonymous-why = portwarden 的探测以 "anonymous" 身份登录了 { $who }（{ $addr }）：能连到 { $port }/{ $proto } 的任何人都能列出和下载文件，允许写入的地方还能上传。
audit-probe-ftp-anonymous-do = 关闭匿名登录（vsftpd：在 /etc/vsftpd.conf 中设 `anonymous_enable=NO`；proftpd：删除 <Anonymous> 块；pure-ftpd：`NoAnonymous yes`），然后重启服务；最好改用 SFTP。

audit-probe-snmp-public-why = portwarden 的探测证实：{ $who }（{ $addr }）接受默认团体名 "public"。任何人都能读取本机的网卡、进程和配置，还能借它放大伪造来源的流量。
audit-probe-snmp-public-do = 删除 `public` 团体名（snmpd：/etc/snmp/snmpd.conf 中的 `rocommunity public` 行），改用 SNMPv3 用户，用 `agentaddress` 只监听管理网络，然后重启 snmpd。

audit-probe-mqtt-anonymous-why = portwarden 的探测证实：{ $who }（{ $addr }）接受不带用户名和密码的客户端。任何人都能读取所有主题并发布指令。
audit-probe-mqtt-anonymous-do = 设置 `allow_anonymous false` 和 `password_file`（mosquitto：在 /etc/mosquitto/conf.d/ 中），除非其他主机需要访问，否则用 `listener 1883 127.0.0.1`；然后重启代理。

audit-probe-tls-cert-expired-why = { $who }（{ $addr }）出示的 TLS 证书已过期：用户会习惯于忽略警告，攻击者的伪造证书看起来也不会更可疑。（{ $detail }）
audit-probe-tls-cert-expired-do = 续期证书（certbot：`certbot renew`），在服务配置中换上新证书并重新加载服务。

audit-probe-tls-cert-self-signed-why = { $who }（{ $addr }）出示的是自签名 TLS 证书：客户端除非事先固定了这张证书，否则无法区分这台服务器和冒充者。
audit-probe-tls-cert-self-signed-do = 改用客户端信任的 CA 签发的证书（Let's Encrypt 或本单位的 CA），或在每个客户端固定这张证书；然后重新加载服务。

audit-probe-tls-legacy-version-why = { $who }（{ $addr }）仍接受 TLS 1.0 或 1.1（{ $detail }）：这些版本有已知弱点，浏览器和 PCI DSS 都已不再接受。
audit-probe-tls-legacy-version-do = 只允许 TLS 1.2 和 1.3（nginx：`ssl_protocols TLSv1.2 TLSv1.3;` apache：`SSLProtocol -all +TLSv1.2 +TLSv1.3`；其他服务：各自的最低协议版本设置），然后重新加载服务。

audit-probe-smb-signing-not-required-why = { $who }（{ $addr }）不强制 SMB 签名（{ $detail }）：路径上的攻击者可以中继或篡改会话（NTLM 中继）。
audit-probe-smb-signing-not-required-do = 强制签名：Samba 在 smb.conf 的 [global] 中设 `server signing = mandatory`，再 `systemctl restart smbd`；Windows：启用策略“Microsoft 网络服务器：对通信进行数字签名(始终)”，或执行 `Set-SmbServerConfiguration -RequireSecuritySignature $true`。

audit-probe-cleartext-login-why = { $who }（{ $addr }）提供的登录方式让密码以明文在网络上传输（{ $detail }）：路径上的任何人都能读到。
audit-probe-cleartext-login-do = 改用加密协议（用 SSH 代替 telnet，用 SFTP 或 FTPS 代替 FTP），或要求先建立 TLS 再登录；没人需要时停掉明文服务。

audit-probe-other-why = 探测 { $who }（{ $addr }）证实：{ $detail }
audit-probe-other-do = 按上述问题检查该服务的配置；如果没人需要它，执行 `portwarden close { $port }/{ $proto }`。

# 一条说明，后接探测的发现。
audit-probe-note-joined = { $first }{ $then }
