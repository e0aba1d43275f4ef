//! Service identification against real Debian daemons: sshd, nginx (plain and TLS), apache2,
//! vsftpd, dnsmasq (DNS over TCP and UDP), dovecot (POP3, IMAP, POP3S, IMAPS), samba,
//! mosquitto, Postfix, MariaDB, PostgreSQL, Redis, memcached (TCP and UDP), snmpd and chrony (UDP),
//! and inetd's echo, daytime, chargen and telnet. Each runs in the foreground under `setsid` inside a network namespace this
//! test creates, with its own configuration in a temporary folder and 127.0.0.1 only; the
//! binary scans them with the default scan type of root (SYN), then `--sU`, and every
//! port's service, product and (where the daemon says it) version is checked.
//!
//! Installs nothing: `.ci/run` installs the packages. Needs root; skips with the reason when
//! something is missing, and fails instead when `CI=true`. Every daemon's process group is
//! killed and the namespace removed when the test ends, also when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
use common::Ns;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TCP: &[u16] = &[
    7, 13, 19, 21, 22, 23, 25, 53, 80, 110, 139, 143, 443, 445, 993, 995, 1883, 3306, 5432, 6379,
    8080, 11211,
];
const UDP: &[u16] = &[53, 123, 161, 11211];

/// The first of `names` found on this machine (absolute path, or in `PATH`).
fn find(names: &[&str]) -> Option<String> {
    for n in names {
        if n.starts_with('/') {
            if Path::new(n).exists() {
                return Some((*n).to_string());
            }
        } else if let Some(dir) = std::env::var_os("PATH") {
            for d in std::env::split_paths(&dir) {
                if d.join(n).exists() {
                    return Some(d.join(n).to_string_lossy().into_owned());
                }
            }
        }
    }
    None
}

/// PostgreSQL's server and initdb (Debian keeps them out of `PATH`).
fn postgres_bin(tool: &str) -> Option<String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .collect();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .map(|d| d.join(tool))
        .find(|p| p.exists())
        .map(|p| p.to_string_lossy().into_owned())
}

struct Bins {
    sshd: String,
    nginx: String,
    vsftpd: String,
    dnsmasq: String,
    dovecot: String,
    smbd: String,
    mosquitto: String,
    postgres: String,
    initdb: String,
    redis: String,
    memcached: String,
    snmpd: String,
    inetd: String,
    telnetd: String,
    apache: String,
    mariadbd: String,
    mariadb_install: String,
    chronyd: String,
    postfix: String,
}

fn bins() -> Result<Bins, String> {
    let need = |what: &str, names: &[&str]| {
        find(names).ok_or_else(|| format!("{what} is not installed (see .ci/run)"))
    };
    Ok(Bins {
        sshd: need("sshd", &["/usr/sbin/sshd"])?,
        nginx: need("nginx", &["/usr/sbin/nginx"])?,
        vsftpd: need("vsftpd", &["/usr/sbin/vsftpd"])?,
        dnsmasq: need("dnsmasq", &["/usr/sbin/dnsmasq"])?,
        dovecot: need("dovecot", &["/usr/sbin/dovecot"])?,
        smbd: need("smbd", &["/usr/sbin/smbd"])?,
        mosquitto: need("mosquitto", &["/usr/sbin/mosquitto"])?,
        postgres: postgres_bin("postgres").ok_or("postgresql is not installed")?,
        initdb: postgres_bin("initdb").ok_or("postgresql is not installed")?,
        redis: need("redis-server", &["redis-server"])?,
        memcached: need("memcached", &["memcached"])?,
        snmpd: need("snmpd", &["/usr/sbin/snmpd"])?,
        inetd: need("inetd", &["/usr/sbin/inetd"])?,
        telnetd: need("telnetd", &["/usr/sbin/telnetd", "/usr/sbin/in.telnetd"])?,
        apache: need("apache2", &["/usr/sbin/apache2"])?,
        mariadbd: need("mariadbd", &["/usr/sbin/mariadbd"])?,
        mariadb_install: need("mariadb-install-db", &["mariadb-install-db"])?,
        chronyd: need("chronyd", &["/usr/sbin/chronyd"])?,
        postfix: need("postfix", &["/usr/sbin/postfix"])?,
    })
}

