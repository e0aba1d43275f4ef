//! The product table: programs that listen on purpose, how to recognise each one, how
//! risky it is when anyone can reach it, why, and how to shut it in with its own switches.
//!
//! The audit judges a listener by the program behind it first and by the port number
//! second ([`identify`]); the curated port entries of `portwarden-kb` stay the fallback
//! for owners that are unknown or not in this table. Texts are ours, in English and
//! Chinese.

use portwarden_kb::{Risk, Text};
use portwarden_sockets::ProcessInfo;

/// One product: a daemon people run on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Short key, also shown as the service (`redis`, `ssh`).
    pub key: &'static str,
    /// Display name (`Redis`).
    pub name: &'static str,
    /// Process names (`comm`, at most 15 bytes) or executable basenames that mean this
    /// product, exactly.
    pub programs: &'static [&'static str],
    /// Substrings of the command line that mean this product (for interpreters such as
    /// `java`, and generic names such as postfix's `master`).
    pub cmdline: &'static [&'static str],
    /// systemd unit names (without `.service` and instance) that mean this product.
    pub units: &'static [&'static str],
    /// The ports it normally serves; empty when any port is normal (inetd, docker-proxy).
    pub ports: &'static [u16],
    /// Severity when anyone can reach it over TCP.
    pub risk: Risk,
    /// Severity over UDP, when it differs (amplification).
    pub udp_risk: Option<Risk>,
    /// An internet super-server: judged by the service it starts on the port.
    pub superserver: bool,
    /// Why it matters when reachable.
    pub why: Text,
    /// What to do, with the program's own switches and files (and Windows's equivalent).
    pub advice: Text,
}

const fn t(en: &'static str, zh: &'static str) -> Text {
    Text { en, zh }
}

