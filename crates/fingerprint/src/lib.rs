//! Service fingerprints from Rapid7 Recog (BSD-2-Clause; `data/recog/COPYING`).
//!
//! `build.rs` turns Recog's XML databases into static tables at build time: each
//! fingerprint's pattern (translated from Ruby's regex dialect), the regex engine that
//! compiles it ([`Engine`]), its `<param>`s and its `<example>`s. At run time a database's
//! regexes are compiled once, on first use. [`Database::best`] runs the patterns in file
//! order and returns the first match with its parameters: captured (`pos` > 0), fixed
//! (`pos="0" value=…`) and interpolated (`{service.version}` in a CPE).
//!
//! ```
//! let m = portwarden_fingerprint::lookup("ssh.banner", "OpenSSH_9.2p1 Debian-2+deb12u3").unwrap();
//! assert_eq!(m.product(), Some("OpenSSH"));
//! assert_eq!(m.version(), Some("9.2p1"));
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The regex engine a pattern needs, decided at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `regex-lite` compiles it: linear-time matching, and compiling all of Recog takes
    /// tens of milliseconds (the full `regex` crate needs seconds).
    Std,
    /// It needs look-around or back-references: `fancy-regex`.
    Fancy,
    /// Neither compiles it; the reason is kept.
    Skip(&'static str),
}

/// One `<param>` of a fingerprint.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Capture group number; 0 for a fixed value.
    pub pos: u32,
    /// Parameter name (`service.product`, `os.cpe23`, …).
    pub name: &'static str,
    /// The fixed value (`pos` 0), which may hold `{name}` placeholders.
    pub value: Option<&'static str>,
}

/// One `<example>`: input the pattern must match, and the parameters it must yield.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The example's bytes (base64 examples decoded).
    pub data: &'static [u8],
    /// Expected parameters.
    pub expect: &'static [(&'static str, &'static str)],
}

/// One `<fingerprint>`.
#[derive(Debug, Clone, Copy)]
pub struct Fingerprint {
    /// Pattern in Rust's dialect (flags inline).
    pub pattern: &'static str,
    /// Pattern as Recog writes it.
    pub source: &'static str,
    /// Engine that compiles it.
    pub engine: Engine,
    /// Recog's description.
    pub description: &'static str,
    /// Parameters.
    pub params: &'static [Param],
    /// Examples.
    pub examples: &'static [Example],
}

/// One Recog database (one XML file).
#[derive(Debug)]
pub struct Database {
    /// What it matches (`ssh.banner`, `http_header.server`, …).
    pub name: &'static str,
    /// The XML file's stem.
    pub file: &'static str,
    /// Protocol named in the file, if any.
    pub protocol: &'static str,
    /// Recog's preference weight.
    pub preference: f32,
    /// Fingerprints in file order.
    pub fingerprints: &'static [Fingerprint],
}

include!(concat!(env!("OUT_DIR"), "/recog.rs"));

/// A compiled pattern.
#[derive(Debug)]
enum Compiled {
    Std(regex_lite::Regex),
    Fancy(fancy_regex::Regex),
}

impl Compiled {
    fn new(fp: &Fingerprint) -> Option<Compiled> {
        match fp.engine {
            Engine::Std => regex_lite::Regex::new(fp.pattern).ok().map(Compiled::Std),
            Engine::Fancy => fancy_regex::Regex::new(fp.pattern)
                .ok()
                .map(Compiled::Fancy),
            Engine::Skip(_) => None,
        }
    }

    /// Capture groups of the first match (group 0 included), `None` when no match.
    fn captures(&self, text: &str) -> Option<Vec<Option<String>>> {
        match self {
            Compiled::Std(r) => r.captures(text).map(|c| {
                c.iter()
                    .map(|m| m.map(|m| m.as_str().to_string()))
                    .collect()
            }),
            Compiled::Fancy(r) => r.captures(text).ok().flatten().map(|c| {
                c.iter()
                    .map(|m| m.map(|m| m.as_str().to_string()))
                    .collect()
            }),
        }
    }
}

