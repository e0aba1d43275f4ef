//! The pure half of the Windows backend: the argument lists handed to `netsh`, `sc`,
//! `tasklist`, `taskkill` and `reg`, the parsers of what they print, the rows given to
//! `SetTcpEntry`, the IP Helper tables read back, and Win32 error codes turned into one
//! line. Compiled on every platform, so Linux tests them as well as Wine.
//!
//! Data never becomes syntax: every argument is one element of an argument vector (no
//! shell), a rule name is a [`Tag`]'s comment (`[0-9A-Za-z.:_-]` only), and a service name
//! is checked by [`crate::windows_service_name`] before it is handed to `sc`.

use crate::nft::{Listed, Tag, Verdict};
use portwarden_i18n::{msg, Lang, Msg};
use portwarden_sockets::{RawSocket, SockState, Transport};
use std::net::{IpAddr, Ipv4Addr};

/// The Windows Firewall rule group that holds every rule portwarden adds.
pub const GROUP: &str = "portwarden";

/// Where Windows Firewall keeps its local rules (one `REG_SZ` value per rule).
pub const RULES_KEY: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules";

/// Where the RDP listener's port is configured.
pub const RDP_KEY: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp";

/// The RDP port when the registry does not say otherwise.
pub const RDP_DEFAULT_PORT: u16 = 3389;

/// Win32 `ERROR_ACCESS_DENIED`.
pub const ERROR_ACCESS_DENIED: u32 = 5;
/// Win32 `ERROR_INVALID_PARAMETER`.
pub const ERROR_INVALID_PARAMETER: u32 = 87;
/// `ERROR_MR_MID_NOT_FOUND`: what `SetTcpEntry` returns to a process that is not elevated.
pub const ERROR_MR_MID_NOT_FOUND: u32 = 317;
/// Win32 `ERROR_NOT_FOUND`.
pub const ERROR_NOT_FOUND: u32 = 1168;
/// `ERROR_SERVICE_DOES_NOT_EXIST`.
pub const ERROR_SERVICE_DOES_NOT_EXIST: u32 = 1060;
/// `ERROR_SERVICE_NOT_ACTIVE`: stopping a stopped service.
pub const ERROR_SERVICE_NOT_ACTIVE: u32 = 1062;
/// `ERROR_SERVICE_ALREADY_RUNNING`: starting a running service.
pub const ERROR_SERVICE_ALREADY_RUNNING: u32 = 1056;
/// `ERROR_SERVICE_DISABLED`: starting a disabled service.
pub const ERROR_SERVICE_DISABLED: u32 = 1058;

/// `MIB_TCP_STATE_DELETE_TCB`: the state that tells `SetTcpEntry` to drop a connection.
pub const MIB_TCP_STATE_DELETE_TCB: u32 = 12;

/// Owned argument vector.
fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn proto(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "TCP",
        Transport::Udp => "UDP",
    }
}

/// The rule in words, as people read it ("block inbound TCP port 8080").
pub fn rule_text(tag: &Tag) -> String {
    block_text(tag.port, tag.transport)
}

/// [`rule_text`] from the port and transport.
pub fn block_text(port: u16, t: Transport) -> String {
    format!("block inbound {} port {port}", proto(t))
}

/// `netsh advfirewall firewall add rule …` for `tag`: an inbound block of the port, in our
/// group, named by the tag's comment. Windows Firewall cannot reject (only block), so a
/// reject tag is an error here and [`crate::plan`] refuses it first.
pub fn netsh_add_rule(tag: &Tag) -> Result<Vec<String>, String> {
    if tag.verdict == Verdict::Reject {
        return Err(english(&msg!("control-windows-cannot-reject")));
    }
    let mut v = args(&["advfirewall", "firewall", "add", "rule"]);
    v.push(format!("name={}", tag.comment()));
    v.push(format!("group={GROUP}"));
    v.extend(args(&[
        "dir=in",
        "action=block",
        "enable=yes",
        "profile=any",
    ]));
    v.push(format!("protocol={}", proto(tag.transport)));
    v.push(format!("localport={}", tag.port));
    v.push(format!("description={}", rule_text(tag)));
    Ok(v)
}

/// `netsh advfirewall firewall delete rule name=…` for one of our rules. Only a name that
/// is one of our tags is accepted: never a name read from elsewhere, never `all`.
pub fn netsh_delete_rule(name: &str) -> Option<Vec<String>> {
    Tag::parse(name)?;
    let mut v = args(&["advfirewall", "firewall", "delete", "rule"]);
    v.push(format!("name={name}"));
    v.push("dir=in".into());
    Some(v)
}