/// Every product, most specific first (the first match wins).
pub const PRODUCTS: &[Product] = &[
    Product {
        key: "ssh",
        name: "OpenSSH server",
        programs: &["sshd", "sshd-session"],
        cmdline: &[],
        units: &["ssh", "sshd"],
        ports: &[22],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "An SSH server open to everyone receives password-guessing bots within minutes; it is only as strong as its weakest account password.",
            "对所有人开放的 SSH 服务几分钟内就会遭到自动猜密码攻击，其安全程度取决于最弱的那个账号密码。",
        ),
        advice: t(
            "In /etc/ssh/sshd_config (or a file in /etc/ssh/sshd_config.d/) set `PasswordAuthentication no` and `PermitRootLogin prohibit-password`, limit who may log in with `AllowUsers`/`AllowGroups`, and bind it with `ListenAddress` to the management address if it need not face everyone; check with `sshd -t`, then `systemctl reload ssh`. Windows (OpenSSH Server): the same keys in C:\\ProgramData\\ssh\\sshd_config, then `Restart-Service sshd`.",
            "在 /etc/ssh/sshd_config（或 /etc/ssh/sshd_config.d/ 下的文件）中设置 `PasswordAuthentication no` 和 `PermitRootLogin prohibit-password`，用 `AllowUsers`/`AllowGroups` 限定可登录的人；如不必面向所有人，用 `ListenAddress` 绑定到管理地址。先 `sshd -t` 检查，再 `systemctl reload ssh`。Windows（OpenSSH Server）：在 C:\\ProgramData\\ssh\\sshd_config 中改同样的项，再执行 `Restart-Service sshd`。",
        ),
    },
    Product {
        key: "ssh",
        name: "Dropbear SSH server",
        programs: &["dropbear"],
        cmdline: &[],
        units: &["dropbear"],
        ports: &[22],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "Dropbear is a small SSH server found on routers and embedded systems; open to everyone it draws password-guessing bots, and old builds have known flaws.",
            "Dropbear 是路由器和嵌入式设备上常见的小型 SSH 服务；对所有人开放会招来猜密码机器人，旧版本还有已知漏洞。",
        ),
        advice: t(
            "Start it with `-s` (no password logins) and `-p ADDRESS:PORT` to bind one address, e.g. in DROPBEAR_EXTRA_ARGS of /etc/default/dropbear (OpenWrt: `uci set dropbear.@dropbear[0].PasswordAuth=off` and `.Interface=lan`); keep it updated.",
            "用 `-s`（禁止密码登录）和 `-p 地址:端口`（只绑定一个地址）启动它，例如写进 /etc/default/dropbear 的 DROPBEAR_EXTRA_ARGS（OpenWrt：`uci set dropbear.@dropbear[0].PasswordAuth=off` 和 `.Interface=lan`）；并保持更新。",
        ),
    },
    Product {
        key: "telnet",
        name: "telnet server",
        programs: &["in.telnetd", "telnetd", "utelnetd"],
        cmdline: &[],
        units: &["telnet"],
        ports: &[23],
        risk: Risk::Critical,
        udp_risk: None,
        superserver: false,
        why: t(
            "Telnet sends passwords and the whole session in clear text, and botnets such as Mirai sweep the internet for it with default passwords.",
            "Telnet 以明文传输密码和整个会话，Mirai 之类的僵尸网络会带着默认密码在全网扫描它。",
        ),
        advice: t(
            "Use SSH instead and remove the telnet server (`apt purge telnetd inetutils-telnetd`, or comment its line in /etc/inetd.conf). Windows: `dism /online /disable-feature /featurename:TelnetServer`.",
            "改用 SSH，卸载 telnet 服务（`apt purge telnetd inetutils-telnetd`，或注释掉 /etc/inetd.conf 中的对应行）。Windows：`dism /online /disable-feature /featurename:TelnetServer`。",
        ),
    },
    Product {
        key: "http",
        name: "nginx",
        programs: &["nginx"],
        cmdline: &[],
        units: &["nginx"],
        ports: &[80, 443, 8080, 8443],
        risk: Risk::Low,
        udp_risk: None,
        superserver: false,
        why: t(
            "A web server is meant to be reached, so the listener itself is normal; what it serves (admin pages, proxied back ends, old versions) is where the risk lies.",
            "Web 服务器本来就是给人访问的，监听本身是正常的；风险在于它提供的内容（管理页面、反向代理的后端、旧版本）。",
        ),
        advice: t(
            "If only this machine or a proxy in front needs it, write `listen 127.0.0.1:PORT;` in the server block (/etc/nginx/sites-enabled/*, /etc/nginx/conf.d/*.conf); set `server_tokens off;`, keep it updated, check with `nginx -t` and `systemctl reload nginx`. Windows: the same in conf\\nginx.conf.",
            "如果只有本机或前置代理需要访问，在 server 块中写 `listen 127.0.0.1:端口;`（/etc/nginx/sites-enabled/*、/etc/nginx/conf.d/*.conf）；设置 `server_tokens off;` 并保持更新，用 `nginx -t` 检查后 `systemctl reload nginx`。Windows：在 conf\\nginx.conf 中做同样修改。",
        ),
    },
    Product {
        key: "http",
        name: "Apache httpd",
        programs: &["apache2", "httpd"],
        cmdline: &[],
        units: &["apache2", "httpd"],
        ports: &[80, 443, 8080, 8443],
        risk: Risk::Low,
        udp_risk: None,
        superserver: false,
        why: t(
            "A web server is meant to be reached, so the listener itself is normal; what it serves (admin pages, server-status, old modules) is where the risk lies.",
            "Web 服务器本来就是给人访问的，监听本身是正常的；风险在于它提供的内容（管理页面、server-status、老旧模块）。",
        ),
        advice: t(
            "Ports and addresses are set by `Listen` in /etc/apache2/ports.conf (Debian) or /etc/httpd/conf/httpd.conf (Red Hat): write `Listen 127.0.0.1:8080` to keep a port local, and drop sites you do not serve with `a2dissite`; set `ServerTokens Prod`, then `apachectl configtest` and `systemctl reload apache2`. Windows: `Listen` in conf\\httpd.conf.",
            "端口和地址由 `Listen` 指令决定：Debian 在 /etc/apache2/ports.conf，Red Hat 在 /etc/httpd/conf/httpd.conf。写成 `Listen 127.0.0.1:8080` 可只对本机开放，不用的站点用 `a2dissite` 停用；设置 `ServerTokens Prod`，再 `apachectl configtest` 并 `systemctl reload apache2`。Windows：修改 conf\\httpd.conf 中的 `Listen`。",
        ),
    },
    Product {
        key: "http",
        name: "lighttpd",
        programs: &["lighttpd"],
        cmdline: &[],
        units: &["lighttpd"],
        ports: &[80, 443],
        risk: Risk::Low,
        udp_risk: None,
        superserver: false,
        why: t(
            "A small web server, often the admin page of an appliance; the listener is normal, the pages behind it may not be.",
            "一个小型 Web 服务器，常用作设备的管理页面；监听本身正常，背后的页面未必安全。",
        ),
        advice: t(
            "Bind it with `server.bind = \"127.0.0.1\"` (and `server.port`) in /etc/lighttpd/lighttpd.conf if it need not face the network; `lighttpd -tt -f /etc/lighttpd/lighttpd.conf`, then `systemctl reload lighttpd`.",
            "如不必面向网络，在 /etc/lighttpd/lighttpd.conf 中设置 `server.bind = \"127.0.0.1\"`（以及 `server.port`）；用 `lighttpd -tt -f /etc/lighttpd/lighttpd.conf` 检查后 `systemctl reload lighttpd`。",
        ),
    },
    Product {
        key: "http",
        name: "Caddy",
        programs: &["caddy"],
        cmdline: &[],
        units: &["caddy"],
        ports: &[80, 443, 2019],
        risk: Risk::Low,
        udp_risk: None,
        superserver: false,
        why: t(
            "A web server is meant to be reached; Caddy's admin API (2019) must stay on localhost, as anyone who reaches it can rewrite the configuration.",
            "Web 服务器本来就是给人访问的；但 Caddy 的管理 API（2019 端口）必须只留在本机，能访问它的人就能改写整个配置。",
        ),
        advice: t(
            "In the Caddyfile (/etc/caddy/Caddyfile) use `bind 127.0.0.1` in a site block to keep it local, and keep the global `admin localhost:2019` (or `admin off`); `caddy validate`, then `systemctl reload caddy`.",
            "在 Caddyfile（/etc/caddy/Caddyfile）的站点块中用 `bind 127.0.0.1` 只对本机开放，全局保持 `admin localhost:2019`（或 `admin off`）；`caddy validate` 后 `systemctl reload caddy`。",
        ),
    },
    Product {
        key: "redis",
        name: "Redis",
        programs: &["redis-server", "valkey-server", "keydb-server"],
        cmdline: &[],
        units: &["redis-server", "redis", "valkey"],
        ports: &[6379, 16379],
        risk: Risk::Critical,
        udp_risk: None,
        superserver: false,
        why: t(
            "Redis trusts whoever connects: without a password anyone who reaches it reads and wipes the data and, with CONFIG SET, writes files such as SSH keys or cron jobs; Kinsing, P2PInfect and HeadCrab spread this way.",
            "Redis 信任所有连上来的人：没有密码时，任何能访问它的人都能读取、清空数据，并借 CONFIG SET 写入 SSH 公钥或 cron 任务等文件；Kinsing、P2PInfect、HeadCrab 就是这样传播的。",
        ),
        advice: t(
            "In /etc/redis/redis.conf set `bind 127.0.0.1 -::1`, keep `protected-mode yes`, set `requirepass` (or ACL users) and `rename-command CONFIG \"\"` if nothing needs it; `systemctl restart redis-server`. Windows (Memurai or a Redis port): the same directives in its .conf file.",
            "在 /etc/redis/redis.conf 中设置 `bind 127.0.0.1 -::1`，保持 `protected-mode yes`，设置 `requirepass`（或 ACL 用户），不需要时用 `rename-command CONFIG \"\"` 禁用 CONFIG；然后 `systemctl restart redis-server`。Windows（Memurai 或 Redis 移植版）：在其 .conf 文件中改同样的指令。",
        ),
    },
    Product {
        key: "memcache",
        name: "memcached",
        programs: &["memcached"],
        cmdline: &[],
        units: &["memcached"],
        ports: &[11211],
        risk: Risk::High,
        udp_risk: Some(Risk::Critical),
        superserver: false,
        why: t(
            "memcached has no login by default: anyone who reaches it reads and overwrites the cache; over UDP it answers a 15-byte request with up to a megabyte, the amplifier of record-breaking DDoS attacks.",
            "memcached 默认没有登录：能访问它的人就能读取和改写缓存；在 UDP 上，15 字节的请求能换来最多 1 MB 的应答，曾被用于破纪录的 DDoS 放大攻击。",
        ),
        advice: t(
            "In /etc/memcached.conf use `-l 127.0.0.1` (listen address) and `-U 0` (no UDP), add `-S` for SASL logins if other hosts need it; `systemctl restart memcached`. Windows builds take the same `-l`/`-U` options on the service's command line.",
            "在 /etc/memcached.conf 中使用 `-l 127.0.0.1`（监听地址）和 `-U 0`（关闭 UDP），其他主机确需访问时加 `-S` 启用 SASL 登录；然后 `systemctl restart memcached`。Windows 版在服务命令行上使用同样的 `-l`/`-U` 选项。",
        ),
    },
    Product {
        key: "mqtt",
        name: "Mosquitto MQTT broker",
        programs: &["mosquitto"],
        cmdline: &[],
        units: &["mosquitto"],
        ports: &[1883, 8883],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "An MQTT broker that accepts anonymous clients lets anyone read every topic (sensor data, credentials in payloads) and publish commands to the devices that subscribe.",
            "接受匿名客户端的 MQTT 代理会让任何人读取所有主题（传感器数据、消息里的凭据），并向订阅的设备发布控制指令。",
        ),
        advice: t(
            "In /etc/mosquitto/conf.d/*.conf write `listener 1883 127.0.0.1` for local clients, `allow_anonymous false` with a `password_file` (mosquitto_passwd) and TLS on 8883 (`certfile`, `keyfile`) for remote ones; `systemctl restart mosquitto`. Windows: the same lines in mosquitto.conf in its install folder.",
            "在 /etc/mosquitto/conf.d/*.conf 中，为本机客户端写 `listener 1883 127.0.0.1`；远程客户端则用 `allow_anonymous false` 加 `password_file`（mosquitto_passwd 生成），并在 8883 上启用 TLS（`certfile`、`keyfile`）；然后 `systemctl restart mosquitto`。Windows：在安装目录的 mosquitto.conf 中写同样的行。",
        ),
    },
    Product {
        key: "mysql",
        name: "MySQL/MariaDB",
        programs: &["mysqld", "mariadbd"],
        cmdline: &[],
        units: &["mysql", "mariadb", "mysqld"],
        ports: &[3306, 33060],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "A database open to the network gets password guessing against root and application accounts, and every server flaw is one connection away.",
            "对网络开放的数据库会遭到针对 root 和应用账号的密码猜测，服务端的每个漏洞都只差一次连接。",
        ),
        advice: t(
            "Set `bind-address = 127.0.0.1` (or `skip-networking`) under [mysqld] in /etc/mysql/mariadb.conf.d/50-server.cnf or /etc/mysql/mysql.conf.d/mysqld.cnf, remove accounts with host '%' that do not need it, `systemctl restart mariadb`. Windows: the same key in my.ini.",
            "在 /etc/mysql/mariadb.conf.d/50-server.cnf 或 /etc/mysql/mysql.conf.d/mysqld.cnf 的 [mysqld] 段设置 `bind-address = 127.0.0.1`（或 `skip-networking`），删除不需要的 host 为 '%' 的账号，然后 `systemctl restart mariadb`。Windows：在 my.ini 中改同样的项。",
        ),
    },
    Product {
        key: "postgresql",
        name: "PostgreSQL",
        programs: &["postgres", "postmaster"],
        cmdline: &[],
        units: &["postgresql"],
        ports: &[5432],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "A database open to the network gets password guessing, and a weak superuser password means command execution (COPY … FROM PROGRAM), as Kinsing and PGMiner use it.",
            "对网络开放的数据库会遭到密码猜测；超级用户密码一旦太弱，就等于可以执行命令（COPY … FROM PROGRAM），Kinsing、PGMiner 正是这样利用的。",
        ),
        advice: t(
            "Set `listen_addresses = 'localhost'` in postgresql.conf (/etc/postgresql/*/main/), and in pg_hba.conf allow only the hosts that need it with `scram-sha-256`, never `trust`; `systemctl restart postgresql`. Windows: the same two files in the data folder.",
            "在 postgresql.conf（/etc/postgresql/*/main/）中设置 `listen_addresses = 'localhost'`，并在 pg_hba.conf 中只放行需要的主机，认证用 `scram-sha-256`，绝不要用 `trust`；然后 `systemctl restart postgresql`。Windows：修改数据目录中的这两个文件。",
        ),
    },
    Product {
        key: "mongodb",
        name: "MongoDB",
        programs: &["mongod", "mongos"],
        cmdline: &[],
        units: &["mongod"],
        ports: &[27017, 27018, 27019],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "MongoDB without authorization lets anyone read and delete every database; tens of thousands of open instances were wiped for ransom this way.",
            "未开启授权的 MongoDB 允许任何人读取和删除全部数据库，数以万计的暴露实例曾因此被清空勒索。",
        ),
        advice: t(
            "In /etc/mongod.conf set `net.bindIp: 127.0.0.1` and `security.authorization: enabled` (create an admin user first), then `systemctl restart mongod`. Windows: the same keys in mongod.cfg.",
            "在 /etc/mongod.conf 中设置 `net.bindIp: 127.0.0.1` 和 `security.authorization: enabled`（先创建管理员用户），然后 `systemctl restart mongod`。Windows：在 mongod.cfg 中改同样的项。",
        ),
    },
    Product {
        key: "elasticsearch",
        name: "Elasticsearch",
        programs: &["elasticsearch"],
        cmdline: &["org.elasticsearch.", "opensearch"],
        units: &["elasticsearch", "opensearch"],
        ports: &[9200, 9300],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "An Elasticsearch REST port without security hands every index to whoever asks; open clusters are a leading cause of large data leaks.",
            "未启用安全功能的 Elasticsearch REST 端口会把所有索引交给任何请求者；暴露的集群是大规模数据泄露的主要来源之一。",
        ),
        advice: t(
            "In /etc/elasticsearch/elasticsearch.yml set `network.host: 127.0.0.1` (or the private address) and `xpack.security.enabled: true` with passwords (`elasticsearch-reset-password`); keep 9300 to cluster members; `systemctl restart elasticsearch`. Windows: the same in config\\elasticsearch.yml.",
            "在 /etc/elasticsearch/elasticsearch.yml 中设置 `network.host: 127.0.0.1`（或内网地址）和 `xpack.security.enabled: true` 并设置密码（`elasticsearch-reset-password`）；9300 只对集群成员开放；然后 `systemctl restart elasticsearch`。Windows：修改 config\\elasticsearch.yml。",
        ),
    },
    Product {
        key: "domain",
        name: "dnsmasq",
        programs: &["dnsmasq"],
        cmdline: &[],
        units: &["dnsmasq"],
        ports: &[53, 67, 69, 547],
        risk: Risk::Medium,
        udp_risk: Some(Risk::High),
        superserver: false,
        why: t(
            "dnsmasq answering DNS for anyone is an open resolver: spoofed queries turn it into a DDoS amplifier, and it leaks local names; its DHCP/TFTP parts hand out addresses and files to whoever asks.",
            "对所有人应答 DNS 的 dnsmasq 就是开放解析器：伪造源地址的查询会把它变成 DDoS 放大器，还会泄露内部主机名；它的 DHCP/TFTP 部分会向任何请求者分配地址、提供文件。",
        ),
        advice: t(
            "Limit it with `--interface=IFACE` or `--listen-address=127.0.0.1` plus `--bind-interfaces` (the same as `interface=`, `listen-address=`, `bind-interfaces` lines in /etc/dnsmasq.conf or /etc/dnsmasq.d/*), or `--local-service` to answer only local subnets; `systemctl restart dnsmasq`. It is not BIND: `allow-recursion` does not apply.",
            "用 `--interface=网卡` 或 `--listen-address=127.0.0.1` 加 `--bind-interfaces` 限定它（相当于 /etc/dnsmasq.conf 或 /etc/dnsmasq.d/* 中的 `interface=`、`listen-address=`、`bind-interfaces` 行），或用 `--local-service` 只应答本地网段；然后 `systemctl restart dnsmasq`。它不是 BIND：`allow-recursion` 对它无效。",
        ),
    },
    Product {
        key: "domain",
        name: "BIND named",
        programs: &["named"],
        cmdline: &[],
        units: &["named", "bind9"],
        ports: &[53, 953],
        risk: Risk::Medium,
        udp_risk: Some(Risk::High),
        superserver: false,
        why: t(
            "An authoritative server is meant to be reached, but recursion for everyone makes it an open resolver used for amplification and cache poisoning, and rndc (953) must stay local.",
            "权威服务器本来就要对外服务，但对所有人开放递归会让它成为被用于放大攻击和缓存投毒的开放解析器；rndc（953）必须只留在本机。",
        ),
        advice: t(
            "In /etc/bind/named.conf.options set `recursion no;` on authoritative servers or `allow-recursion { localnets; };`, `listen-on { 127.0.0.1; ADDRESS; };` and keep `controls { inet 127.0.0.1 … }`; `named-checkconf`, then `rndc reconfig`. Windows DNS Server: `dnscmd /Config /NoRecursion 1`.",
            "在 /etc/bind/named.conf.options 中：权威服务器设 `recursion no;`，否则设 `allow-recursion { localnets; };`，并用 `listen-on { 127.0.0.1; 地址; };` 限定监听，`controls { inet 127.0.0.1 … }` 保持本机；`named-checkconf` 后 `rndc reconfig`。Windows DNS 服务器：`dnscmd /Config /NoRecursion 1`。",
        ),
    },
    Product {
        key: "domain",
        name: "Unbound",
        programs: &["unbound"],
        cmdline: &[],
        units: &["unbound"],
        ports: &[53, 853, 8953],
        risk: Risk::Medium,
        udp_risk: Some(Risk::High),
        superserver: false,
        why: t(
            "A recursive resolver open to everyone is abused for DNS amplification; its remote-control port (8953) must stay local.",
            "对所有人开放的递归解析器会被用于 DNS 放大攻击；其远程控制端口（8953）必须只留在本机。",
        ),
        advice: t(
            "In /etc/unbound/unbound.conf (server:) set `interface: 127.0.0.1` or the LAN address and `access-control: 192.0.2.0/24 allow` for your own networks only (the default refuses others); under remote-control: `control-interface: 127.0.0.1`; `unbound-checkconf`, then `systemctl restart unbound`.",
            "在 /etc/unbound/unbound.conf 的 server: 段设置 `interface: 127.0.0.1` 或内网地址，并只为自己的网段写 `access-control: 192.0.2.0/24 allow`（默认拒绝其他来源）；remote-control: 段设 `control-interface: 127.0.0.1`；`unbound-checkconf` 后 `systemctl restart unbound`。",
        ),
    },
    Product {
        key: "domain",
        name: "systemd-resolved",
        programs: &["systemd-resolve", "systemd-resolved"],
        cmdline: &[],
        units: &["systemd-resolved"],
        ports: &[53, 5353, 5355],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "systemd-resolved normally answers on 127.0.0.53 only; on a network address it serves LLMNR/mDNS name claims that attackers on the LAN poison to capture logins (Responder).",
            "systemd-resolved 通常只在 127.0.0.53 上应答；一旦出现在网络地址上，就是在提供 LLMNR/mDNS 名称应答，局域网攻击者可借此投毒截获登录凭据（Responder）。",
        ),
        advice: t(
            "In /etc/systemd/resolved.conf (or resolved.conf.d/*.conf) set `LLMNR=no` and `MulticastDNS=no`, and remove `DNSStubListenerExtra=` lines that are not needed; `systemctl restart systemd-resolved`. Windows: turn off LLMNR with the policy 'Turn off multicast name resolution'.",
            "在 /etc/systemd/resolved.conf（或 resolved.conf.d/*.conf）中设置 `LLMNR=no` 和 `MulticastDNS=no`，删除不需要的 `DNSStubListenerExtra=` 行；然后 `systemctl restart systemd-resolved`。Windows：用组策略“关闭多播名称解析”关掉 LLMNR。",
        ),
    },
    Product {
        key: "ntp",
        name: "chrony",
        programs: &["chronyd"],
        cmdline: &[],
        units: &["chrony", "chronyd"],
        ports: &[123, 323],
        risk: Risk::Low,
        udp_risk: Some(Risk::Medium),
        superserver: false,
        why: t(
            "chronyd serves time to others only when an `allow` line says so; a time server open to everyone can be used for reflection and tells scanners about the host.",
            "chronyd 只有在配置了 `allow` 行时才对外提供授时；对所有人开放的授时服务可被用于反射攻击，也会向扫描者暴露主机信息。",
        ),
        advice: t(
            "In /etc/chrony/chrony.conf (or /etc/chrony.conf) remove the `allow` lines or narrow them to your subnets, add `port 0` if this host should not serve time at all and `bindcmdaddress 127.0.0.1` (or `cmdport 0`) for the 323 command port; `systemctl restart chrony`. chrony has no `restrict` lines; those are ntpd's. Windows (w32time): set NtpServer's Enabled to 0 under HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\TimeProviders.",
            "在 /etc/chrony/chrony.conf（或 /etc/chrony.conf）中删除 `allow` 行或只留自己的网段；本机完全不需要对外授时就加 `port 0`，323 命令端口用 `bindcmdaddress 127.0.0.1`（或 `cmdport 0`）；然后 `systemctl restart chrony`。chrony 没有 `restrict` 指令，那是 ntpd 的。Windows（w32time）：把 HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\TimeProviders 下 NtpServer 的 Enabled 设为 0。",
        ),
    },
    Product {
        key: "ntp",
        name: "ntpd",
        programs: &["ntpd"],
        cmdline: &[],
        units: &["ntp", "ntpd", "ntpsec"],
        ports: &[123],
        risk: Risk::Low,
        udp_risk: Some(Risk::Medium),
        superserver: false,
        why: t(
            "ntpd answers control queries too: on old versions `monlist` returns up to 600 addresses per request, a classic DDoS amplifier, and mode 6/7 queries leak details of the host.",
            "ntpd 还会应答控制查询：旧版本的 `monlist` 一次请求返回最多 600 个地址，是经典的 DDoS 放大器；mode 6/7 查询还会泄露主机细节。",
        ),
        advice: t(
            "In /etc/ntp.conf (ntpsec: /etc/ntpsec/ntp.conf) use `restrict default kod nomodify notrap nopeer noquery limited` and `restrict 127.0.0.1`, add `disable monitor`, and `interface ignore wildcard` + `interface listen ADDRESS` to bind; `systemctl restart ntp`. Windows (w32time): set NtpServer's Enabled to 0 if it should not serve time.",
            "在 /etc/ntp.conf（ntpsec 为 /etc/ntpsec/ntp.conf）中使用 `restrict default kod nomodify notrap nopeer noquery limited` 和 `restrict 127.0.0.1`，加上 `disable monitor`，并用 `interface ignore wildcard` 加 `interface listen 地址` 限定监听；然后 `systemctl restart ntp`。Windows（w32time）：不需要对外授时就把 NtpServer 的 Enabled 设为 0。",
        ),
    },
    Product {
        key: "snmp",
        name: "Net-SNMP snmpd",
        programs: &["snmpd"],
        cmdline: &[],
        units: &["snmpd"],
        ports: &[161, 199],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "SNMP v1/v2c protects everything with a community string sent in clear, often `public`; it reveals processes, interfaces and installed software, and a write community changes the configuration. Its smux port (199) lets local sub-agents register.",
            "SNMP v1/v2c 只靠明文传输的团体名保护，常常就是 `public`；它会泄露进程、网卡和已装软件，可写团体名还能修改配置。其 smux 端口（199）供子代理注册使用。",
        ),
        advice: t(
            "In /etc/snmp/snmpd.conf set `agentaddress udp:127.0.0.1:161` (or the management address), replace `rocommunity public` with SNMPv3 users (`createUser`, `rouser … priv`); smux on 199 is off unless a `smuxpeer` line enables it: keep it with `smuxsocket 127.0.0.1` or start snmpd with `-I -smux` (SNMPDOPTS in /etc/default/snmpd); `systemctl restart snmpd`. Windows: remove the SNMP Service feature (`Remove-WindowsCapability -Online -Name SNMP.Client~~~~0.0.1.0`).",
            "在 /etc/snmp/snmpd.conf 中设置 `agentaddress udp:127.0.0.1:161`（或管理地址），用 SNMPv3 用户（`createUser`、`rouser … priv`）取代 `rocommunity public`；199 端口的 smux 只有 `smuxpeer` 行才会启用：用 `smuxsocket 127.0.0.1` 限定，或以 `-I -smux` 启动 snmpd（/etc/default/snmpd 中的 SNMPDOPTS）；然后 `systemctl restart snmpd`。Windows：移除 SNMP 服务功能（`Remove-WindowsCapability -Online -Name SNMP.Client~~~~0.0.1.0`）。",
        ),
    },
    Product {
        key: "microsoft-ds",
        name: "Samba smbd",
        programs: &["smbd"],
        cmdline: &[],
        units: &["smbd", "smb", "samba"],
        ports: &[139, 445],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "File sharing over SMB exposes shares and accounts to password guessing, and SMB flaws (SambaCry, EternalBlue on Windows) have been wormed across the internet.",
            "SMB 文件共享会把共享目录和账号暴露给密码猜测，SMB 漏洞（Samba 的 SambaCry、Windows 的永恒之蓝）曾在互联网上被蠕虫大规模利用。",
        ),
        advice: t(
            "In [global] of /etc/samba/smb.conf set `interfaces = lo LAN-IFACE`, `bind interfaces only = yes`, `hosts allow = 192.0.2.0/24` and `server min protocol = SMB2_10`; `testparm`, then `systemctl restart smbd`. Windows: `Set-SmbServerConfiguration -EnableSMB1Protocol $false` and keep 445 to the LAN in Windows Defender Firewall.",
            "在 /etc/samba/smb.conf 的 [global] 段设置 `interfaces = lo 内网网卡`、`bind interfaces only = yes`、`hosts allow = 192.0.2.0/24` 和 `server min protocol = SMB2_10`；`testparm` 检查后 `systemctl restart smbd`。Windows：`Set-SmbServerConfiguration -EnableSMB1Protocol $false`，并在 Windows Defender 防火墙中只允许内网访问 445。",
        ),
    },
    Product {
        key: "netbios-ns",
        name: "Samba nmbd",
        programs: &["nmbd"],
        cmdline: &[],
        units: &["nmbd"],
        ports: &[137, 138],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "NetBIOS name service tells anyone the host's names, workgroup and sometimes logged-in users, and its replies can be spoofed on the LAN to capture logins.",
            "NetBIOS 名称服务会把主机名、工作组乃至登录用户告诉任何人，在局域网内它的应答还可被伪造以截获登录凭据。",
        ),
        advice: t(
            "If no old Windows clients browse by NetBIOS, set `disable netbios = yes` in [global] of /etc/samba/smb.conf and `systemctl disable --now nmbd`; otherwise bind it with `interfaces`/`bind interfaces only = yes`. Windows: turn off 'NetBIOS over TCP/IP' in the adapter's WINS settings.",
            "如果没有老式 Windows 客户端靠 NetBIOS 浏览，在 /etc/samba/smb.conf 的 [global] 段设置 `disable netbios = yes` 并 `systemctl disable --now nmbd`；否则用 `interfaces`/`bind interfaces only = yes` 限定。Windows：在网卡的 WINS 设置中关闭“TCP/IP 上的 NetBIOS”。",
        ),
    },
    Product {
        key: "inetd",
        name: "inetd",
        programs: &["inetd", "inetutils-inetd", "openbsd-inetd"],
        cmdline: &[],
        units: &["inetutils-inetd", "openbsd-inetd", "inetd"],
        ports: &[],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: true,
        why: t(
            "inetd opens the port itself and starts the service for each connection, so the risk is that of the service it starts.",
            "inetd 自己打开端口，每来一个连接就启动一次对应服务，所以风险取决于它启动的那个服务。",
        ),
        advice: t("", ""),
    },
    Product {
        key: "xinetd",
        name: "xinetd",
        programs: &["xinetd"],
        cmdline: &[],
        units: &["xinetd"],
        ports: &[],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: true,
        why: t(
            "xinetd opens the port itself and starts the service for each connection, so the risk is that of the service it starts.",
            "xinetd 自己打开端口，每来一个连接就启动一次对应服务，所以风险取决于它启动的那个服务。",
        ),
        advice: t("", ""),
    },
    Product {
        key: "ftp",
        name: "vsftpd",
        programs: &["vsftpd"],
        cmdline: &[],
        units: &["vsftpd"],
        ports: &[21],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "FTP sends passwords in clear text unless TLS is forced, and anonymous logins hand out (or accept) files to anyone.",
            "除非强制 TLS，FTP 以明文传输密码；匿名登录则会向任何人提供（或接收）文件。",
        ),
        advice: t(
            "In /etc/vsftpd.conf set `anonymous_enable=NO`, `ssl_enable=YES` with `force_local_logins_ssl=YES`, and `listen_address=` to bind one address; `systemctl restart vsftpd`. Better: SFTP over SSH. Windows (IIS FTP): require SSL and disable anonymous authentication in IIS Manager.",
            "在 /etc/vsftpd.conf 中设置 `anonymous_enable=NO`、`ssl_enable=YES` 加 `force_local_logins_ssl=YES`，并用 `listen_address=` 绑定单个地址；然后 `systemctl restart vsftpd`。更好的做法是改用基于 SSH 的 SFTP。Windows（IIS FTP）：在 IIS 管理器中要求 SSL 并禁用匿名身份验证。",
        ),
    },
    Product {
        key: "ftp",
        name: "ProFTPD",
        programs: &["proftpd"],
        cmdline: &[],
        units: &["proftpd"],
        ports: &[21],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "FTP sends passwords in clear text unless TLS is forced; ProFTPD's mod_copy once let anyone copy files without logging in (CVE-2015-3306).",
            "除非强制 TLS，FTP 以明文传输密码；ProFTPD 的 mod_copy 曾允许未登录者任意复制文件（CVE-2015-3306）。",
        ),
        advice: t(
            "In /etc/proftpd/proftpd.conf remove the `<Anonymous>` block, set `DefaultAddress ADDRESS` with `SocketBindTight on`, enable `TLSRequired on` in tls.conf, and drop mod_copy from modules.conf; `systemctl restart proftpd`.",
            "在 /etc/proftpd/proftpd.conf 中删除 `<Anonymous>` 段，设置 `DefaultAddress 地址` 加 `SocketBindTight on`，在 tls.conf 中启用 `TLSRequired on`，并从 modules.conf 中去掉 mod_copy；然后 `systemctl restart proftpd`。",
        ),
    },
    Product {
        key: "ftp",
        name: "Pure-FTPd",
        programs: &["pure-ftpd"],
        cmdline: &[],
        units: &["pure-ftpd"],
        ports: &[21],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "FTP sends passwords in clear text unless TLS is forced, and anonymous logins hand out (or accept) files to anyone.",
            "除非强制 TLS，FTP 以明文传输密码；匿名登录则会向任何人提供（或接收）文件。",
        ),
        advice: t(
            "Debian keeps one option per file in /etc/pure-ftpd/conf/: write `yes` to NoAnonymous, `2` to TLS (TLS only) and `ADDRESS,21` to Bind; `systemctl restart pure-ftpd` (command line: `-E`, `-Y 2`, `-S`).",
            "Debian 在 /etc/pure-ftpd/conf/ 中每个选项一个文件：NoAnonymous 写 `yes`，TLS 写 `2`（只允许 TLS），Bind 写 `地址,21`；然后 `systemctl restart pure-ftpd`（命令行对应 `-E`、`-Y 2`、`-S`）。",
        ),
    },
    Product {
        key: "imap",
        name: "Dovecot",
        programs: &["dovecot"],
        cmdline: &[],
        units: &["dovecot"],
        ports: &[110, 143, 993, 995, 4190],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "A mail server is meant to be reached by its users, but every account on it meets password-spraying bots, and plain IMAP/POP3 carry passwords in clear.",
            "邮件服务本来就要让用户访问，但其中每个账号都会遭到密码喷洒攻击，明文 IMAP/POP3 还会以明文传输密码。",
        ),
        advice: t(
            "In /etc/dovecot/dovecot.conf set `listen = 127.0.0.1` if only webmail on this host uses it, otherwise `ssl = required` and `disable_plaintext_auth = yes` (10-ssl.conf, 10-auth.conf), and drop plain pop3/imap with `protocols`; `doveconf -n`, then `systemctl reload dovecot`.",
            "如果只有本机的网页邮箱使用它，在 /etc/dovecot/dovecot.conf 中设置 `listen = 127.0.0.1`；否则设置 `ssl = required` 和 `disable_plaintext_auth = yes`（10-ssl.conf、10-auth.conf），并用 `protocols` 去掉明文 pop3/imap；`doveconf -n` 检查后 `systemctl reload dovecot`。",
        ),
    },
    Product {
        key: "smtp",
        name: "Postfix",
        programs: &[],
        cmdline: &["postfix/sbin/master", "/usr/libexec/postfix/master"],
        units: &["postfix"],
        ports: &[25, 465, 587],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "An SMTP server is meant to receive mail, but one that relays for anyone sends spam in your name, and submission ports meet password spraying.",
            "SMTP 服务本来就要收信，但对任何人开放转发会以你的名义发垃圾邮件，提交端口还会遭到密码喷洒。",
        ),
        advice: t(
            "If it only sends this host's mail, run `postconf -e inet_interfaces=loopback-only` and `systemctl restart postfix`; otherwise keep `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination` and a tight `mynetworks` in /etc/postfix/main.cf.",
            "如果它只负责发送本机邮件，执行 `postconf -e inet_interfaces=loopback-only` 再 `systemctl restart postfix`；否则在 /etc/postfix/main.cf 中保持 `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination` 并收紧 `mynetworks`。",
        ),
    },
    Product {
        key: "smtp",
        name: "Exim",
        programs: &["exim4", "exim"],
        cmdline: &[],
        units: &["exim4", "exim"],
        ports: &[25, 465, 587],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "An SMTP server is meant to receive mail, but Exim has had wormed remote-code flaws (CVE-2019-10149) and a relay open to anyone sends spam in your name.",
            "SMTP 服务本来就要收信，但 Exim 曾有被蠕虫利用的远程代码执行漏洞（CVE-2019-10149），对任何人开放转发还会以你的名义发垃圾邮件。",
        ),
        advice: t(
            "On Debian set `dc_local_interfaces='127.0.0.1 ; ::1'` in /etc/exim4/update-exim4.conf.conf (or `dpkg-reconfigure exim4-config`), run `update-exim4.conf` and `systemctl restart exim4`; keep it updated.",
            "在 Debian 上，于 /etc/exim4/update-exim4.conf.conf 中设置 `dc_local_interfaces='127.0.0.1 ; ::1'`（或运行 `dpkg-reconfigure exim4-config`），再执行 `update-exim4.conf` 和 `systemctl restart exim4`；并保持更新。",
        ),
    },
    Product {
        key: "docker-published",
        name: "Docker published port",
        programs: &["docker-proxy"],
        cmdline: &[],
        units: &[],
        ports: &[],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "docker-proxy holds a port a container publishes; Docker's own NAT rules bypass the host's input firewall, so the container's service is exposed even where the firewall looks closed.",
            "docker-proxy 占用的是某个容器发布的端口；Docker 自己的 NAT 规则绕过了主机的入站防火墙，即使防火墙看起来是关着的，容器内的服务仍然暴露在外。",
        ),
        advice: t(
            "Find the container with `docker ps --filter publish=PORT`, then publish it on loopback only (`-p 127.0.0.1:PORT:PORT`, or `\"127.0.0.1:PORT:PORT\"` in compose.yaml), or filter it in the DOCKER-USER chain.",
            "用 `docker ps --filter publish=端口` 找到对应容器，然后只发布到本机回环（`-p 127.0.0.1:端口:端口`，或 compose.yaml 中写 `\"127.0.0.1:端口:端口\"`），或在 DOCKER-USER 链中过滤。",
        ),
    },
    Product {
        key: "docker",
        name: "Docker daemon API",
        programs: &["dockerd"],
        cmdline: &[],
        units: &["docker"],
        ports: &[2375, 2376],
        risk: Risk::Critical,
        udp_risk: None,
        superserver: false,
        why: t(
            "The Docker API over TCP is root on the host: anyone who reaches it without TLS client certificates starts a privileged container that mounts /; TeamTNT and Kinsing mine crypto this way.",
            "TCP 上的 Docker API 等同主机 root：没有 TLS 客户端证书时，任何能访问它的人都能启动挂载 / 的特权容器；TeamTNT、Kinsing 就是这样挖矿的。",
        ),
        advice: t(
            "Remove `tcp://` from `hosts` in /etc/docker/daemon.json and from `-H` in the unit's ExecStart (systemctl edit docker), use the unix socket or `DOCKER_HOST=ssh://host`; if TCP is needed, 2376 with `tlsverify`. Windows (Docker Desktop): untick 'Expose daemon on tcp://localhost:2375 without TLS'.",
            "从 /etc/docker/daemon.json 的 `hosts` 和服务 ExecStart 的 `-H` 中（systemctl edit docker）删除 `tcp://`，改用 unix 套接字或 `DOCKER_HOST=ssh://主机`；确需 TCP 时用 2376 并开启 `tlsverify`。Windows（Docker Desktop）：取消勾选“Expose daemon on tcp://localhost:2375 without TLS”。",
        ),
    },
    Product {
        key: "containerd",
        name: "containerd",
        programs: &["containerd"],
        cmdline: &[],
        units: &["containerd"],
        ports: &[],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "containerd is normally reached over a unix socket only; a TCP gRPC or CRI stream listener gives whoever reaches it control of the containers.",
            "containerd 通常只通过 unix 套接字访问；TCP 上的 gRPC 或 CRI 流式服务会让能访问它的人控制容器。",
        ),
        advice: t(
            "In /etc/containerd/config.toml leave `[grpc] tcp_address = \"\"` and set the CRI plugin's `stream_server_address = \"127.0.0.1\"`; `systemctl restart containerd`.",
            "在 /etc/containerd/config.toml 中保持 `[grpc] tcp_address = \"\"`，并把 CRI 插件的 `stream_server_address` 设为 `\"127.0.0.1\"`；然后 `systemctl restart containerd`。",
        ),
    },
    Product {
        key: "kubelet",
        name: "kubelet",
        programs: &["kubelet"],
        cmdline: &[],
        units: &["kubelet"],
        ports: &[10248, 10250, 10255],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "The kubelet API (10250) runs commands in every pod on the node when anonymous access is on, and the read-only port (10255) lists them all.",
            "开启匿名访问时，kubelet API（10250）可以在节点上的每个 Pod 里执行命令，只读端口（10255）还会列出所有 Pod。",
        ),
        advice: t(
            "In /var/lib/kubelet/config.yaml set `authentication.anonymous.enabled: false`, `authorization.mode: Webhook` and `readOnlyPort: 0`; allow 10250 only from the control plane; `systemctl restart kubelet`.",
            "在 /var/lib/kubelet/config.yaml 中设置 `authentication.anonymous.enabled: false`、`authorization.mode: Webhook` 和 `readOnlyPort: 0`，10250 只允许控制平面访问；然后 `systemctl restart kubelet`。",
        ),
    },
    Product {
        key: "sunrpc",
        name: "rpcbind",
        programs: &["rpcbind", "portmap"],
        cmdline: &[],
        units: &["rpcbind"],
        ports: &[111],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "rpcbind tells anyone which RPC services (NFS, mountd, NIS) run and where, and its UDP replies are used for amplification.",
            "rpcbind 会告诉任何人本机运行着哪些 RPC 服务（NFS、mountd、NIS）及其端口，其 UDP 应答还会被用于放大攻击。",
        ),
        advice: t(
            "If this host serves no NFSv3/NIS, `systemctl disable --now rpcbind.socket rpcbind`; otherwise add `-h ADDRESS` to OPTIONS in /etc/default/rpcbind to bind it and allow 111 only from the clients. Windows has no rpcbind (its RPC endpoint mapper is port 135).",
            "如果本机不提供 NFSv3/NIS，执行 `systemctl disable --now rpcbind.socket rpcbind`；否则在 /etc/default/rpcbind 的 OPTIONS 中加 `-h 地址` 限定监听，并只允许客户端访问 111。Windows 没有 rpcbind（其 RPC 端点映射器是 135 端口）。",
        ),
    },
    Product {
        key: "ipp",
        name: "CUPS",
        programs: &["cupsd"],
        cmdline: &[],
        units: &["cups"],
        ports: &[631],
        risk: Risk::Medium,
        udp_risk: Some(Risk::High),
        superserver: false,
        why: t(
            "A print server on the network accepts jobs and, through cups-browsed on UDP 631, printer announcements from anyone: the 2024 chain (CVE-2024-47176 and others) turned that into remote code execution.",
            "网络上的打印服务会接受任何人的打印任务，并通过 cups-browsed（UDP 631）接受任何人的打印机通告：2024 年的漏洞链（CVE-2024-47176 等）借此实现了远程代码执行。",
        ),
        advice: t(
            "In /etc/cups/cupsd.conf replace `Port 631` with `Listen localhost:631` and set `Browsing No`; stop cups-browsed if you do not need network printers (`systemctl disable --now cups-browsed`); `systemctl restart cups`. Windows: stop the Print Spooler on machines that do not print (`Stop-Service Spooler; Set-Service Spooler -StartupType Disabled`).",
            "在 /etc/cups/cupsd.conf 中把 `Port 631` 改为 `Listen localhost:631`，并设置 `Browsing No`；不需要网络打印机就停用 cups-browsed（`systemctl disable --now cups-browsed`）；然后 `systemctl restart cups`。Windows：不打印的机器停用 Print Spooler（`Stop-Service Spooler; Set-Service Spooler -StartupType Disabled`）。",
        ),
    },
    Product {
        key: "mdns",
        name: "Avahi mDNS",
        programs: &["avahi-daemon"],
        cmdline: &[],
        units: &["avahi-daemon"],
        ports: &[5353],
        risk: Risk::Low,
        udp_risk: None,
        superserver: false,
        why: t(
            "mDNS announces the host's name and services on the local network and answers spoofable queries; harmless on a trusted LAN, noise and information for others.",
            "mDNS 会在局域网内广播主机名和所提供的服务，并应答可被伪造的查询；在可信局域网中无害，在其他网络中则是噪音和信息泄露。",
        ),
        advice: t(
            "On servers, `systemctl disable --now avahi-daemon.socket avahi-daemon`; otherwise limit it with `allow-interfaces=` and `publish-workstation=no` in /etc/avahi/avahi-daemon.conf. Windows: set EnableMDNS to 0 under HKLM\\SYSTEM\\CurrentControlSet\\Services\\Dnscache\\Parameters.",
            "服务器上执行 `systemctl disable --now avahi-daemon.socket avahi-daemon`；否则在 /etc/avahi/avahi-daemon.conf 中用 `allow-interfaces=` 和 `publish-workstation=no` 加以限制。Windows：在 HKLM\\SYSTEM\\CurrentControlSet\\Services\\Dnscache\\Parameters 下把 EnableMDNS 设为 0。",
        ),
    },
    Product {
        key: "ms-wbt-server",
        name: "xrdp",
        programs: &["xrdp"],
        cmdline: &[],
        units: &["xrdp"],
        ports: &[3389],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "A remote desktop login on the network meets password guessing around the clock; a session taken over is a full desktop for the attacker.",
            "网络上的远程桌面登录会昼夜不停地遭到密码猜测，会话一旦被接管，攻击者就得到一个完整桌面。",
        ),
        advice: t(
            "In /etc/xrdp/xrdp.ini set `port=tcp://127.0.0.1:3389` and reach it through an SSH tunnel or VPN, or allow 3389 only from the admin network; `systemctl restart xrdp`. Windows RDP: require Network Level Authentication and limit the 'Remote Desktop' firewall rule to the admin network.",
            "在 /etc/xrdp/xrdp.ini 中设置 `port=tcp://127.0.0.1:3389`，通过 SSH 隧道或 VPN 访问，或只允许管理网段访问 3389；然后 `systemctl restart xrdp`。Windows 远程桌面：启用网络级身份验证（NLA），并把“远程桌面”防火墙规则限定为管理网段。",
        ),
    },
    Product {
        key: "rfb",
        name: "VNC server",
        programs: &["Xvnc", "Xtigervnc", "x11vnc", "vncserver"],
        cmdline: &[],
        units: &[],
        ports: &[5900, 5901, 5902, 5903],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "VNC's own password is at most eight characters and often missing; an open VNC port is someone else's screen and keyboard on this machine.",
            "VNC 自带的密码最多 8 个字符，而且常常没有设置；开放的 VNC 端口就是把本机的屏幕和键盘交给别人。",
        ),
        advice: t(
            "Start it with `-localhost` (TigerVNC: `localhost` in ~/.vnc/config or /etc/tigervnc/vncserver-config-mandatory; x11vnc: `-localhost`) and connect through `ssh -L 5901:localhost:5901`; never `-SecurityTypes None`.",
            "以 `-localhost` 启动（TigerVNC：在 ~/.vnc/config 或 /etc/tigervnc/vncserver-config-mandatory 中写 `localhost`；x11vnc：`-localhost`），通过 `ssh -L 5901:localhost:5901` 连接；绝不要使用 `-SecurityTypes None`。",
        ),
    },
    Product {
        key: "ldap",
        name: "OpenLDAP slapd",
        programs: &["slapd"],
        cmdline: &[],
        units: &["slapd"],
        ports: &[389, 636],
        risk: Risk::Medium,
        udp_risk: None,
        superserver: false,
        why: t(
            "A directory on the network answers anonymous searches unless told not to, handing out user names and groups; simple binds over 389 carry passwords in clear.",
            "网络上的目录服务若未加限制会应答匿名查询，泄露用户名和组；389 端口上的简单绑定会以明文传输密码。",
        ),
        advice: t(
            "Bind it with `SLAPD_SERVICES=\"ldap://127.0.0.1/ ldaps:/// ldapi:///\"` in /etc/default/slapd, refuse anonymous binds (`olcDisallows: bind_anon` in cn=config) and require TLS (`olcSecurity: tls=1`); `systemctl restart slapd`. Windows AD: require LDAP signing and channel binding.",
            "在 /etc/default/slapd 中用 `SLAPD_SERVICES=\"ldap://127.0.0.1/ ldaps:/// ldapi:///\"` 限定监听，拒绝匿名绑定（cn=config 中的 `olcDisallows: bind_anon`），并要求 TLS（`olcSecurity: tls=1`）；然后 `systemctl restart slapd`。Windows AD：要求 LDAP 签名和通道绑定。",
        ),
    },
    Product {
        key: "rsync",
        name: "rsync daemon",
        programs: &["rsync"],
        cmdline: &[],
        units: &["rsync"],
        ports: &[873],
        risk: Risk::High,
        udp_risk: None,
        superserver: false,
        why: t(
            "An rsync daemon lists its modules to anyone, and a module without `auth users` can be read (or written) by anyone: backups and web roots have leaked this way.",
            "rsync 守护进程会向任何人列出其模块，没有 `auth users` 的模块任何人都能读取（甚至写入）：备份和网站目录曾因此泄露。",
        ),
        advice: t(
            "In /etc/rsyncd.conf set `address = 127.0.0.1` or `hosts allow = 192.0.2.0/24`, give each module `auth users` with a `secrets file` and `read only = yes`; or use rsync over SSH and `systemctl disable --now rsync`. Windows (cwRsync): the same rsyncd.conf keys.",
            "在 /etc/rsyncd.conf 中设置 `address = 127.0.0.1` 或 `hosts allow = 192.0.2.0/24`，每个模块都配 `auth users`、`secrets file` 和 `read only = yes`；或者改用基于 SSH 的 rsync 并 `systemctl disable --now rsync`。Windows（cwRsync）：rsyncd.conf 的同样配置项。",
        ),
    },
];