fn why_skip() -> Option<String> {
    if let Some(why) = common::why_skip(&["ip", "openssl"]) {
        return Some(why);
    }
    for t in ["setsid", "ssh-keygen", "runuser", "ss"] {
        if find(&[t]).is_none() {
            return Some(format!("{t} is not installed"));
        }
    }
    bins().err()
}

/// The daemons started in the namespace: each is a process-group leader (`setsid`), and the
/// whole group is killed on drop, before the namespace goes; then the folder is removed.
struct Daemons<'a> {
    ns: &'a Ns,
    kids: Vec<(String, Child)>,
    dir: PathBuf,
}

impl Daemons<'_> {
    fn start(&mut self, name: &str, args: &[&str]) {
        let log = std::fs::File::create(self.dir.join(format!("{name}.log"))).unwrap();
        let mut all = vec!["setsid"];
        all.extend_from_slice(args);
        let child = self
            .ns
            .cmd(&all)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.kids.push((name.to_string(), child));
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }
}

impl Drop for Daemons<'_> {
    fn drop(&mut self) {
        for (_, k) in &mut self.kids {
            // `ip netns exec` and `setsid` exec in place: the child's pid leads its group.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", k.id())])
                .status();
            let _ = k.kill();
            let _ = k.wait();
        }
        // Anything else still in our namespace is ours too.
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.ns.name])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Ports listening in the namespace (TCP and UDP).
fn listening(ns: &Ns) -> (Vec<u16>, Vec<u16>) {
    let out = ns.sh(&["ss", "-Hlntu"]);
    let (mut t, mut u) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let Some(port) = f
            .get(4)
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
        else {
            continue;
        };
        match f.first() {
            Some(&"tcp") => t.push(port),
            Some(&"udp") => u.push(port),
            _ => {}
        }
    }
    (t, u)
}