/// `reg query` of the firewall's rule store.
pub fn reg_query_rules() -> Vec<String> {
    args(&["query", RULES_KEY])
}

/// `reg query` of the RDP port.
pub fn reg_query_rdp_port() -> Vec<String> {
    args(&["query", RDP_KEY, "/v", "PortNumber"])
}

/// The rules of our group in `reg query RULES_KEY` output. Each value's data is
/// `v2.xx|Action=Block|…|Name=…|EmbedCtxt=portwarden|`; rules of other groups are not
/// ours and not listed. `handle` is the rule's position (Windows names rules, it has no
/// handles). Output without the key's name is an error, never "no rules".
pub fn parse_rules(out: &str) -> Result<Vec<Listed>, String> {
    if !out
        .to_ascii_lowercase()
        .contains("firewallpolicy\\firewallrules")
    {
        return Err(format!(
            "reg printed something unexpected: {:?}",
            out.lines().next().unwrap_or("").escape_debug().to_string()
        ));
    }
    let mut v = Vec::new();
    for line in out.lines() {
        let Some((_, data)) = line.split_once("REG_SZ") else {
            continue;
        };
        let fields: Vec<(&str, &str)> = data
            .trim()
            .split('|')
            .filter_map(|f| f.split_once('='))
            .collect();
        let get = |k: &str| {
            fields
                .iter()
                .find(|(f, _)| f.eq_ignore_ascii_case(k))
                .map(|(_, v)| *v)
        };
        if get("EmbedCtxt") != Some(GROUP) {
            continue;
        }
        let name = get("Name").map(str::to_string);
        v.push(Listed {
            handle: v.len() as u64,
            tag: name.as_deref().and_then(Tag::parse),
            comment: name,
        });
    }
    Ok(v)
}

/// A `REG_DWORD` value in `reg query … /v NAME` output (`NAME  REG_DWORD  0xd3d`).
pub fn parse_reg_dword(out: &str, name: &str) -> Option<u32> {
    out.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        if !w.next()?.eq_ignore_ascii_case(name) || w.next()? != "REG_DWORD" {
            return None;
        }
        u32::from_str_radix(w.next()?.trim_start_matches("0x"), 16).ok()
    })
}

/// A service's startup type as `sc config … start=` spells it, from its `START_TYPE`
/// number (and `(DELAYED)` for a delayed automatic start).
pub fn start_type_name(n: u32, delayed: bool) -> Option<&'static str> {
    Some(match (n, delayed) {
        (0, _) => "boot",
        (1, _) => "system",
        (2, true) => "delayed-auto",
        (2, false) => "auto",
        (3, _) => "demand",
        (4, _) => "disabled",
        _ => return None,
    })
}

/// The startup type in `sc qc NAME` output (`START_TYPE : 2   AUTO_START  (DELAYED)`).
pub fn parse_sc_qc(out: &str) -> Option<&'static str> {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("START_TYPE"))?;
    let (_, rest) = line.split_once(':')?;
    let n: u32 = rest.split_whitespace().next()?.parse().ok()?;
    start_type_name(n, rest.contains("DELAYED"))
}