/// What the table says about one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// The product.
    pub product: &'static Product,
    /// Whether the executable can be trusted to be that product: not run from a
    /// world-writable directory, not deleted after start.
    pub trusted: bool,
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Directories anyone may write to: a "redis-server" started from there is not Redis.
fn untrusted_exe(exe: &str) -> bool {
    exe.ends_with(" (deleted)")
        || ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/"]
            .iter()
            .any(|d| exe.starts_with(d))
}

/// The unit's bare name: `redis-server@main.service` → `redis-server`.
fn unit_name(unit: &str) -> &str {
    let u = unit.strip_suffix(".service").unwrap_or(unit);
    u.split('@').next().unwrap_or(u)
}

/// Recognises the product behind a process: by its name, its executable's name, its
/// command line, then its systemd unit.
pub fn identify(p: &ProcessInfo) -> Option<Match> {
    let exe = p.exe.as_deref().map(basename);
    let argv0 = p
        .cmdline
        .first()
        .map(|a| basename(a.split(' ').next().unwrap_or(a)));
    let joined = p.cmdline.join(" ");
    let product = PRODUCTS
        .iter()
        .find(|pr| {
            pr.programs
                .iter()
                .any(|n| *n == p.name || Some(*n) == exe || Some(*n) == argv0)
        })
        .or_else(|| {
            PRODUCTS
                .iter()
                .find(|pr| pr.cmdline.iter().any(|c| joined.contains(c)))
        })
        .or_else(|| {
            let unit = p.unit.as_deref().map(unit_name)?;
            PRODUCTS.iter().find(|pr| pr.units.contains(&unit))
        })
        .or_else(|| by_image(p))?;
    Some(Match {
        product,
        trusted: !p.exe.as_deref().is_some_and(untrusted_exe),
    })
}

