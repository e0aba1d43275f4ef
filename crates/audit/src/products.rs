//! The product table: programs that listen on purpose, how to recognise each one, how
//! risky it is when anyone can reach it, why, and how to shut it in with its own switches.
//!
//! The audit judges a listener by the program behind it first and by the port number
//! second ([`identify`]); the curated port entries of `portwarden-kb` stay the fallback
//! for owners that are unknown or not in this table. Texts are ours, in English and
//! Chinese.

use portwarden_kb::Risk;
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
    /// Why it matters when reachable: a catalog id (`audit-products.ftl`).
    pub why: &'static str,
    /// What to do, with the program's own switches and files (and Windows's
    /// equivalent): a catalog id (`audit-products.ftl`); empty for a super-server,
    /// whose advice depends on the service it starts.
    pub advice: &'static str,
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
        why: "product-openssh-why",
        advice: "product-openssh-advice",
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
        why: "product-dropbear-why",
        advice: "product-dropbear-advice",
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
        why: "product-telnetd-why",
        advice: "product-telnetd-advice",
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
        why: "product-nginx-why",
        advice: "product-nginx-advice",
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
        why: "product-apache-why",
        advice: "product-apache-advice",
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
        why: "product-lighttpd-why",
        advice: "product-lighttpd-advice",
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
        why: "product-caddy-why",
        advice: "product-caddy-advice",
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
        why: "product-redis-why",
        advice: "product-redis-advice",
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
        why: "product-memcached-why",
        advice: "product-memcached-advice",
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
        why: "product-mosquitto-why",
        advice: "product-mosquitto-advice",
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
        why: "product-mysql-why",
        advice: "product-mysql-advice",
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
        why: "product-postgresql-why",
        advice: "product-postgresql-advice",
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
        why: "product-mongodb-why",
        advice: "product-mongodb-advice",
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
        why: "product-elasticsearch-why",
        advice: "product-elasticsearch-advice",
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
        why: "product-dnsmasq-why",
        advice: "product-dnsmasq-advice",
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
        why: "product-named-why",
        advice: "product-named-advice",
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
        why: "product-unbound-why",
        advice: "product-unbound-advice",
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
        why: "product-resolved-why",
        advice: "product-resolved-advice",
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
        why: "product-chrony-why",
        advice: "product-chrony-advice",
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
        why: "product-ntpd-why",
        advice: "product-ntpd-advice",
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
        why: "product-snmpd-why",
        advice: "product-snmpd-advice",
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
        why: "product-smbd-why",
        advice: "product-smbd-advice",
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
        why: "product-nmbd-why",
        advice: "product-nmbd-advice",
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
        why: "product-inetd-why",
        advice: "",
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
        why: "product-xinetd-why",
        advice: "",
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
        why: "product-vsftpd-why",
        advice: "product-vsftpd-advice",
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
        why: "product-proftpd-why",
        advice: "product-proftpd-advice",
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
        why: "product-pure-ftpd-why",
        advice: "product-pure-ftpd-advice",
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
        why: "product-dovecot-why",
        advice: "product-dovecot-advice",
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
        why: "product-postfix-why",
        advice: "product-postfix-advice",
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
        why: "product-exim-why",
        advice: "product-exim-advice",
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
        why: "product-docker-proxy-why",
        advice: "product-docker-proxy-advice",
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
        why: "product-dockerd-why",
        advice: "product-dockerd-advice",
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
        why: "product-containerd-why",
        advice: "product-containerd-advice",
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
        why: "product-kubelet-why",
        advice: "product-kubelet-advice",
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
        why: "product-rpcbind-why",
        advice: "product-rpcbind-advice",
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
        why: "product-cups-why",
        advice: "product-cups-advice",
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
        why: "product-avahi-why",
        advice: "product-avahi-advice",
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
        why: "product-xrdp-why",
        advice: "product-xrdp-advice",
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
        why: "product-vnc-why",
        advice: "product-vnc-advice",
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
        why: "product-slapd-why",
        advice: "product-slapd-advice",
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
        why: "product-rsyncd-why",
        advice: "product-rsyncd-advice",
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
        use portwarden_i18n::{exists, text, Lang};
        let mut ids = std::collections::BTreeSet::new();
        for p in PRODUCTS {
            // Every product has its own messages (the catalogs test checks zh has them
            // too), named after it, and no two products share them.
            // A super-server's advice is built per service (judge_superserver).
            let advice = (!p.superserver).then_some((p.advice, "advice"));
            for (id, what) in [(p.why, "why")].into_iter().chain(advice) {
                assert!(exists(id), "{}: {id} is not in the catalogs", p.name);
                assert!(
                    id.starts_with("product-") && id.ends_with(&format!("-{what}")),
                    "{id}"
                );
                assert!(ids.insert(id), "{id} is used by two products");
                for lang in Lang::ALL {
                    assert!(!text(lang, id).trim().is_empty(), "{id} is empty");
                }
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
