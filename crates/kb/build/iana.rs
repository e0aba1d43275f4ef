//! Reads the IANA Service Name and Transport Protocol Port Number Registry (XML).

use quick_xml::events::Event;
use quick_xml::Reader;

/// One `<record>` of the registry, flattened.
#[derive(Debug, Default, Clone)]
pub struct Rec {
    pub name: String,
    pub protocol: String,
    pub description: String,
    pub number: String,
    pub note: String,
    pub unauthorized: String,
    pub refs: Vec<String>,
    pub date: String,
    pub updated: String,
}

/// Parses the registry; returns its `<updated>` date and every record in file order.
pub fn parse(xml: &str) -> Result<(String, Vec<Rec>), String> {
    let mut reader = Reader::from_str(xml);
    let mut recs = Vec::new();
    let mut cur: Option<Rec> = None;
    let mut path: Vec<String> = Vec::new();
    let mut registry_updated = String::new();
    let mut text = String::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("IANA XML at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Event::Start(s) => {
                let tag = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                if tag == "record" && path.len() == 1 {
                    let mut r = Rec::default();
                    for a in s.attributes().flatten() {
                        let v = String::from_utf8_lossy(&a.value).into_owned();
                        match a.key.as_ref() {
                            b"date" => r.date = v,
                            b"updated" => r.updated = v,
                            _ => {}
                        }
                    }
                    cur = Some(r);
                }
                path.push(tag);
                text.clear();
            }
            Event::Empty(s) => {
                let tag = s.local_name();
                if let Some(r) = cur.as_mut() {
                    if tag.as_ref() == b"xref" && path.len() == 2 {
                        let mut ty = String::new();
                        let mut data = String::new();
                        for a in s.attributes().flatten() {
                            let v = String::from_utf8_lossy(&a.value).into_owned();
                            match a.key.as_ref() {
                                b"type" => ty = v,
                                b"data" => data = v,
                                _ => {}
                            }
                        }
                        if ty == "rfc" || ty == "uri" || ty == "draft" {
                            r.refs.push(data.to_uppercase().replacen("RFC", "RFC ", 1));
                        }
                    } else if tag.as_ref() == b"br" {
                        text.push(' ');
                    }
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| format!("IANA XML text: {e}"))?;
                text.push_str(&s);
            }
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let tag = path.pop().unwrap_or_default();
                let clean = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if path.len() == 1 && tag == "updated" {
                    registry_updated = clean.clone();
                }
                if let Some(r) = cur.as_mut() {
                    if path.len() == 2 {
                        match tag.as_str() {
                            "name" => r.name = clean,
                            "protocol" => r.protocol = clean,
                            "description" => r.description = clean,
                            "number" => r.number = clean,
                            "note" => r.note = clean,
                            "unauthorized" => r.unauthorized = clean,
                            _ => {}
                        }
                    } else if path.len() == 1 && tag == "record" {
                        if let Some(r) = cur.take() {
                            recs.push(r);
                        }
                    }
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((registry_updated, recs))
}
