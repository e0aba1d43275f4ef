//! Every `<example>` of every Recog fingerprint compiled into this build must match its own
//! pattern and yield the parameters the example names. Patterns neither `regex` nor
//! `fancy-regex` compiles are counted and printed (with their reason), not silently lost.

use portwarden_fingerprint::{counts, databases, text_of, Engine};

#[test]
fn every_example_matches_its_fingerprint() {
    let c = counts();
    let mut passed = 0usize;
    let mut skipped_examples = 0usize;
    let mut failures = Vec::new();
    for db in databases() {
        for (i, fp) in db.fingerprints.iter().enumerate() {
            if let Engine::Skip(why) = fp.engine {
                println!("skipped {}: {:?}: {why}", db.file, fp.source);
                skipped_examples += fp.examples.len();
                continue;
            }
            for ex in fp.examples {
                let text = text_of(ex.data);
                let Some(m) = db.match_one(i, &text) else {
                    failures.push(format!(
                        "{}: {:?} did not match {:?}",
                        db.file, fp.source, text
                    ));
                    continue;
                };
                let wrong: Vec<String> = ex
                    .expect
                    .iter()
                    .filter(|(k, v)| m.params.get(*k).map(String::as_str) != Some(*v))
                    .map(|(k, v)| format!("{k}={v:?} got {:?}", m.params.get(*k)))
                    .collect();
                if wrong.is_empty() {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "{}: {:?} on {:?}: {}",
                        db.file,
                        fp.source,
                        text,
                        wrong.join(", ")
                    ));
                }
            }
        }
    }
    println!(
        "recog: {} databases, {} patterns: {} regex-lite, {} fancy-regex, {} skipped; {} examples: {} pass, {} of skipped patterns, {} fail",
        databases().len(),
        c.patterns,
        c.std,
        c.fancy,
        c.skipped,
        c.examples,
        passed,
        skipped_examples,
        failures.len()
    );
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} examples failed", failures.len());
    assert_eq!(passed + skipped_examples, c.examples);
}
