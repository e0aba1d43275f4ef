//! Plain data types of the knowledge base: what every other crate consumes.

use serde::Serialize;
use std::fmt;

/// A transport protocol that ports belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Transmission Control Protocol.
    Tcp,
    /// User Datagram Protocol.
    Udp,
    /// Stream Control Transmission Protocol.
    Sctp,
    /// Datagram Congestion Control Protocol.
    Dccp,
}

impl Protocol {
    /// Every protocol the registry knows, in display order.
    pub const ALL: [Protocol; 4] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp, Protocol::Dccp];

    /// Lower-case name, as in `53/udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
            Protocol::Dccp => "dccp",
        }
    }

    /// Parses `tcp`, `udp`, `sctp` or `dccp` (any case).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" | "t" => Some(Protocol::Tcp),
            "udp" | "u" => Some(Protocol::Udp),
            "sctp" => Some(Protocol::Sctp),
            "dccp" => Some(Protocol::Dccp),
            _ => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use portwarden_i18n::Lang;

/// A text in English and Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Text {
    /// English.
    pub en: &'static str,
    /// Simplified Chinese.
    pub zh: &'static str,
}

/// Curated texts go into catalog messages as arguments that carry every language.
impl From<Text> for portwarden_i18n::Arg {
    fn from(t: Text) -> portwarden_i18n::Arg {
        portwarden_i18n::Arg::local([(Lang::En, t.en), (Lang::Zh, t.zh)])
    }
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// Registration state of an IANA record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A service name is assigned.
    Assigned,
    /// Reserved by IANA (no service).
    Reserved,
    /// Explicitly unassigned.
    Unassigned,
}

/// One record of the IANA Service Name and Transport Protocol Port Number Registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IanaRecord {
    /// Service name (empty for reserved/unassigned rows).
    pub service: &'static str,
    /// Transport protocol, if the record has one (DNS-SD names have none).
    pub protocol: Option<Protocol>,
    /// First port, if the record has a port.
    pub start: Option<u16>,
    /// Last port (inclusive), if the record has a port.
    pub end: Option<u16>,
    /// Registration state.
    pub status: Status,
    /// IANA's description.
    pub description: &'static str,
    /// IANA's note, if any.
    pub note: &'static str,
    /// "Unauthorized use reported", if any.
    pub unauthorized: &'static str,
    /// References (RFCs, URIs).
    pub references: &'static [&'static str],
    /// Registration date, if recorded.
    pub registered: &'static str,
    /// Last modification date, if recorded.
    pub updated: &'static str,
}

/// How dangerous an open port is, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Harmless or unused.
    Info,
    /// Little exposure.
    Low,
    /// Worth restricting.
    Medium,
    /// Commonly attacked; restrict or close.
    High,
    /// Exploited at scale or a sign of compromise.
    Critical,
}

impl Risk {
    /// Every level, lowest first.
    pub const ALL: [Risk; 5] = [
        Risk::Info,
        Risk::Low,
        Risk::Medium,
        Risk::High,
        Risk::Critical,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Info => "info",
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }

    /// The level's name in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        portwarden_i18n::label(
            lang,
            match self {
                Risk::Info => "kb-risk-info",
                Risk::Low => "kb-risk-low",
                Risk::Medium => "kb-risk-medium",
                Risk::High => "kb-risk-high",
                Risk::Critical => "kb-risk-critical",
            },
        )
    }

    /// Parses a level name (English, any case).
    pub fn parse(s: &str) -> Option<Risk> {
        Risk::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// What the curated layer advises doing with a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Fine to leave open where the service is wanted.
    Keep,
    /// Keep only for the hosts that need it.
    Restrict,
    /// Close unless there is a reason not to.
    Close,
}

impl Action {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Restrict => "restrict",
            Action::Close => "close",
        }
    }

    /// The action's name in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        portwarden_i18n::label(
            lang,
            match self {
                Action::Keep => "kb-action-keep",
                Action::Restrict => "kb-action-restrict",
                Action::Close => "kb-action-close",
            },
        )
    }
}

/// One hand-curated security entry for a port or range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SecurityEntry {
    /// First port.
    pub start: u16,
    /// Last port (inclusive).
    pub end: u16,
    /// Protocols the entry covers.
    pub protocols: &'static [Protocol],
    /// Short service key.
    pub service: &'static str,
    /// Display title.
    pub title: Text,
    /// What the port is for.
    pub summary: Text,
    /// What attackers look for there.
    pub attackers: Text,
    /// Risk when found open.
    pub risk: Risk,
    /// Why that risk.
    pub risk_reason: Text,
    /// Keep, restrict or close.
    pub action: Action,
    /// What to do.
    pub advice: Text,
    /// Malware, trojans and backdoors known to use the port.
    pub malware: &'static [&'static str],
    /// RFCs, CVEs, advisories.
    pub references: &'static [&'static str],
    /// Whether the founding articles name the port.
    pub in_seeds: bool,
    /// Whether the port is known for trojans, backdoors or attack tools rather than for a
    /// service people run on purpose (a listener here suggests compromise).
    pub backdoor: bool,
}

impl SecurityEntry {
    /// Whether the entry covers `port` over `protocol`.
    pub fn covers(&self, protocol: Protocol, port: u16) -> bool {
        self.start <= port && port <= self.end && self.protocols.contains(&protocol)
    }

    /// `"N"` or `"A-B"`.
    pub fn ports_label(&self) -> String {
        if self.start == self.end {
            self.start.to_string()
        } else {
            format!("{}-{}", self.start, self.end)
        }
    }
}

/// A row of the suspicious-ports list (mthcht/awesome-lists, MIT): malware, C2 or
/// remote-management tools seen on a port. The list has no protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ThreatIntel {
    /// Port.
    pub port: u16,
    /// What was seen (English, as published).
    pub comment: &'static str,
    /// Confidence: info, low, medium, high.
    pub confidence: &'static str,
    /// Category: malware, C2, RMM, …
    pub category: &'static str,
    /// A link about it, if any.
    pub link: &'static str,
}

/// IANA's three classes of port numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortClass {
    /// 0–1023: system ports, assigned by IETF review.
    WellKnown,
    /// 1024–49151: user ports, assigned by IANA.
    Registered,
    /// 49152–65535: dynamic and/or private ports, never assigned.
    Dynamic,
}

impl PortClass {
    /// The class of `port` by IANA's numbering (RFC 6335).
    pub fn of(port: u16) -> PortClass {
        match port {
            0..=1023 => PortClass::WellKnown,
            1024..=49151 => PortClass::Registered,
            _ => PortClass::Dynamic,
        }
    }

    /// The class's name in `lang`, with its range.
    pub fn label(self, lang: Lang) -> &'static str {
        portwarden_i18n::label(
            lang,
            match self {
                PortClass::WellKnown => "kb-port-class-well-known",
                PortClass::Registered => "kb-port-class-registered",
                PortClass::Dynamic => "kb-port-class-dynamic",
            },
        )
    }
}
