//! Parsing what a person types after `portwarden lookup`.

use crate::types::Protocol;
use portwarden_i18n::{msg, Msg};
use std::fmt;

/// One lookup query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `3389` or `53/udp`.
    Port {
        /// The port.
        port: u16,
        /// The protocol, when given.
        protocol: Option<Protocol>,
    },
    /// `6660-6670` or `6660-6670/tcp`.
    Range {
        /// First port.
        start: u16,
        /// Last port (inclusive).
        end: u16,
        /// The protocol, when given.
        protocol: Option<Protocol>,
    },
    /// A service name, a malware name or free text.
    Text(String),
}

/// Why a query was refused; the message is one line meant for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub Msg);

/// English; the binary shows the message in the reader's language.
impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&portwarden_i18n::format(portwarden_i18n::Lang::En, &self.0))
    }
}

impl std::error::Error for QueryError {}

fn parse_port(s: &str, whole: &str) -> Result<u16, QueryError> {
    if s.is_empty() {
        return Err(QueryError(msg!(
            "query-port-missing",
            query = format!("{whole:?}")
        )));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QueryError(msg!(
            "query-not-a-port-number",
            query = format!("{whole:?}"),
            value = format!("{s:?}")
        )));
    }
    match s.parse::<u32>() {
        Ok(n) if n <= 65535 => Ok(n as u16),
        _ => Err(QueryError(msg!(
            "query-port-out-of-range",
            query = format!("{whole:?}"),
            port = s
        ))),
    }
}

/// Parses one query. Numbers, ranges and `/protocol` suffixes are checked strictly;
/// anything with letters is a name or free text.
pub fn parse_query(input: &str) -> Result<Query, QueryError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(QueryError(Msg::new("query-empty")));
    }
    if s.chars().count() > 200 {
        return Err(QueryError(Msg::new("query-too-long")));
    }
    if s.chars().any(char::is_control) {
        return Err(QueryError(Msg::new("query-control-characters")));
    }
    if s.starts_with('-') {
        return Err(QueryError(msg!("query-negative", query = format!("{s:?}"))));
    }
    let first_digit = s.starts_with(|c: char| c.is_ascii_digit());
    let numeric_shape = s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '/' || c.is_ascii_alphabetic());
    if first_digit && numeric_shape && !crate::by_service(s).is_empty() {
        // A service name that starts with a digit, such as "3com-tsmux".
        return Ok(Query::Text(s.to_string()));
    }
    if first_digit {
        let (body, proto) = match s.split_once('/') {
            Some((b, p)) => {
                let proto = Protocol::parse(p).ok_or_else(|| {
                    QueryError(msg!(
                        "query-unknown-protocol",
                        query = format!("{s:?}"),
                        protocol = format!("{p:?}")
                    ))
                })?;
                (b, Some(proto))
            }
            None => (s, None),
        };
        return match body.split_once('-') {
            Some((a, b)) => {
                let start = parse_port(a, s)?;
                let end = parse_port(b, s)?;
                if start > end {
                    return Err(QueryError(msg!(
                        "query-range-backwards",
                        query = format!("{s:?}"),
                        range = format!("{end}-{start}")
                    )));
                }
                Ok(Query::Range {
                    start,
                    end,
                    protocol: proto,
                })
            }
            None => Ok(Query::Port {
                port: parse_port(body, s)?,
                protocol: proto,
            }),
        };
    }
    if !s.chars().any(char::is_alphanumeric) {
        return Err(QueryError(msg!(
            "query-nothing-searchable",
            query = format!("{s:?}")
        )));
    }
    Ok(Query::Text(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_protocols() {
        assert_eq!(
            parse_query("3389"),
            Ok(Query::Port {
                port: 3389,
                protocol: None
            })
        );
        assert_eq!(
            parse_query(" 53/UDP "),
            Ok(Query::Port {
                port: 53,
                protocol: Some(Protocol::Udp)
            })
        );
        assert_eq!(
            parse_query("6660-6670"),
            Ok(Query::Range {
                start: 6660,
                end: 6670,
                protocol: None
            })
        );
        assert_eq!(parse_query("ssh"), Ok(Query::Text("ssh".into())));
        assert_eq!(parse_query("冰河"), Ok(Query::Text("冰河".into())));
        assert_eq!(
            parse_query("3com-tsmux"),
            Ok(Query::Text("3com-tsmux".into()))
        );
    }

    #[test]
    fn bad_input_is_one_clear_error() {
        for bad in [
            "70000", "-1", "80-20", "", "   ", "%%%", "80/xyz", "80x", "1-", "65536", "1.2",
        ] {
            let e = parse_query(bad).expect_err(bad);
            for lang in crate::Lang::ALL {
                let line = portwarden_i18n::format(lang, &e.0);
                assert!(!line.contains('\n'), "{bad}: {line}");
                assert!(!line.is_empty() && !line.starts_with('['), "{bad}: {line}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_query(&s);
        }

        #[test]
        fn every_port_parses(p in 0u16..=65535) {
            proptest::prop_assert_eq!(parse_query(&p.to_string()), Ok(Query::Port { port: p, protocol: None }));
        }
    }
}
