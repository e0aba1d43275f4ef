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
            if text_has(&e.title, &phrase) {
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
