//! Windows' IP Helper socket tables read from their bytes: `MIB_TCPTABLE_OWNER_PID`,
//! `MIB_TCP6TABLE_OWNER_PID`, `MIB_UDPTABLE_OWNER_PID` and `MIB_UDP6TABLE_OWNER_PID`
//! as `GetExtendedTcpTable`/`GetExtendedUdpTable` fill them. Pure and safe (a table is a
//! count and fixed-size rows of little-endian words), so it is compiled and tested on
//! every platform; the Windows backend only makes the calls. A short or truncated buffer
//! gives the rows that are whole, never a panic.

use crate::types::{ProcessInfo, RawSocket, SockState, Source, Transport};
use crate::{Listing, OwnedSocket, Ownership};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The tables' four shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `MIB_TCPTABLE_OWNER_PID` (rows of 6 words).
    Tcp4,
    /// `MIB_TCP6TABLE_OWNER_PID` (rows of 56 bytes).
    Tcp6,
    /// `MIB_UDPTABLE_OWNER_PID` (rows of 3 words).
    Udp4,
    /// `MIB_UDP6TABLE_OWNER_PID` (rows of 28 bytes).
    Udp6,
}

impl Table {
    /// Bytes per row.
    pub fn row_len(self) -> usize {
        match self {
            Table::Tcp4 => 24,
            Table::Tcp6 => 56,
            Table::Udp4 => 12,
            Table::Udp6 => 28,
        }
    }
}

/// A row: the socket and the pid Windows names as its owner (0 when it names none).
pub type Row = (RawSocket, u32);

fn word(b: &[u8], at: usize) -> Option<u32> {
    let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(w))
}

/// A port as the tables hold it: network byte order in the low 16 bits of a word.
fn port(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn v4(b: &[u8], at: usize) -> Option<IpAddr> {
    let a: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(IpAddr::V4(Ipv4Addr::from(a)))
}

fn v6(b: &[u8], at: usize) -> Option<IpAddr> {
    let a: [u8; 16] = b.get(at..at + 16)?.try_into().ok()?;
    Some(IpAddr::V6(Ipv6Addr::from(a)))
}

/// `MIB_TCP_STATE` to the states `ss` names.
pub fn tcp_state(n: u32) -> SockState {
    match n {
        1 => SockState::Unconn, // CLOSED
        2 => SockState::Listen,
        3 => SockState::SynSent,
        4 => SockState::SynRecv,
        5 => SockState::Established,
        6 => SockState::FinWait1,
        7 => SockState::FinWait2,
        8 => SockState::CloseWait,
        9 => SockState::Closing,
        10 => SockState::LastAck,
        11 => SockState::TimeWait,
        n => SockState::Unknown(u8::try_from(n).unwrap_or(u8::MAX)),
    }
}

fn raw(transport: Transport, local: SocketAddr, remote: SocketAddr, state: SockState) -> RawSocket {
    RawSocket {
        transport,
        local,
        remote,
        state,
        uid: 0,
        inode: 0,
        recv_q: 0,
        send_q: 0,
        interface: 0,
    }
}

fn row(t: Table, b: &[u8]) -> Option<Row> {
    Some(match t {
        Table::Tcp4 => {
            // dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort, dwOwningPid
            let state = tcp_state(word(b, 0)?);
            let local = SocketAddr::new(v4(b, 4)?, port(b, 8)?);
            let remote = SocketAddr::new(v4(b, 12)?, port(b, 16)?);
            (raw(Transport::Tcp, local, remote, state), word(b, 20)?)
        }
        Table::Tcp6 => {
            // ucLocalAddr[16], dwLocalScopeId, dwLocalPort, ucRemoteAddr[16],
            // dwRemoteScopeId, dwRemotePort, dwState, dwOwningPid
            let local = SocketAddr::new(v6(b, 0)?, port(b, 20)?);
            let remote = SocketAddr::new(v6(b, 24)?, port(b, 44)?);
            let mut s = raw(Transport::Tcp, local, remote, tcp_state(word(b, 48)?));
            s.interface = word(b, 16)?;
            (s, word(b, 52)?)
        }
        Table::Udp4 => {
            // dwLocalAddr, dwLocalPort, dwOwningPid
            let local = SocketAddr::new(v4(b, 0)?, port(b, 4)?);
            let remote = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
            (
                raw(Transport::Udp, local, remote, SockState::Unconn),
                word(b, 8)?,
            )
        }
        Table::Udp6 => {
            // ucLocalAddr[16], dwLocalScopeId, dwLocalPort, dwOwningPid
            let local = SocketAddr::new(v6(b, 0)?, port(b, 20)?);
            let remote = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0);
            let mut s = raw(Transport::Udp, local, remote, SockState::Unconn);
            s.interface = word(b, 16)?;
            (s, word(b, 24)?)
        }
    })
}