fn start_all(d: &mut Daemons, b: &Bins) {
    let dir = d.dir.clone();
    let t = dir.to_string_lossy().into_owned();
    let run = |args: &[&str]| {
        let ok = Command::new(args[0])
            .args(&args[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "{args:?}");
    };
    run(&[
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/CN=pw-test.invalid",
        "-keyout",
        &format!("{t}/key.pem"),
        "-out",
        &format!("{t}/cert.pem"),
    ]);
    run(&[
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        &format!("{t}/ssh_host_key"),
    ]);
    // Daemons that drop privileges (postgres) must reach their folders here; sshd wants its
    // key private.
    run(&["chmod", "755", &t]);
    run(&["chmod", "600", &format!("{t}/ssh_host_key")]);
    let _ = std::fs::create_dir_all("/run/sshd");
    let sshd = write(
        &dir,
        "sshd.conf",
        &format!(
            "Port 22\nListenAddress 127.0.0.1\nHostKey {t}/ssh_host_key\nPidFile none\nUsePAM no\n"
        ),
    );
    d.start("sshd", &[&b.sshd, "-D", "-e", "-f", &sshd]);
    std::fs::create_dir_all(dir.join("nginx")).unwrap();
    let nginx = write(
        &dir,
        "nginx.conf",
        &format!(
            "pid {t}/nginx.pid;\nerror_log stderr;\nworker_processes 1;\nevents {{}}\nhttp {{\n\
             access_log off;\nclient_body_temp_path {t}/nginx;\nproxy_temp_path {t}/nginx;\n\
             fastcgi_temp_path {t}/nginx;\nuwsgi_temp_path {t}/nginx;\nscgi_temp_path {t}/nginx;\n\
             server {{ listen 127.0.0.1:80; location / {{ return 200 \"hi\\n\"; }} }}\n\
             server {{ listen 127.0.0.1:443 ssl; ssl_certificate {t}/cert.pem; \
             ssl_certificate_key {t}/key.pem; location / {{ return 200 \"hi\\n\"; }} }}\n}}\n"
        ),
    );
    d.start("nginx", &[&b.nginx, "-c", &nginx, "-g", "daemon off;"]);
    let ftp = write(
        &dir,
        "vsftpd.conf",
        "listen=YES\nlisten_address=127.0.0.1\nanonymous_enable=NO\nlocal_enable=YES\n\
         background=NO\nsecure_chroot_dir=/var/run/vsftpd/empty\nseccomp_sandbox=NO\n",
    );
    let _ = std::fs::create_dir_all("/var/run/vsftpd/empty");
    d.start("vsftpd", &[&b.vsftpd, &ftp]);
    d.start(
        "dnsmasq",
        &[
            &b.dnsmasq,
            "-k",
            "-C",
            "/dev/null",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--port=53",
            "--no-resolv",
            "--no-hosts",
            "-u",
            "root",
            &format!("--pid-file={t}/dnsmasq.pid"),
        ],
    );
    std::fs::create_dir_all(dir.join("dovecot")).unwrap();
    let dovecot = write(
        &dir,
        "dovecot.conf",
        &format!(
            "protocols = imap pop3\nlisten = 127.0.0.1\nbase_dir = {t}/dovecot\n\
             log_path = /dev/stderr\nssl = yes\nssl_cert = <{t}/cert.pem\nssl_key = <{t}/key.pem\n\
             passdb {{\n driver = static\n args = password=unused-{}\n}}\n\
             userdb {{\n driver = static\n args = uid=nobody gid=nogroup home=/nonexistent\n}}\n",
            std::process::id()
        ),
    );
    d.start("dovecot", &[&b.dovecot, "-F", "-c", &dovecot]);
    for s in ["lock", "state", "cache", "pid", "private", "ncalrpc"] {
        std::fs::create_dir_all(dir.join("samba").join(s)).unwrap();
    }
    let smb = write(
        &dir,
        "smb.conf",
        &format!(
            "[global]\ninterfaces = lo\nbind interfaces only = yes\nsmb ports = 445 139\n\
             lock directory = {t}/samba/lock\nstate directory = {t}/samba/state\n\
             cache directory = {t}/samba/cache\npid directory = {t}/samba/pid\n\
             private dir = {t}/samba/private\nncalrpc dir = {t}/samba/ncalrpc\n\
             log file = {t}/samba/log\ndisable netbios = yes\nserver role = standalone server\n"
        ),
    );
    d.start(
        "smbd",
        &[
            &b.smbd,
            "--foreground",
            "--no-process-group",
            &format!("--configfile={smb}"),
            "--debug-stdout",
        ],
    );
    let mqtt = write(
        &dir,
        "mosquitto.conf",
        "listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n",
    );
    d.start("mosquitto", &[&b.mosquitto, "-c", &mqtt]);
    let pg = dir.join("pg");
    std::fs::create_dir_all(&pg).unwrap();
    let pgs = pg.to_string_lossy().into_owned();
    run(&["chown", "postgres", &pgs]);
    run(&[
        "runuser",
        "-u",
        "postgres",
        "--",
        &b.initdb,
        "-D",
        &format!("{pgs}/data"),
        "-A",
        "trust",
        "-U",
        "postgres",
    ]);
    d.start(
        "postgres",
        &[
            "runuser",
            "-u",
            "postgres",
            "--",
            &b.postgres,
            "-D",
            &format!("{pgs}/data"),
            "-k",
            &pgs,
            "-c",
            "listen_addresses=127.0.0.1",
            "-p",
            "5432",
        ],
    );
    d.start(
        "redis",
        &[
            &b.redis,
            "--port",
            "6379",
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            &t,
            "--protected-mode",
            "no",
        ],
    );
    d.start(
        "memcached",
        &[
            &b.memcached,
            "-u",
            "nobody",
            "-l",
            "127.0.0.1",
            "-p",
            "11211",
            "-U",
            "11211",
        ],
    );
    let snmp = write(
        &dir,
        "snmpd.conf",
        "agentaddress udp:127.0.0.1:161\nrocommunity public 127.0.0.1\n",
    );
    d.start("snmpd", &[&b.snmpd, "-f", "-Lo", "-C", "-c", &snmp]);
    let inetd = write(
        &dir,
        "inetd.conf",
        &format!(
            "echo stream tcp nowait root internal\ndaytime stream tcp nowait root internal\n\
             chargen stream tcp nowait root internal\ntelnet stream tcp nowait root {} telnetd\n",
            b.telnetd
        ),
    );
    d.start("inetd", &[&b.inetd, "-d", &inetd]);
    std::fs::create_dir_all(dir.join("www")).unwrap();
    let apache = write(
        &dir,
        "apache.conf",
        &format!(
            "ServerRoot /etc/apache2\n\
             LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n\
             LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n\
             Listen 127.0.0.1:8080\nPidFile {t}/apache.pid\nErrorLog /dev/stderr\nMutex file:{t}\n\
             User www-data\nGroup www-data\nServerName localhost\nDocumentRoot {t}/www\n"
        ),
    );
    d.start("apache2", &[&b.apache, "-DFOREGROUND", "-f", &apache]);
    let my = dir.join("mysql");
    std::fs::create_dir_all(&my).unwrap();
    let mys = my.to_string_lossy().into_owned();
    run(&["chown", "mysql", &mys]);
    run(&[
        &b.mariadb_install,
        "--no-defaults",
        &format!("--datadir={mys}/data"),
        "--user=mysql",
    ]);
    d.start(
        "mariadb",
        &[
            &b.mariadbd,
            "--no-defaults",
            &format!("--datadir={mys}/data"),
            &format!("--socket={mys}/sock"),
            &format!("--pid-file={mys}/pid"),
            "--bind-address=127.0.0.1",
            "--port=3306",
            "--user=mysql",
        ],
    );
    // -x: serve time, never touch this machine's clock.
    let chrony = write(
        &dir,
        "chrony.conf",
        &format!(
            "bindaddress 127.0.0.1\nallow 127.0.0.1\nport 123\ncmdport 0\n\
             pidfile {t}/chronyd.pid\ndriftfile {t}/chrony.drift\n"
        ),
    );
    d.start("chronyd", &[&b.chronyd, "-x", "-d", "-f", &chrony]);
    // Postfix with its own configuration and queue, no chroot, logging to stdout.
    let pf = dir.join("postfix");
    for sub in ["conf", "spool", "data"] {
        std::fs::create_dir_all(pf.join(sub)).unwrap();
    }
    let pfs = pf.to_string_lossy().into_owned();
    run(&["chown", "postfix", &format!("{pfs}/data")]);
    let master = std::fs::read_to_string("/etc/postfix/master.cf").unwrap_or_default();
    let master: String = master
        .lines()
        .map(|l| {
            // Column 5 is "chroot": off, since the queue is ours and holds no /etc.
            let mut f: Vec<&str> = l.split_whitespace().collect();
            if !l.starts_with([' ', '\t', '#']) && f.len() >= 8 && f[4] == "y" {
                f[4] = "n";
                f.join(" ")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(&pf.join("conf"), "master.cf", &(master + "\n"));
    write(
        &pf.join("conf"),
        "main.cf",
        &format!(
            "compatibility_level = 3.6\nqueue_directory = {pfs}/spool\n\
             data_directory = {pfs}/data\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n\
             myhostname = pw-test.invalid\nmydestination =\nmaillog_file = /dev/stdout\n\
             mail_owner = postfix\nsetgid_group = postdrop\nalias_maps =\nalias_database =\n"
        ),
    );
    d.start(
        "postfix",
        &[&b.postfix, "-c", &format!("{pfs}/conf"), "start-fg"],
    );
}

/// What a port must be identified as: service name, tunnel, a product substring (if the
/// daemon names itself), whether a version must be there, and a finding the probes must
/// prove.
struct Want {
    port: u16,
    proto: &'static str,
    name: &'static str,
    tunnel: Option<&'static str>,
    product: Option<&'static str>,
    version: bool,
    finding: Option<&'static str>,
}

const fn w(port: u16, name: &'static str, product: Option<&'static str>, version: bool) -> Want {
    Want {
        port,
        proto: "tcp",
        name,
        tunnel: None,
        product,
        version,
        finding: None,
    }
}

fn wants() -> Vec<Want> {
    vec![
        w(7, "echo", None, false),
        w(13, "daytime", None, false),
        w(19, "chargen", None, false),
        Want {
            finding: Some("cleartext-login"),
            ..w(21, "ftp", Some("vsFTPd"), true)
        },
        w(22, "ssh", Some("OpenSSH"), true),
        Want {
            finding: Some("cleartext-login"),
            ..w(23, "telnet", None, false)
        },
        w(25, "smtp", Some("Postfix"), false),
        w(53, "domain", Some("Dnsmasq"), true),
        w(80, "http", Some("nginx"), true),
        w(110, "pop3", Some("Dovecot"), false),
        w(139, "netbios-ssn", Some("Samba"), false),
        w(143, "imap", Some("Dovecot"), false),
        Want {
            tunnel: Some("ssl"),
            finding: Some("tls-cert-self-signed"),
            ..w(443, "http", Some("nginx"), true)
        },
        w(445, "microsoft-ds", Some("Samba"), false),
        Want {
            tunnel: Some("ssl"),
            ..w(993, "imap", Some("Dovecot"), false)
        },
        Want {
            tunnel: Some("ssl"),
            ..w(995, "pop3", Some("Dovecot"), false)
        },
        Want {
            finding: Some("mqtt-anonymous"),
            ..w(1883, "mqtt", Some("Mosquitto"), true)
        },
        w(3306, "mysql", Some("MariaDB"), true),
        w(5432, "postgresql", Some("PostgreSQL"), false),
        Want {
            finding: Some("redis-no-auth"),
            ..w(6379, "redis", Some("Redis"), true)
        },
        w(8080, "http", Some("HTTPD"), true),
        w(11211, "memcached", Some("Memcached"), true),
        Want {
            proto: "udp",
            ..w(53, "domain", Some("Dnsmasq"), true)
        },
        Want {
            proto: "udp",
            ..w(123, "ntp", None, false)
        },
        Want {
            proto: "udp",
            finding: Some("snmp-public"),
            ..w(161, "snmp", None, false)
        },
        Want {
            proto: "udp",
            finding: Some("memcached-udp"),
            ..w(11211, "memcached", Some("Memcached"), true)
        },
    ]
}

fn scan(ns: &Ns, args: &[&str]) -> (Value, Duration) {
    let t0 = Instant::now();
    let out = ns.pw(args);
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), took)
}

#[test]
fn identifies_real_daemons() {
    if let Some(why) = why_skip() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must run the daemon test: {why}"
        );
        eprintln!("SKIPPED: {why}");
        return;
    }
    let b = bins().unwrap();
    let ns = Ns::new();
    let dir = std::env::temp_dir().join(format!("pw-daemons-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut d = Daemons {
        ns: &ns,
        kids: Vec::new(),
        dir,
    };
    start_all(&mut d, &b);
    // Wait until every daemon listens.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (t, u) = listening(&ns);
        let missing: Vec<String> = TCP
            .iter()
            .filter(|p| !t.contains(p))
            .map(|p| format!("{p}/tcp"))
            .chain(
                UDP.iter()
                    .filter(|p| !u.contains(p))
                    .map(|p| format!("{p}/udp")),
            )
            .collect();
        if missing.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let logs: Vec<String> = d
                .kids
                .iter()
                .map(|(n, _)| format!("--- {n}:\n{}", d.log(n)))
                .collect();
            panic!("not listening: {missing:?}\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let tcp: Vec<String> = TCP.iter().map(u16::to_string).collect();
    let udp: Vec<String> = UDP.iter().map(u16::to_string).collect();
    let (tcp_report, tcp_time) = scan(&ns, &["scan", "127.0.0.1", "-p", &tcp.join(","), "--json"]);
    assert_eq!(tcp_report["scan_type"], "syn", "the default scan of root");
    let (udp_report, udp_time) = scan(
        &ns,
        &["scan", "--sU", "127.0.0.1", "-p", &udp.join(","), "--json"],
    );
    let port = |v: &Value, proto: &str, n: u16| -> Value {
        v["hosts"][0]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["port"] == n && p["protocol"] == proto)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut failures = Vec::new();
    let mut with_product = 0;
    let wants = wants();
    for want in &wants {
        let report = if want.proto == "tcp" {
            &tcp_report
        } else {
            &udp_report
        };
        let p = port(report, want.proto, want.port);
        let id = &p["identified"];
        let what = format!("{}/{}", want.port, want.proto);
        let mut bad = Vec::new();
        if id["name"] != want.name {
            bad.push(format!("name {} (want {})", id["name"], want.name));
        }
        if id["tunnel"].as_str() != want.tunnel {
            bad.push(format!("tunnel {}", id["tunnel"]));
        }
        if let Some(prod) = want.product {
            if !id["product"].as_str().is_some_and(|s| s.contains(prod)) {
                bad.push(format!("product {} (want {prod})", id["product"]));
            }
        }
        if want.version && id["version"].as_str().is_none_or(str::is_empty) {
            bad.push("no version".into());
        }
        if let Some(f) = want.finding {
            let found = p["findings"]
                .as_array()
                .is_some_and(|v| v.iter().any(|x| x["id"] == f));
            if !found {
                bad.push(format!("no finding {f}"));
            }
        }
        if id["product"].is_string() {
            with_product += 1;
        }
        println!(
            "{what:>9} {:<12} {:<30} {}",
            id["name"].as_str().unwrap_or("-"),
            format!(
                "{} {}",
                id["product"].as_str().unwrap_or(""),
                id["version"].as_str().unwrap_or("")
            ),
            if bad.is_empty() { "ok" } else { "WRONG" }
        );
        if !bad.is_empty() {
            failures.push(format!("{what}: {} — {p}", bad.join(", ")));
        }
    }
    println!(
        "daemons: {} of {} ports identified as expected ({} with a product); SYN scan and \
         identification of {} TCP ports {:.2} s, UDP {:.2} s",
        wants.len() - failures.len(),
        wants.len(),
        with_product,
        TCP.len(),
        tcp_time.as_secs_f64(),
        udp_time.as_secs_f64()
    );
    // The connect scan identifies the same way.
    let (connect_report, connect_time) = scan(
        &ns,
        &["scan", "--sT", "127.0.0.1", "-p", &tcp.join(","), "--json"],
    );
    assert_eq!(connect_report["scan_type"], "connect");
    for &n in TCP {
        let (a, b) = (port(&tcp_report, "tcp", n), port(&connect_report, "tcp", n));
        for k in ["name", "product", "version"] {
            if a["identified"][k] != b["identified"][k] {
                failures.push(format!(
                    "{n}/tcp: -sT says {k} {} where -sS says {}",
                    b["identified"][k], a["identified"][k]
                ));
            }
        }
    }
    println!(
        "connect scan and identification: {:.2} s",
        connect_time.as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
