//! Reads an nmap XML file — nmap's own or `portwarden scan -oX` — into hosts and ports,
//! for `diff`. Only what a diff needs is read (address, names, status, each port's state
//! and service); everything else (`<script>` elements, even several on one port, OS
//! guesses, traces, unknown elements) is skipped, and malformed XML is an error, never a
//! crash.

use crate::model::{Host, PortRec};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Why a file could not be read as nmap XML.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlError {
    /// Not XML, or broken XML.
    #[error("not well-formed XML at byte {at}: {why}")]
    Malformed {
        /// Byte offset.
        at: u64,
        /// What the parser said.
        why: String,
    },
    /// XML, but not an `nmaprun` document.
    #[error("not an nmap XML file (the root element is <{0}>, not <nmaprun>)")]
    NotNmap(String),
    /// Empty or cut short before the root element.
    #[error("not an nmap XML file (no <nmaprun> element)")]
    Empty,
}

/// What the file says about the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// The scanner (`nmap`, `portwarden`).
    pub scanner: String,
    /// Its command line.
    pub args: String,
    /// When it started (`startstr`, else the epoch seconds).
    pub start: String,
    /// The hosts.
    pub hosts: Vec<Host>,
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            a.unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
        })
}

/// Parses an nmap XML document.
pub fn parse(text: &str) -> Result<Run, XmlError> {
    let mut r = Reader::from_str(text);
    r.config_mut().trim_text(true);
    let mut run = Run::default();
    let mut seen_root = false;
    let mut host: Option<Host> = None;
    let mut port: Option<PortRec> = None;
    let mut addr_is_mac = false;
    loop {
        let ev = r.read_event().map_err(|e| XmlError::Malformed {
            at: r.buffer_position(),
            why: e.to_string(),
        })?;
        let (e, empty) = match &ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.name().as_ref() {
                    b"port" => {
                        if let (Some(h), Some(p)) = (host.as_mut(), port.take()) {
                            h.ports.push(p);
                        }
                    }
                    b"host" => {
                        if let Some(h) = host.take().filter(|h| !h.addr.is_empty()) {
                            run.hosts.push(h);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = e.name();
        if !seen_root {
            if name.as_ref() != b"nmaprun" {
                return Err(XmlError::NotNmap(
                    String::from_utf8_lossy(name.as_ref())
                        .chars()
                        .take(40)
                        .collect(),
                ));
            }
            seen_root = true;
            run.scanner = attr(e, b"scanner").unwrap_or_default();
            run.args = attr(e, b"args").unwrap_or_default();
            run.start = attr(e, b"startstr")
                .or_else(|| attr(e, b"start"))
                .unwrap_or_default();
            continue;
        }
        match name.as_ref() {
            b"host" if !empty => {
                host = Some(Host::default());
                addr_is_mac = false;
            }
            b"status" => {
                if let Some(h) = host.as_mut() {
                    h.status = attr(e, b"state").unwrap_or_default();
                }
            }
            b"address" => {
                if let Some(h) = host.as_mut() {
                    let kind = attr(e, b"addrtype").unwrap_or_else(|| "ipv4".into());
                    // Pair by IP address: a MAC address only when there is nothing else.
                    if let Some(a) = attr(e, b"addr") {
                        let take = if kind == "mac" {
                            h.addr.is_empty()
                        } else {
                            h.addr.is_empty() || addr_is_mac
                        };
                        if take {
                            h.addr = a;
                            addr_is_mac = kind == "mac";
                        }
                    }
                }
            }
            b"hostname" => {
                if let Some(h) = host.as_mut().filter(|h| h.hostname.is_none()) {
                    h.hostname = attr(e, b"name");
                }
            }
            b"port" if port.is_none() => {
                let p = PortRec {
                    proto: attr(e, b"protocol").unwrap_or_else(|| "tcp".into()),
                    port: attr(e, b"portid")
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(0),
                    ..PortRec::default()
                };
                if empty {
                    if let Some(h) = host.as_mut() {
                        h.ports.push(p);
                    }
                } else {
                    port = Some(p);
                }
            }
            b"state" => {
                if let Some(p) = port.as_mut() {
                    p.state = attr(e, b"state").unwrap_or_default();
                }
            }
            b"service" => {
                if let Some(p) = port.as_mut() {
                    p.service = attr(e, b"name").filter(|s| !s.is_empty());
                    p.product = attr(e, b"product").filter(|s| !s.is_empty());
                    p.version = attr(e, b"version").filter(|s| !s.is_empty());
                    p.guessed = attr(e, b"method").is_none_or(|m| m == "table");
                }
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err(XmlError::Empty);
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<nmaprun scanner="nmap" args="nmap -sT -oX - 198.18.0.2" start="1764720000" startstr="Thu Dec  3 09:00:00 2026" version="7.93">
<scaninfo type="connect" protocol="tcp" numservices="1000" services="1-1000"/>
<host starttime="1" endtime="2"><status state="up" reason="conn-refused"/>
<address addr="198.18.0.2" addrtype="ipv4"/>
<address addr="02:00:00:00:00:01" addrtype="mac"/>
<hostnames><hostname name="lab" type="PTR"/></hostnames>
<ports><extraports state="closed" count="998"/>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack"/><service name="ssh" product="OpenSSH" version="9.2p1" method="probed"/>
<script id="a" output="&lt;script&gt;x"/><script id="b" output="y"><elem key="k">v</elem></script></port>
<port protocol="tcp" portid="80"><state state="open"/></port>
</ports></host>
<runstats><finished time="2"/></runstats>
</nmaprun>"#;

    #[test]
    fn reads_nmap_with_two_scripts_on_a_port() {
        let r = parse(NMAP).expect("parse");
        assert_eq!(r.scanner, "nmap");
        assert_eq!(r.hosts.len(), 1);
        let h = &r.hosts[0];
        assert_eq!(h.addr, "198.18.0.2");
        assert_eq!(h.hostname.as_deref(), Some("lab"));
        assert_eq!(h.ports.len(), 2);
        assert_eq!(h.ports[0].product.as_deref(), Some("OpenSSH"));
        assert_eq!(h.ports[0].version.as_deref(), Some("9.2p1"));
        assert_eq!(h.ports[1].state, "open");
    }

    #[test]
    fn odd_input_is_an_error_not_a_crash() {
        assert_eq!(parse(""), Err(XmlError::Empty));
        assert!(matches!(parse("<html/>"), Err(XmlError::NotNmap(_))));
        assert!(matches!(
            parse("<nmaprun><host><ports></host>"),
            Err(XmlError::Malformed { .. })
        ));
        // Cut short: what was read is kept, nothing panics.
        assert!(parse("<nmaprun><host><address addr=\"1.2.3.4\"/>").is_ok());
        assert!(parse("\u{0}\u{1}garbage").is_err());
        // Unknown entities in attribute values are kept raw.
        let r =
            parse(r#"<nmaprun><host><address addr="a&bogus;"/></host></nmaprun>"#).expect("parse");
        assert_eq!(r.hosts[0].addr, "a&bogus;");
    }
}
