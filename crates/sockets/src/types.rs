//! Plain data types of the local inventory.

use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// Transport of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Transport {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }

    /// The knowledge base's protocol for this transport.
    pub fn protocol(self) -> portwarden_kb::Protocol {
        match self {
            Transport::Tcp => portwarden_kb::Protocol::Tcp,
            Transport::Udp => portwarden_kb::Protocol::Udp,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Socket state, as the kernel reports it (TCP states; UDP is `Unconn` or `Established`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SockState {
    /// Connection established (or connected UDP).
    Established,
    /// SYN sent.
    SynSent,
    /// SYN received.
    SynRecv,
    /// FIN-WAIT-1.
    FinWait1,
    /// FIN-WAIT-2.
    FinWait2,
    /// TIME-WAIT.
    TimeWait,
    /// Closed; for UDP: bound but not connected.
    Unconn,
    /// CLOSE-WAIT.
    CloseWait,
    /// LAST-ACK.
    LastAck,
    /// Listening.
    Listen,
    /// CLOSING.
    Closing,
    /// NEW-SYN-RECV (request socket).
    NewSynRecv,
    /// A state number this build does not know.
    Unknown(u8),
}

impl SockState {
    /// From the kernel's TCP state number (`include/net/tcp_states.h`).
    pub fn from_kernel(n: u8) -> SockState {
        match n {
            1 => SockState::Established,
            2 => SockState::SynSent,
            3 => SockState::SynRecv,
            4 => SockState::FinWait1,
            5 => SockState::FinWait2,
            6 => SockState::TimeWait,
            7 => SockState::Unconn,
            8 => SockState::CloseWait,
            9 => SockState::LastAck,
            10 => SockState::Listen,
            11 => SockState::Closing,
            12 => SockState::NewSynRecv,
            n => SockState::Unknown(n),
        }
    }

    /// The name `ss` prints.
    pub fn ss_name(self) -> &'static str {
        match self {
            SockState::Established => "ESTAB",
            SockState::SynSent => "SYN-SENT",
            SockState::SynRecv => "SYN-RECV",
            SockState::FinWait1 => "FIN-WAIT-1",
            SockState::FinWait2 => "FIN-WAIT-2",
            SockState::TimeWait => "TIME-WAIT",
            SockState::Unconn => "UNCONN",
            SockState::CloseWait => "CLOSE-WAIT",
            SockState::LastAck => "LAST-ACK",
            SockState::Listen => "LISTEN",
            SockState::Closing => "CLOSING",
            SockState::NewSynRecv => "NEW-SYN-RECV",
            SockState::Unknown(_) => "UNKNOWN",
        }
    }

    /// Parses a state name as users type it (`listen`, `estab`, `established`,
    /// `time-wait`, `unconn`…).
    pub fn parse(s: &str) -> Option<SockState> {
        let k = s.trim().to_ascii_lowercase().replace('_', "-");
        Some(match k.as_str() {
            "estab" | "established" => SockState::Established,
            "syn-sent" => SockState::SynSent,
            "syn-recv" | "syn-received" => SockState::SynRecv,
            "fin-wait-1" | "fin-wait1" => SockState::FinWait1,
            "fin-wait-2" | "fin-wait2" => SockState::FinWait2,
            "time-wait" => SockState::TimeWait,
            "unconn" | "close" | "closed" => SockState::Unconn,
            "close-wait" => SockState::CloseWait,
            "last-ack" => SockState::LastAck,
            "listen" | "listening" => SockState::Listen,
            "closing" => SockState::Closing,
            _ => return None,
        })
    }
}

impl fmt::Display for SockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ss_name())
    }
}

/// One socket as the kernel describes it, before any process is attached.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RawSocket {
    /// TCP or UDP.
    pub transport: Transport,
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port (unspecified for listeners and unconnected UDP).
    pub remote: SocketAddr,
    /// State.
    pub state: SockState,
    /// Owner uid of the socket.
    pub uid: u32,
    /// Socket inode (0 for TIME-WAIT and request sockets, which no process holds).
    pub inode: u64,
    /// Receive queue (bytes; for listeners, the accept backlog).
    pub recv_q: u32,
    /// Send queue (bytes; for listeners, the maximum backlog).
    pub send_q: u32,
    /// Interface the socket is bound to (`SO_BINDTODEVICE`), 0 if none.
    pub interface: u32,
}

