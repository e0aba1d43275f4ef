//! Embeds every `locales/<lang>/*.ftl` file: adding a language is adding a directory.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new("locales");
    println!("cargo:rerun-if-changed=locales");
    let mut langs: Vec<_> = match std::fs::read_dir(root) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => panic!("cannot read locales/: {e}"),
    };
    langs.sort();
    let mut out = String::from("/// Every catalog file: (language, file name, contents).\npub(crate) static SOURCES: &[(&str, &str, &str)] = &[\n");
    for dir in langs {
        println!("cargo:rerun-if-changed={}", dir.display());
        let lang = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        files.retain(|p| p.extension().is_some_and(|x| x == "ftl"));
        files.sort();
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let abs = std::fs::canonicalize(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let _ = writeln!(
                out,
                "    ({lang:?}, {name:?}, include_str!({:?})),",
                abs.display().to_string()
            );
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| panic!("OUT_DIR unset")))
        .join("catalogs.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("cannot write catalogs.rs: {e}"));
}