/// The product a container's image names (`redis:7` is Redis, `eclipse-mosquitto` is
/// Mosquitto), for a program whose own name says nothing (a wrapper, a JVM).
fn by_image(p: &ProcessInfo) -> Option<&'static Product> {
    let image = p.container.as_ref()?.image.as_deref()?;
    let name = portwarden_sockets::container::image_name(image).to_ascii_lowercase();
    let fits = |img: &str, pr: &Product| {
        !img.is_empty()
            && (pr.key == img
                || pr.programs.iter().any(|n| {
                    *n == img
                        || n.strip_prefix(img)
                            .is_some_and(|r| r == "d" || r == "-server")
                }))
    };
    PRODUCTS.iter().find(|pr| fits(&name, pr)).or_else(|| {
        let last = name.rsplit('-').next()?;
        PRODUCTS.iter().find(|pr| fits(last, pr))
    })
}

/// The configuration file a process names on its command line (`-c FILE`, `-f FILE`,
/// `-C FILE`, `--conf-file=FILE`, `--config=FILE`, `--defaults-file=FILE`, or an absolute
/// path ending in .conf, .cnf, .cfg, .ini, .toml, .yml or .yaml), if any.
pub fn config_from_cmdline(p: &ProcessInfo) -> Option<String> {
    // A daemon that retitles itself (sshd: "sshd: /usr/sbin/sshd -D -f FILE [listener]…")
    // leaves one argument with everything in it.
    let split: Vec<String>;
    let args = match p.cmdline.as_slice() {
        [one] => {
            split = one.split_whitespace().map(str::to_string).collect();
            split.get(1..)?
        }
        all => all.get(1..)?,
    };
    for (i, a) in args.iter().enumerate() {
        for key in [
            "--conf-file=",
            "--config-file=",
            "--config=",
            "--defaults-file=",
        ] {
            if let Some(v) = a.strip_prefix(key).filter(|v| !v.is_empty()) {
                return Some(v.to_string());
            }
        }
        if matches!(a.as_str(), "-c" | "-f" | "-C" | "--config" | "--conf-file") {
            if let Some(v) = args.get(i + 1).filter(|v| v.starts_with('/')) {
                return Some(v.clone());
            }
        }
    }
    args.iter()
        .find(|a| {
            a.starts_with('/')
                && [".conf", ".cnf", ".cfg", ".ini", ".toml", ".yml", ".yaml"]
                    .iter()
                    .any(|x| a.ends_with(x))
        })
        .cloned()
}