/// What a fingerprint says about the input it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The database that matched.
    pub database: &'static str,
    /// The fingerprint's description.
    pub description: &'static str,
    /// Parameters, interpolated.
    pub params: BTreeMap<String, String>,
}

impl Match {
    /// A parameter by name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `service.vendor`.
    pub fn vendor(&self) -> Option<&str> {
        self.get("service.vendor")
    }

    /// `service.product`.
    pub fn product(&self) -> Option<&str> {
        self.get("service.product")
    }

    /// `service.version`.
    pub fn version(&self) -> Option<&str> {
        self.get("service.version")
    }

    /// The service's CPE (`service.cpe23`, in Recog's `cpe:/a:…` form), with no unfilled
    /// placeholder.
    pub fn cpe(&self) -> Option<&str> {
        self.get("service.cpe23").filter(|c| !c.contains('{'))
    }

    /// The operating system's CPE (`os.cpe23`), with no unfilled placeholder.
    pub fn os_cpe(&self) -> Option<&str> {
        self.get("os.cpe23").filter(|c| !c.contains('{'))
    }

    /// Hardware as one line: `hw.vendor hw.product hw.version`.
    pub fn hw(&self) -> Option<String> {
        let parts: Vec<&str> = ["hw.vendor", "hw.product", "hw.version"]
            .iter()
            .filter_map(|k| self.get(k))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// Operating system as one line: `os.vendor os.product os.version`.
    pub fn os(&self) -> Option<String> {
        let parts: Vec<&str> = ["os.vendor", "os.product", "os.version"]
            .iter()
            .filter_map(|k| self.get(k))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Replaces `{name}` placeholders with the parameter's value; an unknown placeholder in a
/// CPE is left out with the components after it empty (`cpe:/a:dovecot:dovecot`, as nmap
/// writes an unknown version), elsewhere it stays.
fn interpolate(value: &str, params: &BTreeMap<String, String>, cpe: bool) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let key = &rest[open + 1..open + close];
        match params.get(key) {
            Some(v) if cpe => out.push_str(&cpe_escape(v)),
            Some(v) => out.push_str(v),
            None if cpe => {}
            None => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    if cpe {
        let trimmed = out.trim_end_matches(':').len();
        out.truncate(trimmed);
    }
    out
}

/// A value as a CPE component: lower case, spaces as underscores, `:` escaped away.
fn cpe_escape(v: &str) -> String {
    v.trim()
        .chars()
        .map(|c| match c {
            ' ' => '_',
            ':' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl Fingerprint {
    /// The parameters this fingerprint yields from a match's capture groups.
    fn params(&self, caps: &[Option<String>]) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for p in self.params {
            if p.pos == 0 {
                continue;
            }
            if let Some(Some(v)) = caps.get(p.pos as usize) {
                out.insert(p.name.to_string(), v.clone());
            }
        }
        let captured = out.clone();
        for p in self.params.iter().filter(|p| p.pos == 0) {
            if let Some(v) = p.value {
                let cpe = p.name.ends_with("cpe23");
                let mut all = captured.clone();
                all.extend(out.iter().map(|(k, v)| (k.clone(), v.clone())));
                out.insert(p.name.to_string(), interpolate(v, &all, cpe));
            }
        }
        out
    }
}

/// A database with its regexes compiled (lazily, once).
struct Loaded {
    db: &'static Database,
    compiled: OnceLock<Vec<Option<Compiled>>>,
}

fn loaded() -> &'static [Loaded] {
    static ALL: OnceLock<Vec<Loaded>> = OnceLock::new();
    ALL.get_or_init(|| {
        DATABASES
            .iter()
            .map(|db| Loaded {
                db,
                compiled: OnceLock::new(),
            })
            .collect()
    })
}

impl Loaded {
    fn compiled(&self) -> &[Option<Compiled>] {
        self.compiled
            .get_or_init(|| self.db.fingerprints.iter().map(Compiled::new).collect())
    }
}

/// Compiles every database's regexes now (they are otherwise compiled on first use), so
/// that a caller on an async runtime can do it on a blocking thread before timing matters.
pub fn compile_all() {
    for l in loaded() {
        let _ = l.compiled();
    }
}

/// Every database compiled into this build.
pub fn databases() -> &'static [Database] {
    DATABASES
}

impl Database {
    /// The database named `name` (Recog's `matches` attribute, or the file stem).
    pub fn get(name: &str) -> Option<&'static Database> {
        DATABASES.iter().find(|d| d.name == name || d.file == name)
    }

    fn loaded(&self) -> Option<&'static Loaded> {
        loaded().iter().find(|l| std::ptr::eq(l.db, self))
    }

    /// The first fingerprint (in file order) that matches `text`, with its parameters.
    pub fn best(&self, text: &str) -> Option<Match> {
        let l = self.loaded()?;
        for (fp, re) in self.fingerprints.iter().zip(l.compiled()) {
            let Some(re) = re else { continue };
            if let Some(caps) = re.captures(text) {
                return Some(Match {
                    database: self.name,
                    description: fp.description,
                    params: fp.params(&caps),
                });
            }
        }
        None
    }

    /// Matches fingerprint number `i` alone against `text` (for tests of the examples).
    pub fn match_one(&self, i: usize, text: &str) -> Option<Match> {
        let l = self.loaded()?;
        let fp = self.fingerprints.get(i)?;
        let caps = l.compiled().get(i)?.as_ref()?.captures(text)?;
        Some(Match {
            database: self.name,
            description: fp.description,
            params: fp.params(&caps),
        })
    }
}

/// Matches `text` against the database `name`; `None` when it is unknown or nothing matches.
pub fn lookup(name: &str, text: &str) -> Option<Match> {
    Database::get(name)?.best(text)
}

/// Bytes as text for matching: UTF-8 when valid, otherwise one character per byte
/// (Latin-1), as Ruby matches a binary string byte by byte.
pub fn text_of(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(data.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Counts over every database: patterns, compiled by each engine, skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Fingerprints.
    pub patterns: usize,
    /// Compiled by `regex-lite`.
    pub std: usize,
    /// Compiled by `fancy-regex`.
    pub fancy: usize,
    /// Compiled by neither.
    pub skipped: usize,
    /// Examples.
    pub examples: usize,
}

/// Counts over every database.
pub fn counts() -> Counts {
    let mut c = Counts::default();
    for fp in DATABASES.iter().flat_map(|d| d.fingerprints) {
        c.patterns += 1;
        c.examples += fp.examples.len();
        match fp.engine {
            Engine::Std => c.std += 1,
            Engine::Fancy => c.fancy += 1,
            Engine::Skip(_) => c.skipped += 1,
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_cpe() {
        let mut p = BTreeMap::new();
        p.insert("service.version".to_string(), "2.4 x".to_string());
        assert_eq!(
            interpolate("cpe:/a:apache:http_server:{service.version}", &p, true),
            "cpe:/a:apache:http_server:2.4_x"
        );
        assert_eq!(
            interpolate("cpe:/a:x:y:{service.version}", &BTreeMap::new(), true),
            "cpe:/a:x:y"
        );
        assert_eq!(interpolate("{a}", &BTreeMap::new(), false), "{a}");
        assert_eq!(interpolate("no {close", &p, false), "no {close");
    }

    #[test]
    fn text_of_binary_is_lossless() {
        assert_eq!(text_of(b"abc"), "abc");
        assert_eq!(text_of(&[0xff, b'a']).chars().count(), 2);
    }

    #[test]
    fn openssh_and_nginx() {
        let m = lookup("ssh.banner", "OpenSSH_9.2p1 Debian-2+deb12u3");
        let m = m.expect("OpenSSH matches");
        assert_eq!(m.vendor(), Some("OpenBSD"));
        assert_eq!(m.cpe(), Some("cpe:/a:openbsd:openssh:9.2p1"));
        let n = lookup("http_header.server", "nginx/1.22.1").expect("nginx matches");
        assert_eq!(n.product(), Some("nginx"));
        assert_eq!(n.version(), Some("1.22.1"));
        assert!(lookup("ssh.banner", "").is_none() || lookup("nope", "x").is_none());
        assert!(lookup("nope", "x").is_none());
    }
}