impl RawSocket {
    /// Whether this socket waits for others to come in: a TCP listener or an unconnected
    /// UDP socket.
    pub fn is_listening(&self) -> bool {
        match self.transport {
            Transport::Tcp => self.state == SockState::Listen,
            Transport::Udp => self.state == SockState::Unconn,
        }
    }
}

/// Who can reach a socket's local address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// Bound to a loopback address: only this machine.
    Loopback,
    /// Bound to one specific non-loopback address.
    Specific,
    /// Bound to all interfaces (0.0.0.0 or ::): everyone who can route here.
    All,
}

impl Exposure {
    /// Classifies a local address.
    pub fn of(ip: IpAddr) -> Exposure {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        if ip.is_loopback() {
            Exposure::Loopback
        } else if ip.is_unspecified() {
            Exposure::All
        } else {
            Exposure::Specific
        }
    }

    /// Short name.
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Loopback => "loopback",
            Exposure::Specific => "address",
            Exposure::All => "all",
        }
    }
}

/// What is known about one process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ProcessInfo {
    /// Process id.
    pub pid: u32,
    /// Short name (`comm`).
    pub name: String,
    /// Executable path, if readable.
    pub exe: Option<String>,
    /// Command line, argument by argument.
    pub cmdline: Vec<String>,
    /// Real uid.
    pub uid: Option<u32>,
    /// User name for the uid.
    pub user: Option<String>,
    /// systemd unit, from the cgroup path.
    pub unit: Option<String>,
    /// The container it runs in, when its cgroup names one.
    pub container: Option<Container>,
}

/// The container a process runs in: part of its owner's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Container {
    /// `docker`, `podman`, `containerd` or `cri-o`.
    pub runtime: String,
    /// The full container id (64 hex digits).
    pub id: String,
    /// The image (`redis:7`), when the runtime's files were readable. Untrusted text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The container's name (docker/podman), or Kubernetes' `namespace/pod/container`.
    /// Untrusted text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether Kubernetes runs it (its cgroup is under `kubepods`).
    pub kubernetes: bool,
    /// The Kubernetes pod's uid, when the cgroup names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_uid: Option<String>,
}

impl Container {
    /// The id as `docker ps` shows it (12 digits).
    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }

    /// "docker redis:7 (cache, 3f4e5d6c7b8a)": runtime, image, name and short id, as far
    /// as known. Untrusted text: escape it for the medium.
    pub fn describe(&self) -> String {
        let mut s = self.runtime.clone();
        if self.kubernetes {
            s.push_str("/k8s");
        }
        if let Some(i) = &self.image {
            s.push(' ');
            s.push_str(i);
        }
        let mut inner = Vec::new();
        if let Some(n) = &self.name {
            inner.push(n.as_str());
        }
        inner.push(self.short_id());
        s.push_str(&format!(" ({})", inner.join(", ")));
        s
    }
}

/// Where the socket list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// NETLINK_SOCK_DIAG (inet_diag).
    Netlink,
    /// /proc/net/{tcp,tcp6,udp,udp6}.
    ProcNet,
    /// Windows' IP Helper tables (`GetExtendedTcpTable`, `GetExtendedUdpTable`).
    IpHelper,
    /// A fake backend (tests).
    Fake,
}

/// The rule that stops the packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// Family of its table.
    pub family: String,
    /// Its table.
    pub table: String,
    /// Its chain.
    pub chain: String,
    /// Its handle, or `None` when it is the chain's policy.
    pub handle: Option<u64>,
    /// Its comment.
    pub comment: Option<String>,
    /// Rejected (the sender is told) rather than dropped.
    pub reject: bool,
    /// The journal's action that added the rule, when it is one of portwarden's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<i64>,
}

impl Blocker {
    /// Whether the rule is in portwarden's own table.
    pub fn is_portwarden(&self) -> bool {
        self.table == "portwarden" && self.family == "inet"
    }

    /// "inet filter input (policy drop)", "inet portwarden input #4" or "portwarden
    /// action #2".
    pub fn describe(&self) -> String {
        if let Some(id) = self.action {
            return format!("portwarden action #{id}");
        }
        match self.handle {
            Some(h) => format!("{} {} {} #{h}", self.family, self.table, self.chain),
            None => format!(
                "{} {} {} (policy drop)",
                self.family, self.table, self.chain
            ),
        }
    }
}