/// One service line of an inetd configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetdService {
    /// Service name (`telnet`, `echo`) or port number, as written.
    pub service: String,
    /// `tcp` or `udp` (from the protocol column: tcp, tcp6, udp4…).
    pub transport: portwarden_sockets::Transport,
    /// The program it starts (`internal` for inetd's own echo, chargen…).
    pub program: String,
    /// The configuration file.
    pub file: String,
}

impl InetdService {
    /// The port this line opens: a number as written, else the IANA port of the name.
    pub fn port(&self) -> Option<u16> {
        if let Ok(n) = self.service.parse() {
            return Some(n);
        }
        let want = self.transport.protocol();
        // `host:service` binds one address; the port is the part after the colon.
        let name = self.service.rsplit(':').next().unwrap_or(&self.service);
        portwarden_kb::by_service(name)
            .iter()
            .find_map(|r| (r.protocol == Some(want)).then_some(r.start).flatten())
    }
}

/// Parses inetd.conf text (`service socket-type protocol wait user program args`);
/// comments, blank and malformed lines are skipped.
pub fn parse_inetd_conf(text: &str, file: &str) -> Vec<InetdService> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 {
                return None;
            }
            let transport = if f[2].starts_with("tcp") {
                portwarden_sockets::Transport::Tcp
            } else if f[2].starts_with("udp") {
                portwarden_sockets::Transport::Udp
            } else {
                return None;
            };
            // tcpd is a wrapper: the service is the program it runs.
            let program = match f.get(6) {
                Some(p) if basename(f[5]) == "tcpd" => p,
                _ => f[5],
            };
            Some(InetdService {
                service: f[0].to_string(),
                transport,
                program: program.to_string(),
                file: file.to_string(),
            })
        })
        .collect()
}