/// The rows of one table (`dwNumEntries`, then the rows, 4-byte aligned), appended to
/// `out`. Rows past the end of `buf` (a table that claims more than it holds) are left out.
pub fn parse(t: Table, buf: &[u8], out: &mut Vec<Row>) {
    let Some(n) = word(buf, 0) else {
        return;
    };
    let len = t.row_len();
    let rows = buf.get(4..).unwrap_or_default();
    let n = usize::try_from(n)
        .unwrap_or(usize::MAX)
        .min(rows.len() / len);
    out.reserve(n);
    out.extend(rows.chunks_exact(len).take(n).filter_map(|r| row(t, r)));
}

/// Sockets with the pids the tables name, and the processes behind them (`None`: not
/// asked). Pid 0 names no owner: none for TIME-WAIT and closed sockets, unknown for the
/// rest (Wine names pid 0 for every socket). Pure.
pub fn join_pids(rows: Vec<Row>, procs: Option<Processes>) -> Listing {
    let mut sockets = Vec::with_capacity(rows.len());
    let mut held: HashMap<u32, ProcessInfo> = HashMap::new();
    let mut unreadable = std::collections::HashSet::new();
    for (socket, pid) in rows {
        let (pids, ownership) = match &procs {
            None => (Vec::new(), Ownership::NotAsked),
            Some(_) if pid == 0 => {
                let gone = matches!(socket.state, SockState::TimeWait | SockState::Unconn)
                    && socket.transport == Transport::Tcp;
                (
                    Vec::new(),
                    if gone {
                        Ownership::None
                    } else {
                        Ownership::Unknown
                    },
                )
            }
            Some(p) => {
                if let Some(info) = p.by_pid.get(&pid) {
                    held.entry(pid).or_insert_with(|| info.clone());
                } else {
                    // Exited between the table and the snapshot: its pid is still the
                    // best answer.
                    held.entry(pid).or_insert_with(|| ProcessInfo {
                        pid,
                        name: "?".into(),
                        ..Default::default()
                    });
                }
                if p.unopened.contains(&pid) {
                    unreadable.insert(pid);
                }
                (vec![pid], Ownership::Known)
            }
        };
        sockets.push(OwnedSocket {
            socket,
            pids,
            ownership,
        });
    }
    Listing {
        sockets,
        processes: held,
        source: Source::IpHelper,
        unreadable: unreadable.len(),
    }
}

/// What Windows says of its processes.
#[derive(Debug, Default, Clone)]
pub struct Processes {
    /// Every process, by pid.
    pub by_pid: HashMap<u32, ProcessInfo>,
    /// Pids Windows would not open (image path and user unknown).
    pub unopened: std::collections::HashSet<u32>,
}