/// The state number in `sc query NAME` output (`STATE : 1  STOPPED`; 4 is RUNNING).
pub fn parse_sc_state(out: &str) -> Option<u32> {
    let line = out.lines().find(|l| l.trim_start().starts_with("STATE"))?;
    line.split_once(':')?
        .1
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `SERVICE_STOPPED` in [`parse_sc_state`]'s numbers.
pub const SERVICE_STOPPED: u32 = 1;

/// Whether a startup type starts the service by itself.
pub fn starts_by_itself(kind: &str) -> bool {
    matches!(kind, "auto" | "delayed-auto" | "boot" | "system")
}

/// `sc ACTION NAME` (`qc`, `stop`, `start`); `None` for a name that is not a plain
/// service name.
pub fn sc(action: &str, name: &str) -> Option<Vec<String>> {
    crate::windows_service_name(name).then(|| args(&[action, name]))
}

/// `sc config NAME start= KIND` (sc wants `start=` and the value as two arguments); `None`
/// for a name or a startup type that is not plain.
pub fn sc_set_start(name: &str, kind: &str) -> Option<Vec<String>> {
    let known = [
        "boot",
        "system",
        "auto",
        "delayed-auto",
        "demand",
        "disabled",
    ];
    (crate::windows_service_name(name) && known.contains(&kind))
        .then(|| args(&["config", name, "start=", kind]))
}

/// The startup type undo gives back: the one recorded, else automatic when the service
/// was enabled and manual when it was not.
pub fn restore_kind(recorded: Option<&str>, enabled: bool) -> &str {
    match recorded {
        Some(k) if sc_set_start("x", k).is_some() => k,
        _ if enabled => "auto",
        _ => "demand",
    }
}

/// `tasklist /svc` for one pid, as CSV without a header.
pub fn tasklist_svc(pid: u32) -> Vec<String> {
    let mut v = args(&["/svc", "/fo", "csv", "/nh", "/fi"]);
    v.push(format!("PID eq {pid}"));
    v
}

/// The one service a process runs, from `tasklist /svc /fo csv /nh` output
/// (`"svchost.exe","1234","Dnscache"`). A process that hosts several services (svchost)
/// or none (`N/A`) has no single service to stop.
pub fn parse_tasklist_svc(out: &str, pid: u32) -> Option<String> {
    out.lines().find_map(|l| {
        let cols: Vec<&str> = l.trim().split("\",\"").collect();
        if cols.len() != 3 {
            return None;
        }
        if cols[1].parse::<u32>().ok()? != pid {
            return None;
        }
        let svc = cols[2].trim_end_matches('"');
        (!svc.contains(',') && crate::windows_service_name(svc)).then(|| svc.to_string())
    })
}

/// `taskkill /PID N`: the polite request (a close message to its windows), never `/F`.
pub fn taskkill(pid: u32) -> Vec<String> {
    vec!["/PID".into(), pid.to_string()]
}

/// The five `MIB_TCPROW` fields (state, local address, local port, remote address,
/// remote port; addresses and ports in network byte order as the API wants them) that
/// make `SetTcpEntry` drop `s`. `SetTcpEntry` knows IPv4 only: `None` for IPv6 (an
/// IPv4-mapped address counts as IPv4) and for anything but an established TCP connection.
pub fn delete_tcb_row(s: &RawSocket) -> Option<[u32; 5]> {
    if s.transport != Transport::Tcp || s.state != SockState::Established {
        return None;
    }
    let v4 = |ip: IpAddr| match ip {
        IpAddr::V4(a) => Some(a),
        IpAddr::V6(a) => a.to_ipv4_mapped(),
    };
    let be_addr = |a: Ipv4Addr| u32::from_ne_bytes(a.octets());
    let be_port = |p: u16| u32::from(p.to_be());
    Some([
        MIB_TCP_STATE_DELETE_TCB,
        be_addr(v4(s.local.ip())?),
        be_port(s.local.port()),
        be_addr(v4(s.remote.ip())?),
        be_port(s.remote.port()),
    ])
}

/// The local ports of the rows of an IP Helper table (`GetExtendedTcpTable`,
/// `GetExtendedUdpTable`) as raw bytes: a `u32` count, then rows of `row_size` bytes whose
/// port (a `u32` holding a network-order `u16`) sits at `port_at`. A count larger than
/// the buffer is cut to what the buffer holds.
pub fn table_ports(buf: &[u8], row_size: usize, port_at: usize) -> Vec<u16> {
    let u32_at = |o: usize| {
        buf.get(o..o + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_ne_bytes)
    };
    let Some(n) = u32_at(0) else {
        return Vec::new();
    };
    (0..n as usize)
        .map_while(|i| u32_at(4 + i * row_size + port_at))
        .map(|p| u16::from_be((p & 0xffff) as u16))
        .collect()
}

/// The Win32 error `code` of `what` as one line; access denied says to run as
/// Administrator.
pub fn win_error(what: &str, code: u32) -> String {
    let text = match code {
        ERROR_ACCESS_DENIED | ERROR_MR_MID_NOT_FOUND => {
            english(&msg!("control-windows-run-as-administrator"))
        }
        ERROR_SERVICE_DOES_NOT_EXIST => english(&msg!("control-windows-no-such-service")),
        ERROR_SERVICE_DISABLED => english(&msg!("control-windows-service-disabled")),
        _ => std::io::Error::from_raw_os_error(code as i32).to_string(),
    };
    format!("{what}: {text} (error {code})")
}

/// What a command printed on failure, as one line, with "run as Administrator" when the
/// failure was for want of elevation (exit code 5, or a netsh that says so).
pub fn command_error(
    what: &str,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
    elevated: bool,
) -> String {
    if code == Some(ERROR_ACCESS_DENIED as i32) {
        return win_error(what, ERROR_ACCESS_DENIED);
    }
    let line = stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("failed");
    let line = line.escape_debug().to_string();
    if elevated {
        format!("{what}: {line}")
    } else {
        format!(
            "{what}: {line} ({})",
            english(&msg!("control-windows-run-as-administrator"))
        )
    }
}

fn english(m: &Msg) -> String {
    m.to_string_in(Lang::En)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::nft::Stamp;

    fn tag(port: u16, t: Transport, v: Verdict) -> Tag {
        Tag {
            port,
            transport: t,
            verdict: v,
            stamp: Stamp::parse("1700000000.000000001.42").unwrap(),
        }
    }

    #[test]
    fn netsh_rules_are_argument_vectors_named_by_the_tag() {
        let t = tag(8080, Transport::Tcp, Verdict::Drop);
        let a = netsh_add_rule(&t).unwrap();
        assert_eq!(
            a,
            vec![
                "advfirewall",
                "firewall",
                "add",
                "rule",
                "name=portwarden:8080:tcp:drop:1700000000.000000001.42",
                "group=portwarden",
                "dir=in",
                "action=block",
                "enable=yes",
                "profile=any",
                "protocol=TCP",
                "localport=8080",
                "description=block inbound TCP port 8080",
            ]
        );
        let u = netsh_add_rule(&tag(53, Transport::Udp, Verdict::Drop)).unwrap();
        assert!(u.contains(&"protocol=UDP".to_string()));
        let e = netsh_add_rule(&tag(80, Transport::Tcp, Verdict::Reject)).unwrap_err();
        assert!(e.contains("only block"), "{e}");
        let d = netsh_delete_rule(&t.comment()).unwrap();
        assert_eq!(d[4], format!("name={}", t.comment()));
        assert_eq!(d[5], "dir=in");
        // Never a name that is not ours: `all`, another group's, one with a space.
        for bad in ["all", "Remote Desktop", "portwarden:8080:tcp:drop:a b", ""] {
            assert!(netsh_delete_rule(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn our_rules_are_read_from_the_registry_listing() {
        let out = "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\FirewallRules\r\n    {1A}    REG_SZ    v2.31|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=8080|Name=portwarden:8080:tcp:drop:1.2.3|Desc=block inbound TCP port 8080|EmbedCtxt=portwarden|\r\n    CoreNet-1    REG_SZ    v2.31|Action=Allow|Dir=In|Name=@FirewallAPI.dll,-25|EmbedCtxt=@FirewallAPI.dll,-25000|\r\n    {2B}    REG_SZ    v2.31|Action=Block|Dir=In|Name=hand made|EmbedCtxt=portwarden|\r\n    {3C}    REG_SZ    v2.31|Action=Block|Dir=In|Name=portwarden:9:udp:drop:x|EmbedCtxt=Other|\r\n";
        let l = parse_rules(out).unwrap();
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(l[0].tag.as_ref().unwrap().port, 8080);
        assert_eq!(l[1].comment.as_deref(), Some("hand made"));
        assert!(
            l[1].tag.is_none(),
            "a foreign rule in our group is reported, not adopted"
        );
        assert!(parse_rules("ERROR: Access is denied.").is_err());
        assert!(parse_rules("").is_err());
    }

    #[test]
    fn sc_arguments_and_startup_types() {
        assert_eq!(sc("stop", "Spooler").unwrap(), vec!["stop", "Spooler"]);
        assert_eq!(
            sc_set_start("Spooler", "disabled").unwrap(),
            vec!["config", "Spooler", "start=", "disabled"]
        );
        for bad in ["-h", "/?", "a b", "x\\y", "", "a/b"] {
            assert!(sc("stop", bad).is_none(), "{bad:?}");
        }
        assert!(sc_set_start("Spooler", "auto; del").is_none());
        let qc = "[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: Spooler\r\n        TYPE               : 110  WIN32_OWN_PROCESS (interactive)\r\n        START_TYPE         : 2   AUTO_START  (DELAYED)\r\n        ERROR_CONTROL      : 1   NORMAL\r\n";
        assert_eq!(parse_sc_qc(qc), Some("delayed-auto"));
        assert_eq!(
            parse_sc_qc(&qc.replace("2   AUTO_START  (DELAYED)", "3   DEMAND_START")),
            Some("demand")
        );
        assert_eq!(parse_sc_qc("[SC] OpenService FAILED 1060:"), None);
        let q = "SERVICE_NAME: Spooler\r\n        TYPE               : 110  WIN32_OWN_PROCESS\r\n        STATE              : 1  STOPPED\r\n";
        assert_eq!(parse_sc_state(q), Some(SERVICE_STOPPED));
        assert_eq!(parse_sc_state("garbage"), None);
        assert!(starts_by_itself("delayed-auto") && !starts_by_itself("demand"));
        assert_eq!(restore_kind(Some("delayed-auto"), true), "delayed-auto");
        assert_eq!(restore_kind(Some("evil thing"), true), "auto");
        assert_eq!(restore_kind(None, false), "demand");
    }

    #[test]
    fn the_service_of_a_pid_comes_from_tasklist() {
        let one = "\"spoolsv.exe\",\"2044\",\"Spooler\"\r\n";
        assert_eq!(parse_tasklist_svc(one, 2044).as_deref(), Some("Spooler"));
        assert_eq!(parse_tasklist_svc(one, 2045), None);
        let many = "\"svchost.exe\",\"812\",\"BrokerInfrastructure,DcomLaunch,Power\"\r\n";
        assert_eq!(
            parse_tasklist_svc(many, 812),
            None,
            "several: no single one"
        );
        assert_eq!(parse_tasklist_svc("\"a.exe\",\"9\",\"N/A\"", 9), None);
        assert_eq!(
            parse_tasklist_svc(
                "INFO: No tasks are running which match the specified criteria.",
                9
            ),
            None
        );
        assert_eq!(tasklist_svc(9).last().unwrap(), "PID eq 9");
        assert_eq!(taskkill(9), vec!["/PID", "9"]);
    }

    #[test]
    fn rdp_port_from_the_registry() {
        let out =
            "\r\nHKEY_LOCAL_MACHINE\\...\\RDP-Tcp\r\n    PortNumber    REG_DWORD    0xd3d\r\n";
        assert_eq!(parse_reg_dword(out, "PortNumber"), Some(3389));
        assert_eq!(parse_reg_dword("ERROR: nothing", "PortNumber"), None);
    }

    fn sock(local: &str, remote: &str, state: SockState) -> RawSocket {
        RawSocket {
            transport: Transport::Tcp,
            local: local.parse().unwrap(),
            remote: remote.parse().unwrap(),
            state,
            uid: 0,
            inode: 0,
            recv_q: 0,
            send_q: 0,
            interface: 0,
        }
    }

    #[test]
    fn set_tcp_entry_rows_are_in_network_order() {
        let r = delete_tcb_row(&sock(
            "127.0.0.1:8080",
            "127.0.0.2:40000",
            SockState::Established,
        ))
        .unwrap();
        assert_eq!(r[0], 12);
        assert_eq!(r[1].to_ne_bytes(), [127, 0, 0, 1]);
        assert_eq!((r[2] as u16).to_ne_bytes(), 8080u16.to_be_bytes());
        assert_eq!(r[3].to_ne_bytes(), [127, 0, 0, 2]);
        assert_eq!((r[4] as u16).to_ne_bytes(), 40000u16.to_be_bytes());
        let mapped = sock(
            "[::ffff:127.0.0.1]:8080",
            "[::ffff:127.0.0.2]:1",
            SockState::Established,
        );
        assert!(delete_tcb_row(&mapped).is_some());
        assert!(delete_tcb_row(&sock("[::1]:8080", "[::1]:1", SockState::Established)).is_none());
        assert!(delete_tcb_row(&sock("0.0.0.0:8080", "0.0.0.0:0", SockState::Listen)).is_none());
    }

    #[test]
    fn ip_helper_tables_give_their_ports() {
        // Two MIB_TCPROW_OWNER_PID rows (24 bytes, port at 8), a count that overstates.
        let mut b = 3u32.to_ne_bytes().to_vec();
        for port in [8080u16, 22] {
            let mut row = [0u8; 24];
            row[8..10].copy_from_slice(&port.to_be_bytes());
            b.extend_from_slice(&row);
        }
        assert_eq!(table_ports(&b, 24, 8), vec![8080, 22]);
        assert!(table_ports(&[1, 0], 24, 8).is_empty());
    }

    #[test]
    fn errors_say_run_as_administrator() {
        let e = win_error("TerminateProcess 42", ERROR_ACCESS_DENIED);
        assert!(e.contains("run as Administrator"), "{e}");
        assert!(win_error("SetTcpEntry", ERROR_MR_MID_NOT_FOUND).contains("Administrator"));
        assert!(win_error("sc stop X", ERROR_SERVICE_DOES_NOT_EXIST).contains("no such service"));
        let e = command_error(
            "netsh",
            Some(1),
            "The requested operation requires elevation.",
            "",
            false,
        );
        assert!(e.contains("run as Administrator"), "{e}");
        let e = command_error("sc stop X", Some(5), "", "", true);
        assert!(e.contains("run as Administrator"), "{e}");
        let e = command_error("netsh", Some(1), "bad\x1b[31m", "", true);
        assert!(!e.contains('\x1b'), "{e}");
    }
}