/// Whether new connections from elsewhere reach a listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reach", rename_all = "kebab-case")]
pub enum Reach {
    /// Bound to loopback: no other host can reach it, whatever the rules.
    Loopback,
    /// Nothing in the ruleset stops it.
    Open,
    /// Let in only for some senders (each a short description, e.g. "from 198.18.5.0/24").
    Limited {
        /// Who gets in.
        from: Vec<String>,
    },
    /// Stopped for everyone.
    Blocked {
        /// By what (boxed: every socket carries a `Reach`, and the rule's strings would
        /// otherwise make each of 100k rows of `ls` 100 bytes larger).
        by: Box<Blocker>,
    },
    /// Translated by a DNAT rule before input: the traffic goes elsewhere (Docker's
    /// published ports), and input rules never see it.
    Forwarded {
        /// Where it goes.
        to: String,
    },
    /// The rules are beyond this evaluator.
    Unknown {
        /// Which rule, and why.
        why: String,
    },
}

impl Reach {
    /// Short word for a table column.
    pub fn word(&self) -> &'static str {
        match self {
            Reach::Loopback => "local",
            Reach::Open => "open",
            Reach::Limited { .. } => "limited",
            Reach::Blocked { .. } => "blocked",
            Reach::Forwarded { .. } => "forwarded",
            Reach::Unknown { .. } => "unknown",
        }
    }

    /// How exposed, for picking the worse of two answers (IPv4 and IPv6 of one `::`
    /// listener): higher is more exposed.
    pub fn rank(&self) -> u8 {
        match self {
            Reach::Loopback => 0,
            Reach::Blocked { .. } => 1,
            Reach::Limited { .. } => 2,
            Reach::Unknown { .. } => 3,
            Reach::Forwarded { .. } => 4,
            Reach::Open => 5,
        }
    }
}

/// What one TCP connection carried, from the kernel's `tcp_info` (`INET_DIAG_INFO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Traffic {
    /// Bytes received (`tcpi_bytes_received`).
    pub bytes_received: u64,
    /// Bytes sent and acknowledged by the peer (`tcpi_bytes_acked`, less the 1 the
    /// kernel counts for the acknowledged SYN).
    pub bytes_acked: u64,
}

impl Traffic {
    /// Reads the two counters from a raw `struct tcp_info` (`linux/tcp.h`): they sit at
    /// bytes 120 and 128; an older kernel's shorter struct has neither.
    pub fn from_tcp_info(raw: &[u8]) -> Option<Traffic> {
        let u64_at = |o: usize| {
            raw.get(o..o + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_ne_bytes)
        };
        Some(Traffic {
            bytes_acked: u64_at(120)?.saturating_sub(1),
            bytes_received: u64_at(128)?,
        })
    }
}

#[cfg(test)]
mod traffic_tests {
    use super::Traffic;

    #[test]
    fn reads_both_counters_and_refuses_a_short_struct() {
        let mut raw = vec![0u8; 232];
        raw[120..128].copy_from_slice(&7u64.to_ne_bytes());
        raw[128..136].copy_from_slice(&9u64.to_ne_bytes());
        assert_eq!(
            Traffic::from_tcp_info(&raw),
            Some(Traffic {
                bytes_acked: 6,
                bytes_received: 9
            })
        );
        assert_eq!(Traffic::from_tcp_info(&raw[..130]), None);
        assert_eq!(Traffic::from_tcp_info(&[]), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_loopback_connection_counts_what_it_carried() {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let mut c = std::net::TcpStream::connect(l.local_addr().expect("addr")).expect("connect");
        let (mut a, _) = l.accept().expect("accept");
        c.write_all(&[1u8; 5000]).expect("write");
        let mut buf = vec![0u8; 5000];
        a.read_exact(&mut buf).expect("read");
        let key = (c.local_addr().expect("local"), c.peer_addr().expect("peer"));
        // The peer's ACK may be delayed a little: ask again until it is counted.
        let mut m = crate::linux::netlink::dump_traffic(true, false).expect("dump");
        for _ in 0..50 {
            if m.get(&key).is_some_and(|t| t.bytes_acked == 5000) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            m = crate::linux::netlink::dump_traffic(true, false).expect("dump");
        }
        let t = m.get(&key).expect("our connection");
        assert_eq!(t.bytes_acked, 5000);
        let back = m.get(&(key.1, key.0)).expect("the accepted side");
        assert_eq!(back.bytes_received, 5000);
    }
}