/// Windows' dynamic port range from `netsh int ipv4 show dynamicport tcp`: the first two
/// numbers after a colon are the start port and the number of ports (the labels are
/// translated; the order is not).
pub fn parse_dynamic_ports(text: &str) -> Option<portwarden_kb::EphemeralRange> {
    let mut nums = text.lines().filter_map(|l| {
        let (_, v) = l.split_once(':')?;
        v.trim().parse::<u32>().ok()
    });
    let start = nums.next()?;
    let count = nums.next()?;
    let end = start.checked_add(count)?.checked_sub(1)?;
    let start = u16::try_from(start).ok()?;
    let end = u16::try_from(end).ok()?;
    (count > 0).then_some(portwarden_kb::EphemeralRange { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[u32]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// A port as the table holds it (network order in the word's first two bytes).
    fn p(port: u16) -> u32 {
        u32::from_le_bytes([(port >> 8) as u8, port as u8, 0, 0])
    }

    fn a4(a: [u8; 4]) -> u32 {
        u32::from_le_bytes(a)
    }

    #[test]
    fn tcp4_rows_with_owner() {
        let buf = words(&[
            2,
            2,
            a4([0, 0, 0, 0]),
            p(445),
            0,
            0,
            4,
            5,
            a4([127, 0, 0, 1]),
            p(50000),
            a4([127, 0, 0, 1]),
            p(8080),
            1234,
        ]);
        let mut out = Vec::new();
        parse(Table::Tcp4, &buf, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0.local, "0.0.0.0:445".parse().expect("addr"));
        assert_eq!(out[0].0.state, SockState::Listen);
        assert_eq!(out[0].1, 4);
        assert_eq!(out[1].0.remote, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(out[1].0.state, SockState::Established);
        assert_eq!(out[1].1, 1234);
    }

    #[test]
    fn tcp6_and_udp_rows() {
        let mut b = words(&[1]);
        b.extend(Ipv6Addr::LOCALHOST.octets());
        b.extend(words(&[0, p(135)]));
        b.extend([0u8; 16]);
        b.extend(words(&[0, 0, 2, 900]));
        let mut out = Vec::new();
        parse(Table::Tcp6, &b, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0.local, "[::1]:135".parse().expect("addr"));
        assert_eq!(out[0].0.state, SockState::Listen);
        assert_eq!(out[0].1, 900);

        let b = words(&[1, a4([0, 0, 0, 0]), p(5353), 77]);
        parse(Table::Udp4, &b, &mut out);
        assert_eq!(out[1].0.local, "0.0.0.0:5353".parse().expect("addr"));
        assert!(out[1].0.is_listening());
        assert_eq!(out[1].1, 77);

        let mut b = words(&[1]);
        b.extend([0u8; 16]);
        b.extend(words(&[0, p(500), 8]));
        parse(Table::Udp6, &b, &mut out);
        assert_eq!(out[2].0.local, "[::]:500".parse().expect("addr"));
        assert_eq!(out[2].1, 8);
    }

    #[test]
    fn short_or_lying_tables_give_the_whole_rows() {
        let mut out = Vec::new();
        parse(Table::Tcp4, &[], &mut out);
        parse(Table::Tcp4, &[1, 0], &mut out);
        assert!(out.is_empty());
        // Claims 1000 rows, holds one and a half.
        let mut b = words(&[1000, 2, 0, p(1), 0, 0, 0]);
        b.extend([0u8; 10]);
        parse(Table::Tcp4, &b, &mut out);
        assert_eq!(out.len(), 1);
    }

    fn listener(port: u16, state: SockState) -> RawSocket {
        raw(
            Transport::Tcp,
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            state,
        )
    }

    #[test]
    fn pid_zero_is_never_an_owner() {
        let mut p = Processes::default();
        for (pid, name) in [(0, "[System Process]"), (4, "System"), (900, "svchost.exe")] {
            p.by_pid.insert(
                pid,
                ProcessInfo {
                    pid,
                    name: name.into(),
                    ..Default::default()
                },
            );
        }
        p.unopened.insert(900);
        let rows = vec![
            (listener(8080, SockState::Listen), 0),
            (listener(50000, SockState::TimeWait), 0),
            (listener(445, SockState::Listen), 4),
            (listener(135, SockState::Listen), 900),
            (listener(7, SockState::Listen), 31337),
        ];
        let l = join_pids(rows.clone(), Some(p));
        let own: Vec<_> = l
            .sockets
            .iter()
            .map(|o| (o.pids.clone(), o.ownership))
            .collect();
        assert_eq!(
            own,
            vec![
                (vec![], Ownership::Unknown),
                (vec![], Ownership::None),
                (vec![4], Ownership::Known),
                (vec![900], Ownership::Known),
                (vec![31337], Ownership::Known),
            ]
        );
        assert!(!l.processes.contains_key(&0));
        assert_eq!(l.processes[&4].name, "System");
        // Exited between the table and the snapshot: the pid, an unknown name.
        assert_eq!(l.processes[&31337].name, "?");
        assert_eq!(l.unreadable, 1);
        assert_eq!(l.source, Source::IpHelper);
        let l = join_pids(rows, None);
        assert!(l.sockets.iter().all(|o| o.ownership == Ownership::NotAsked));
        assert!(l.processes.is_empty());
    }

    #[test]
    fn states() {
        assert_eq!(tcp_state(11), SockState::TimeWait);
        assert_eq!(tcp_state(1), SockState::Unconn);
        assert_eq!(tcp_state(12), SockState::Unknown(12));
        assert_eq!(tcp_state(99999), SockState::Unknown(255));
    }

    #[test]
    fn dynamic_ports_from_netsh() {
        let en = "\nProtocol tcp Dynamic Port Range\n---------------------------------\nStart Port      : 49152\nNumber of Ports : 16384\n";
        let r = parse_dynamic_ports(en).expect("range");
        assert_eq!((r.start, r.end), (49152, 65535));
        let de = "Startport       : 1025\nAnzahl Ports    : 3976\n";
        let r = parse_dynamic_ports(de).expect("range");
        assert_eq!((r.start, r.end), (1025, 5000));
        assert_eq!(
            parse_dynamic_ports("The following command was not found"),
            None
        );
        assert_eq!(
            parse_dynamic_ports("Start Port : 65000\nNumber : 9999\n"),
            None
        );
        assert_eq!(parse_dynamic_ports("Start Port : 1\nNumber : 0\n"), None);
    }
}
