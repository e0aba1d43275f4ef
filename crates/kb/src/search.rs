//! Free-text search over the registry and the curated layer, ranked by relevance.

use crate::types::{Lang, Text};
use serde::Serialize;
use std::collections::HashMap;

/// One search result: a port and how well it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The port.
    pub port: u16,
    /// Relevance; higher is better.
    pub score: u32,
}

fn text_has(t: &Text, tok: &str) -> bool {
    t.get(Lang::En).to_lowercase().contains(tok) || t.get(Lang::Zh).contains(tok)
}

/// Searches service names, descriptions, curated texts and malware names for every word
/// of `query` (all words must match somewhere about the port). Best first; ties by port.
pub fn search(query: &str, limit: usize) -> Vec<SearchHit> {
    let tokens: Vec<String> = query
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.is_empty() {
        return Vec::new();
    }
    // port -> per-token best score
    let mut scores: HashMap<u16, Vec<u32>> = HashMap::new();
    let mut bump = |port: u16, ti: usize, s: u32| {
        let v = scores.entry(port).or_insert_with(|| vec![0; tokens.len()]);
        if v[ti] < s {
            v[ti] = s;
        }
    };
    for e in crate::security_entries() {
        for (ti, tok) in tokens.iter().enumerate() {
            let mut s = 0;
            if e.service.eq_ignore_ascii_case(tok) {
                s = s.max(100);
            } else if e.service.to_lowercase().contains(tok.as_str()) {
                s = s.max(40);
            }
            if text_has(&e.title, tok) {
                s = s.max(60);
            }
            if e.malware
                .iter()
                .any(|m| m.to_lowercase().contains(tok.as_str()))
            {
                s = s.max(70);
            }
            if text_has(&e.summary, tok) || text_has(&e.attackers, tok) {
                s = s.max(25);
            }
            if text_has(&e.advice, tok) || text_has(&e.risk_reason, tok) {
                s = s.max(10);
            }
            if e.references
                .iter()
                .any(|r| r.to_lowercase().contains(tok.as_str()))
            {
                s = s.max(50);
            }
            if s > 0 {
                bump(e.start, ti, s + 5);
            }
        }
    }
    for r in crate::registry_records() {
        let Some(port) = r.start else { continue };
        let name = r.service.to_lowercase();
        let desc = r.description.to_lowercase();
        for (ti, tok) in tokens.iter().enumerate() {
            let mut s = 0;
            if name == *tok {
                s = 90;
            } else if name.contains(tok.as_str()) {
                s = 35;
            }
            if desc.split(|c: char| !c.is_alphanumeric()).any(|w| w == tok) {
                s = s.max(30);
            } else if desc.contains(tok.as_str()) {
                s = s.max(15);
            }
            if s > 0 {
                bump(port, ti, s);
            }
        }
    }
    for t in crate::all_threats() {
        let c = t.comment.to_lowercase();
        for (ti, tok) in tokens.iter().enumerate() {
            if c.contains(tok.as_str()) {
                bump(t.port, ti, 45);
            }
        }
    }
    // Words that appear together, as typed, say what the person means: "remote desktop"
    // is RDP's title, not four ports that mention each word somewhere.
    let mut phrase_bonus: HashMap<u16, u32> = HashMap::new();
    if tokens.len() > 1 {
        let phrase = tokens.join(" ");
        let mut add = |port: u16, s: u32| {
            let v = phrase_bonus.entry(port).or_default();
            *v = (*v).max(s);
        };
        for e in crate::security_entries() {
            if e.malware.iter().any(|m| m.eq_ignore_ascii_case(&phrase)) {
                add(e.start, 250);
            } else if text_has(&e.title, &phrase) {
                add(e.start, 200);
            } else if text_has(&e.summary, &phrase) {
                add(e.start, 60);
            }
        }
        for r in crate::registry_records() {
            if let Some(port) = r.start {
                if r.description.to_lowercase().contains(&phrase) {
                    add(port, 50);
                }
            }
        }
        for t in crate::all_threats() {
            if t.comment.to_lowercase().contains(&phrase) {
                add(t.port, 40);
            }
        }
    }
    let mut hits: Vec<SearchHit> = scores
        .into_iter()
        .filter(|(_, v)| v.iter().all(|&s| s > 0))
        .map(|(port, v)| {
            // Well-ranked ports first among equals: practitioners ask about common ports.
            let popular = crate::rank(crate::Protocol::Tcp, port).map_or(0, |r| {
                if r <= 100 {
                    8
                } else if r <= 1000 {
                    3
                } else {
                    0
                }
            });
            SearchHit {
                port,
                score: v.iter().sum::<u32>()
                    + popular
                    + phrase_bonus.get(&port).copied().unwrap_or(0),
            }
        })
        .collect();
    hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.port.cmp(&b.port)));
    hits.truncate(limit);
    hits
}

/// Known names (services, curated titles' services, malware) within a small edit
/// distance of `word`, closest first: the "did you mean" of a lookup that found nothing.
pub fn similar_names(word: &str, limit: usize) -> Vec<String> {
    let w = word.trim().to_lowercase();
    let n = w.chars().count();
    if !(3..=40).contains(&n) || w.contains(char::is_whitespace) {
        return Vec::new();
    }
    let max = if n <= 4 { 1 } else { 2 };
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut consider = |name: &str| {
        let l = name.to_lowercase();
        if l == w || found.iter().any(|(_, x)| x.eq_ignore_ascii_case(name)) {
            return;
        }
        let d = distance(&w, &l);
        if d <= max {
            found.push((d, name.to_string()));
        }
    };
    for r in crate::registry_records() {
        if !r.service.is_empty() {
            consider(r.service);
        }
    }
    for e in crate::security_entries() {
        consider(e.service);
        for m in e.malware {
            consider(m);
        }
    }
    found.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.len().cmp(&b.1.len()))
            .then(a.1.cmp(&b.1))
    });
    found.into_iter().take(limit).map(|(_, s)| s).collect()
}

/// Edit distance over characters where swapping two neighbours counts as one edit
/// (optimal string alignment), so "telent" is one typo away from "telnet".
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, x) in d.iter_mut().enumerate().take(w) {
        *x = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            similar_names("sshh", 3).first().map(String::as_str),
            Some("ssh")
        );
        assert_eq!(
            similar_names("telent", 3).first().map(String::as_str),
            Some("telnet")
        );
        assert!(similar_names("zzqqxxnotaword", 3).is_empty());
        assert!(similar_names("ab", 3).is_empty());
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("telent", "telnet"), 1);
    }
}