/// The configuration file an inetd process reads: the first argument that is not an
/// option, else `/etc/inetd.conf`.
pub fn inetd_conf_path(p: &ProcessInfo) -> String {
    p.cmdline
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-') && a.starts_with('/'))
        .cloned()
        .unwrap_or_else(|| "/etc/inetd.conf".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc(name: &str, exe: Option<&str>, cmd: &[&str], unit: Option<&str>) -> ProcessInfo {
        ProcessInfo {
            pid: 1,
            name: name.into(),
            exe: exe.map(str::to_string),
            cmdline: cmd.iter().map(|s| s.to_string()).collect(),
            unit: unit.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn every_product_has_both_languages_and_advice() {
        for p in PRODUCTS {
            assert!(!p.why.en.is_empty() && !p.why.zh.is_empty(), "{}", p.name);
            if !p.superserver {
                assert!(
                    !p.advice.en.is_empty() && !p.advice.zh.is_empty(),
                    "{}",
                    p.name
                );
            }
            assert!(
                !p.programs.is_empty() || !p.cmdline.is_empty(),
                "{} cannot be recognised",
                p.name
            );
            for n in p.programs {
                assert!(n.len() <= 15 || p.cmdline.is_empty(), "{n}");
            }
        }
    }

    #[test]
    fn recognises_by_name_exe_cmdline_and_unit() {
        let m = |p: &ProcessInfo| identify(p).map(|m| m.product.name);
        assert_eq!(
            m(&proc(
                "redis-server",
                Some("/usr/bin/redis-server"),
                &["redis-server *:7777"],
                None
            )),
            Some("Redis")
        );
        // A renamed thread name still has its executable.
        assert_eq!(
            m(&proc("worker", Some("/usr/sbin/mosquitto"), &[], None)),
            Some("Mosquitto MQTT broker")
        );
        assert_eq!(
            m(&proc(
                "java",
                Some("/usr/share/elasticsearch/jdk/bin/java"),
                &[
                    "/usr/share/elasticsearch/jdk/bin/java",
                    "-Xms1g",
                    "org.elasticsearch.bootstrap.Elasticsearch"
                ],
                None
            )),
            Some("Elasticsearch")
        );
        assert_eq!(
            m(&proc(
                "master",
                Some("/usr/lib/postfix/sbin/master"),
                &["/usr/lib/postfix/sbin/master", "-w"],
                None
            )),
            Some("Postfix")
        );
        assert_eq!(
            m(&proc("node", None, &[], Some("redis-server@main.service"))),
            Some("Redis")
        );
        assert_eq!(m(&proc("master", None, &["master"], None)), None);
        assert_eq!(
            m(&proc(
                "python3",
                Some("/usr/bin/python3.11"),
                &["python3"],
                None
            )),
            None
        );
        let fake = identify(&proc(
            "redis-server",
            Some("/tmp/.x/redis-server"),
            &[],
            None,
        ))
        .expect("named like redis");
        assert!(!fake.trusted);
        let gone =
            identify(&proc("sshd", Some("/usr/sbin/sshd (deleted)"), &[], None)).expect("sshd");
        assert!(!gone.trusted);
    }

    #[test]
    fn finds_the_config_file_on_the_command_line() {
        let c = |cmd: &[&str]| config_from_cmdline(&proc("x", None, cmd, None));
        assert_eq!(
            c(&["mosquitto", "-c", "/tmp/m.conf"]).as_deref(),
            Some("/tmp/m.conf")
        );
        assert_eq!(
            c(&["dnsmasq", "-k", "--conf-file=/tmp/d.conf"]).as_deref(),
            Some("/tmp/d.conf")
        );
        assert_eq!(
            c(&["/usr/sbin/sshd", "-D", "-f", "/tmp/s/sshd_config"]).as_deref(),
            Some("/tmp/s/sshd_config")
        );
        assert_eq!(
            c(&["redis-server", "/etc/redis/redis.conf"]).as_deref(),
            Some("/etc/redis/redis.conf")
        );
        assert_eq!(c(&["memcached", "-c", "1024"]), None, "-c is a number here");
        assert_eq!(c(&["redis-server *:6379"]), None);
        assert_eq!(
            c(&["sshd: /usr/sbin/sshd -D -f /tmp/s/sshd_config [listener] 0 of 10-100 startups"])
                .as_deref(),
            Some("/tmp/s/sshd_config")
        );
        assert_eq!(c(&[]), None);
    }

    #[test]
    fn reads_inetd_conf() {
        let text = "# comment\n\necho stream tcp nowait root internal\ntelnet  stream  tcp6  nowait  root  /usr/sbin/tcpd  /usr/sbin/telnetd\nchargen dgram udp wait root internal\nbroken line\n7777 stream tcp nowait nobody /bin/cat cat\n";
        let s = parse_inetd_conf(text, "/etc/inetd.conf");
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].port(), Some(7));
        assert_eq!(s[0].program, "internal");
        assert_eq!(s[1].port(), Some(23));
        assert_eq!(s[1].program, "/usr/sbin/telnetd");
        assert_eq!(s[2].transport, portwarden_sockets::Transport::Udp);
        assert_eq!(s[2].port(), Some(19));
        assert_eq!(s[3].port(), Some(7777));
        assert_eq!(s[3].program, "/bin/cat");
        let p = proc(
            "inetutils-inetd",
            None,
            &["/usr/sbin/inetutils-inetd", "-d", "/tmp/x/inetd.conf"],
            None,
        );
        assert_eq!(inetd_conf_path(&p), "/tmp/x/inetd.conf");
        assert_eq!(
            inetd_conf_path(&proc("inetd", None, &["inetd"], None)),
            "/etc/inetd.conf"
        );
    }
}
