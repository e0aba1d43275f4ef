# 产品表（crates/audit/src/products.rs）：每个程序对所有人可达时为何要紧，以及如何用它自己的开关把它关起来。

product-openssh-why = 对所有人开放的 SSH 服务几分钟内就会遭到自动猜密码攻击，其安全程度取决于最弱的那个账号密码。
product-openssh-advice = 在 /etc/ssh/sshd_config（或 /etc/ssh/sshd_config.d/ 下的文件）中设置 `PasswordAuthentication no` 和 `PermitRootLogin prohibit-password`，用 `AllowUsers`/`AllowGroups` 限定可登录的人；如不必面向所有人，用 `ListenAddress` 绑定到管理地址。先 `sshd -t` 检查，再 `systemctl reload ssh`。Windows（OpenSSH Server）：在 C:\ProgramData\ssh\sshd_config 中改同样的项，再执行 `Restart-Service sshd`。
product-dropbear-why = Dropbear 是路由器和嵌入式设备上常见的小型 SSH 服务；对所有人开放会招来猜密码机器人，旧版本还有已知漏洞。
product-dropbear-advice = 用 `-s`（禁止密码登录）和 `-p 地址:端口`（只绑定一个地址）启动它，例如写进 /etc/default/dropbear 的 DROPBEAR_EXTRA_ARGS（OpenWrt：`uci set dropbear.@dropbear[0].PasswordAuth=off` 和 `.Interface=lan`）；并保持更新。
product-telnetd-why = Telnet 以明文传输密码和整个会话，Mirai 之类的僵尸网络会带着默认密码在全网扫描它。
product-telnetd-advice = 改用 SSH，卸载 telnet 服务（`apt purge telnetd inetutils-telnetd`，或注释掉 /etc/inetd.conf 中的对应行）。Windows：`dism /online /disable-feature /featurename:TelnetServer`。
product-nginx-why = Web 服务器本来就是给人访问的，监听本身是正常的；风险在于它提供的内容（管理页面、反向代理的后端、旧版本）。
product-nginx-advice = 如果只有本机或前置代理需要访问，在 server 块中写 `listen 127.0.0.1:端口;`（/etc/nginx/sites-enabled/*、/etc/nginx/conf.d/*.conf）；设置 `server_tokens off;` 并保持更新，用 `nginx -t` 检查后 `systemctl reload nginx`。Windows：在 conf\nginx.conf 中做同样修改。
product-apache-why = Web 服务器本来就是给人访问的，监听本身是正常的；风险在于它提供的内容（管理页面、server-status、老旧模块）。
product-apache-advice = 端口和地址由 `Listen` 指令决定：Debian 在 /etc/apache2/ports.conf，Red Hat 在 /etc/httpd/conf/httpd.conf。写成 `Listen 127.0.0.1:8080` 可只对本机开放，不用的站点用 `a2dissite` 停用；设置 `ServerTokens Prod`，再 `apachectl configtest` 并 `systemctl reload apache2`。Windows：修改 conf\httpd.conf 中的 `Listen`。
product-lighttpd-why = 一个小型 Web 服务器，常用作设备的管理页面；监听本身正常，背后的页面未必安全。
product-lighttpd-advice = 如不必面向网络，在 /etc/lighttpd/lighttpd.conf 中设置 `server.bind = "127.0.0.1"`（以及 `server.port`）；用 `lighttpd -tt -f /etc/lighttpd/lighttpd.conf` 检查后 `systemctl reload lighttpd`。
product-caddy-why = Web 服务器本来就是给人访问的；但 Caddy 的管理 API（2019 端口）必须只留在本机，能访问它的人就能改写整个配置。
product-caddy-advice = 在 Caddyfile（/etc/caddy/Caddyfile）的站点块中用 `bind 127.0.0.1` 只对本机开放，全局保持 `admin localhost:2019`（或 `admin off`）；`caddy validate` 后 `systemctl reload caddy`。
product-redis-why = Redis 信任所有连上来的人：没有密码时，任何能访问它的人都能读取、清空数据，并借 CONFIG SET 写入 SSH 公钥或 cron 任务等文件；Kinsing、P2PInfect、HeadCrab 就是这样传播的。
product-redis-advice = 在 /etc/redis/redis.conf 中设置 `bind 127.0.0.1 -::1`，保持 `protected-mode yes`，设置 `requirepass`（或 ACL 用户），不需要时用 `rename-command CONFIG ""` 禁用 CONFIG；然后 `systemctl restart redis-server`。Windows（Memurai 或 Redis 移植版）：在其 .conf 文件中改同样的指令。
product-memcached-why = memcached 默认没有登录：能访问它的人就能读取和改写缓存；在 UDP 上，15 字节的请求能换来最多 1 MB 的应答，曾被用于破纪录的 DDoS 放大攻击。
product-memcached-advice = 在 /etc/memcached.conf 中使用 `-l 127.0.0.1`（监听地址）和 `-U 0`（关闭 UDP），其他主机确需访问时加 `-S` 启用 SASL 登录；然后 `systemctl restart memcached`。Windows 版在服务命令行上使用同样的 `-l`/`-U` 选项。
product-mosquitto-why = 接受匿名客户端的 MQTT 代理会让任何人读取所有主题（传感器数据、消息里的凭据），并向订阅的设备发布控制指令。
product-mosquitto-advice = 在 /etc/mosquitto/conf.d/*.conf 中，为本机客户端写 `listener 1883 127.0.0.1`；远程客户端则用 `allow_anonymous false` 加 `password_file`（mosquitto_passwd 生成），并在 8883 上启用 TLS（`certfile`、`keyfile`）；然后 `systemctl restart mosquitto`。Windows：在安装目录的 mosquitto.conf 中写同样的行。
product-mysql-why = 对网络开放的数据库会遭到针对 root 和应用账号的密码猜测，服务端的每个漏洞都只差一次连接。
product-mysql-advice = 在 /etc/mysql/mariadb.conf.d/50-server.cnf 或 /etc/mysql/mysql.conf.d/mysqld.cnf 的 [mysqld] 段设置 `bind-address = 127.0.0.1`（或 `skip-networking`），删除不需要的 host 为 '%' 的账号，然后 `systemctl restart mariadb`。Windows：在 my.ini 中改同样的项。
product-postgresql-why = 对网络开放的数据库会遭到密码猜测；超级用户密码一旦太弱，就等于可以执行命令（COPY … FROM PROGRAM），Kinsing、PGMiner 正是这样利用的。
product-postgresql-advice = 在 postgresql.conf（/etc/postgresql/*/main/）中设置 `listen_addresses = 'localhost'`，并在 pg_hba.conf 中只放行需要的主机，认证用 `scram-sha-256`，绝不要用 `trust`；然后 `systemctl restart postgresql`。Windows：修改数据目录中的这两个文件。
product-mongodb-why = 未开启授权的 MongoDB 允许任何人读取和删除全部数据库，数以万计的暴露实例曾因此被清空勒索。
product-mongodb-advice = 在 /etc/mongod.conf 中设置 `net.bindIp: 127.0.0.1` 和 `security.authorization: enabled`（先创建管理员用户），然后 `systemctl restart mongod`。Windows：在 mongod.cfg 中改同样的项。
product-elasticsearch-why = 未启用安全功能的 Elasticsearch REST 端口会把所有索引交给任何请求者；暴露的集群是大规模数据泄露的主要来源之一。
product-elasticsearch-advice = 在 /etc/elasticsearch/elasticsearch.yml 中设置 `network.host: 127.0.0.1`（或内网地址）和 `xpack.security.enabled: true` 并设置密码（`elasticsearch-reset-password`）；9300 只对集群成员开放；然后 `systemctl restart elasticsearch`。Windows：修改 config\elasticsearch.yml。
product-dnsmasq-why = 对所有人应答 DNS 的 dnsmasq 就是开放解析器：伪造源地址的查询会把它变成 DDoS 放大器，还会泄露内部主机名；它的 DHCP/TFTP 部分会向任何请求者分配地址、提供文件。
product-dnsmasq-advice = 用 `--interface=网卡` 或 `--listen-address=127.0.0.1` 加 `--bind-interfaces` 限定它（相当于 /etc/dnsmasq.conf 或 /etc/dnsmasq.d/* 中的 `interface=`、`listen-address=`、`bind-interfaces` 行），或用 `--local-service` 只应答本地网段；然后 `systemctl restart dnsmasq`。它不是 BIND：`allow-recursion` 对它无效。
product-named-why = 权威服务器本来就要对外服务，但对所有人开放递归会让它成为被用于放大攻击和缓存投毒的开放解析器；rndc（953）必须只留在本机。
product-named-advice = 在 /etc/bind/named.conf.options 中：权威服务器设 `recursion no;`，否则设 `allow-recursion {"{"} localnets; {"}"};`，并用 `listen-on {"{"} 127.0.0.1; 地址; {"}"};` 限定监听，`controls {"{"} inet 127.0.0.1 … {"}"}` 保持本机；`named-checkconf` 后 `rndc reconfig`。Windows DNS 服务器：`dnscmd /Config /NoRecursion 1`。
product-unbound-why = 对所有人开放的递归解析器会被用于 DNS 放大攻击；其远程控制端口（8953）必须只留在本机。
product-unbound-advice = 在 /etc/unbound/unbound.conf 的 server: 段设置 `interface: 127.0.0.1` 或内网地址，并只为自己的网段写 `access-control: 192.0.2.0/24 allow`（默认拒绝其他来源）；remote-control: 段设 `control-interface: 127.0.0.1`；`unbound-checkconf` 后 `systemctl restart unbound`。
product-resolved-why = systemd-resolved 通常只在 127.0.0.53 上应答；一旦出现在网络地址上，就是在提供 LLMNR/mDNS 名称应答，局域网攻击者可借此投毒截获登录凭据（Responder）。
product-resolved-advice = 在 /etc/systemd/resolved.conf（或 resolved.conf.d/*.conf）中设置 `LLMNR=no` 和 `MulticastDNS=no`，删除不需要的 `DNSStubListenerExtra=` 行；然后 `systemctl restart systemd-resolved`。Windows：用组策略“关闭多播名称解析”关掉 LLMNR。
product-chrony-why = chronyd 只有在配置了 `allow` 行时才对外提供授时；对所有人开放的授时服务可被用于反射攻击，也会向扫描者暴露主机信息。
product-chrony-advice = 在 /etc/chrony/chrony.conf（或 /etc/chrony.conf）中删除 `allow` 行或只留自己的网段；本机完全不需要对外授时就加 `port 0`，323 命令端口用 `bindcmdaddress 127.0.0.1`（或 `cmdport 0`）；然后 `systemctl restart chrony`。chrony 没有 `restrict` 指令，那是 ntpd 的。Windows（w32time）：把 HKLM\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders 下 NtpServer 的 Enabled 设为 0。
product-ntpd-why = ntpd 还会应答控制查询：旧版本的 `monlist` 一次请求返回最多 600 个地址，是经典的 DDoS 放大器；mode 6/7 查询还会泄露主机细节。
product-ntpd-advice = 在 /etc/ntp.conf（ntpsec 为 /etc/ntpsec/ntp.conf）中使用 `restrict default kod nomodify notrap nopeer noquery limited` 和 `restrict 127.0.0.1`，加上 `disable monitor`，并用 `interface ignore wildcard` 加 `interface listen 地址` 限定监听；然后 `systemctl restart ntp`。Windows（w32time）：不需要对外授时就把 NtpServer 的 Enabled 设为 0。
product-snmpd-why = SNMP v1/v2c 只靠明文传输的团体名保护，常常就是 `public`；它会泄露进程、网卡和已装软件，可写团体名还能修改配置。其 smux 端口（199）供子代理注册使用。
product-snmpd-advice = 在 /etc/snmp/snmpd.conf 中设置 `agentaddress udp:127.0.0.1:161`（或管理地址），用 SNMPv3 用户（`createUser`、`rouser … priv`）取代 `rocommunity public`；199 端口的 smux 只有 `smuxpeer` 行才会启用：用 `smuxsocket 127.0.0.1` 限定，或以 `-I -smux` 启动 snmpd（/etc/default/snmpd 中的 SNMPDOPTS）；然后 `systemctl restart snmpd`。Windows：移除 SNMP 服务功能（`Remove-WindowsCapability -Online -Name SNMP.Client~~~~0.0.1.0`）。
product-smbd-why = SMB 文件共享会把共享目录和账号暴露给密码猜测，SMB 漏洞（Samba 的 SambaCry、Windows 的永恒之蓝）曾在互联网上被蠕虫大规模利用。
product-smbd-advice = 在 /etc/samba/smb.conf 的 [global] 段设置 `interfaces = lo 内网网卡`、`bind interfaces only = yes`、`hosts allow = 192.0.2.0/24` 和 `server min protocol = SMB2_10`；`testparm` 检查后 `systemctl restart smbd`。Windows：`Set-SmbServerConfiguration -EnableSMB1Protocol $false`，并在 Windows Defender 防火墙中只允许内网访问 445。
product-nmbd-why = NetBIOS 名称服务会把主机名、工作组乃至登录用户告诉任何人，在局域网内它的应答还可被伪造以截获登录凭据。
product-nmbd-advice = 如果没有老式 Windows 客户端靠 NetBIOS 浏览，在 /etc/samba/smb.conf 的 [global] 段设置 `disable netbios = yes` 并 `systemctl disable --now nmbd`；否则用 `interfaces`/`bind interfaces only = yes` 限定。Windows：在网卡的 WINS 设置中关闭“TCP/IP 上的 NetBIOS”。
product-inetd-why = inetd 自己打开端口，每来一个连接就启动一次对应服务，所以风险取决于它启动的那个服务。
product-xinetd-why = xinetd 自己打开端口，每来一个连接就启动一次对应服务，所以风险取决于它启动的那个服务。
product-vsftpd-why = 除非强制 TLS，FTP 以明文传输密码；匿名登录则会向任何人提供（或接收）文件。
product-vsftpd-advice = 在 /etc/vsftpd.conf 中设置 `anonymous_enable=NO`、`ssl_enable=YES` 加 `force_local_logins_ssl=YES`，并用 `listen_address=` 绑定单个地址；然后 `systemctl restart vsftpd`。更好的做法是改用基于 SSH 的 SFTP。Windows（IIS FTP）：在 IIS 管理器中要求 SSL 并禁用匿名身份验证。
product-proftpd-why = 除非强制 TLS，FTP 以明文传输密码；ProFTPD 的 mod_copy 曾允许未登录者任意复制文件（CVE-2015-3306）。
product-proftpd-advice = 在 /etc/proftpd/proftpd.conf 中删除 `<Anonymous>` 段，设置 `DefaultAddress 地址` 加 `SocketBindTight on`，在 tls.conf 中启用 `TLSRequired on`，并从 modules.conf 中去掉 mod_copy；然后 `systemctl restart proftpd`。
product-pure-ftpd-why = 除非强制 TLS，FTP 以明文传输密码；匿名登录则会向任何人提供（或接收）文件。
product-pure-ftpd-advice = Debian 在 /etc/pure-ftpd/conf/ 中每个选项一个文件：NoAnonymous 写 `yes`，TLS 写 `2`（只允许 TLS），Bind 写 `地址,21`；然后 `systemctl restart pure-ftpd`（命令行对应 `-E`、`-Y 2`、`-S`）。
product-dovecot-why = 邮件服务本来就要让用户访问，但其中每个账号都会遭到密码喷洒攻击，明文 IMAP/POP3 还会以明文传输密码。
product-dovecot-advice = 如果只有本机的网页邮箱使用它，在 /etc/dovecot/dovecot.conf 中设置 `listen = 127.0.0.1`；否则设置 `ssl = required` 和 `disable_plaintext_auth = yes`（10-ssl.conf、10-auth.conf），并用 `protocols` 去掉明文 pop3/imap；`doveconf -n` 检查后 `systemctl reload dovecot`。
product-postfix-why = SMTP 服务本来就要收信，但对任何人开放转发会以你的名义发垃圾邮件，提交端口还会遭到密码喷洒。
product-postfix-advice = 如果它只负责发送本机邮件，执行 `postconf -e inet_interfaces=loopback-only` 再 `systemctl restart postfix`；否则在 /etc/postfix/main.cf 中保持 `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination` 并收紧 `mynetworks`。
product-exim-why = SMTP 服务本来就要收信，但 Exim 曾有被蠕虫利用的远程代码执行漏洞（CVE-2019-10149），对任何人开放转发还会以你的名义发垃圾邮件。
product-exim-advice = 在 Debian 上，于 /etc/exim4/update-exim4.conf.conf 中设置 `dc_local_interfaces='127.0.0.1 ; ::1'`（或运行 `dpkg-reconfigure exim4-config`），再执行 `update-exim4.conf` 和 `systemctl restart exim4`；并保持更新。
product-docker-proxy-why = docker-proxy 占用的是某个容器发布的端口；Docker 自己的 NAT 规则绕过了主机的入站防火墙，即使防火墙看起来是关着的，容器内的服务仍然暴露在外。
product-docker-proxy-advice = 用 `docker ps --filter publish=端口` 找到对应容器，然后只发布到本机回环（`-p 127.0.0.1:端口:端口`，或 compose.yaml 中写 `"127.0.0.1:端口:端口"`），或在 DOCKER-USER 链中过滤。
product-dockerd-why = TCP 上的 Docker API 等同主机 root：没有 TLS 客户端证书时，任何能访问它的人都能启动挂载 / 的特权容器；TeamTNT、Kinsing 就是这样挖矿的。
product-dockerd-advice = 从 /etc/docker/daemon.json 的 `hosts` 和服务 ExecStart 的 `-H` 中（systemctl edit docker）删除 `tcp://`，改用 unix 套接字或 `DOCKER_HOST=ssh://主机`；确需 TCP 时用 2376 并开启 `tlsverify`。Windows（Docker Desktop）：取消勾选“Expose daemon on tcp://localhost:2375 without TLS”。
product-containerd-why = containerd 通常只通过 unix 套接字访问；TCP 上的 gRPC 或 CRI 流式服务会让能访问它的人控制容器。
product-containerd-advice = 在 /etc/containerd/config.toml 中保持 `[grpc] tcp_address = ""`，并把 CRI 插件的 `stream_server_address` 设为 `"127.0.0.1"`；然后 `systemctl restart containerd`。
product-kubelet-why = 开启匿名访问时，kubelet API（10250）可以在节点上的每个 Pod 里执行命令，只读端口（10255）还会列出所有 Pod。
product-kubelet-advice = 在 /var/lib/kubelet/config.yaml 中设置 `authentication.anonymous.enabled: false`、`authorization.mode: Webhook` 和 `readOnlyPort: 0`，10250 只允许控制平面访问；然后 `systemctl restart kubelet`。
product-rpcbind-why = rpcbind 会告诉任何人本机运行着哪些 RPC 服务（NFS、mountd、NIS）及其端口，其 UDP 应答还会被用于放大攻击。
product-rpcbind-advice = 如果本机不提供 NFSv3/NIS，执行 `systemctl disable --now rpcbind.socket rpcbind`；否则在 /etc/default/rpcbind 的 OPTIONS 中加 `-h 地址` 限定监听，并只允许客户端访问 111。Windows 没有 rpcbind（其 RPC 端点映射器是 135 端口）。
product-cups-why = 网络上的打印服务会接受任何人的打印任务，并通过 cups-browsed（UDP 631）接受任何人的打印机通告：2024 年的漏洞链（CVE-2024-47176 等）借此实现了远程代码执行。
product-cups-advice = 在 /etc/cups/cupsd.conf 中把 `Port 631` 改为 `Listen localhost:631`，并设置 `Browsing No`；不需要网络打印机就停用 cups-browsed（`systemctl disable --now cups-browsed`）；然后 `systemctl restart cups`。Windows：不打印的机器停用 Print Spooler（`Stop-Service Spooler; Set-Service Spooler -StartupType Disabled`）。
product-avahi-why = mDNS 会在局域网内广播主机名和所提供的服务，并应答可被伪造的查询；在可信局域网中无害，在其他网络中则是噪音和信息泄露。
product-avahi-advice = 服务器上执行 `systemctl disable --now avahi-daemon.socket avahi-daemon`；否则在 /etc/avahi/avahi-daemon.conf 中用 `allow-interfaces=` 和 `publish-workstation=no` 加以限制。Windows：在 HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters 下把 EnableMDNS 设为 0。
product-xrdp-why = 网络上的远程桌面登录会昼夜不停地遭到密码猜测，会话一旦被接管，攻击者就得到一个完整桌面。
product-xrdp-advice = 在 /etc/xrdp/xrdp.ini 中设置 `port=tcp://127.0.0.1:3389`，通过 SSH 隧道或 VPN 访问，或只允许管理网段访问 3389；然后 `systemctl restart xrdp`。Windows 远程桌面：启用网络级身份验证（NLA），并把“远程桌面”防火墙规则限定为管理网段。
product-vnc-why = VNC 自带的密码最多 8 个字符，而且常常没有设置；开放的 VNC 端口就是把本机的屏幕和键盘交给别人。
product-vnc-advice = 以 `-localhost` 启动（TigerVNC：在 ~/.vnc/config 或 /etc/tigervnc/vncserver-config-mandatory 中写 `localhost`；x11vnc：`-localhost`），通过 `ssh -L 5901:localhost:5901` 连接；绝不要使用 `-SecurityTypes None`。
product-slapd-why = 网络上的目录服务若未加限制会应答匿名查询，泄露用户名和组；389 端口上的简单绑定会以明文传输密码。
product-slapd-advice = 在 /etc/default/slapd 中用 `SLAPD_SERVICES="ldap://127.0.0.1/ ldaps:/// ldapi:///"` 限定监听，拒绝匿名绑定（cn=config 中的 `olcDisallows: bind_anon`），并要求 TLS（`olcSecurity: tls=1`）；然后 `systemctl restart slapd`。Windows AD：要求 LDAP 签名和通道绑定。
product-rsyncd-why = rsync 守护进程会向任何人列出其模块，没有 `auth users` 的模块任何人都能读取（甚至写入）：备份和网站目录曾因此泄露。
product-rsyncd-advice = 在 /etc/rsyncd.conf 中设置 `address = 127.0.0.1` 或 `hosts allow = 192.0.2.0/24`，每个模块都配 `auth users`、`secrets file` 和 `read only = yes`；或者改用基于 SSH 的 rsync 并 `systemctl disable --now rsync`。Windows（cwRsync）：rsyncd.conf 的同样配置项。
