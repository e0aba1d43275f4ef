//! Message catalogs: every user-facing text of portwarden lives in Fluent files under
//! `locales/<lang>/*.ftl`, one directory per language, one file per domain. Libraries
//! carry [`Msg`] values (an id and its arguments); renderers turn them into text with
//! [`format`] in the language the user chose. Adding a language is adding a directory
//! (and a [`Lang`] variant so users can pick it); a test fails when a message of `en`
//! is missing in another language or uses other variables.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

mod sources {
    include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));
}

/// The languages a user can choose.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The catalog directory name (`en`, `zh`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Picks the language from a locale string such as `zh_CN.UTF-8` (Chinese when it
    /// starts with `zh`, English otherwise).
    pub fn from_locale(locale: &str) -> Lang {
        if locale.trim().to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// A value given to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    /// A whole number (Fluent selects plural forms on it).
    Int(i64),
    /// Text, shown as it is (callers sanitise untrusted text for their medium).
    Str(String),
    /// Another message, formatted in the same language (sentences built of parts).
    Msg(Box<Msg>),
    /// Items joined with the language's list separator (`a, b` / `a、b`).
    List(Vec<String>),
    /// A text that exists in several languages already (curated knowledge-base data):
    /// the reader's language, else English.
    Local(BTreeMap<Lang, String>),
}

impl Arg {
    /// A text given in each language (knowledge-base data, not a catalog message).
    pub fn local<'a>(texts: impl IntoIterator<Item = (Lang, &'a str)>) -> Arg {
        Arg::Local(texts.into_iter().map(|(l, t)| (l, t.to_string())).collect())
    }
}

impl From<Msg> for Arg {
    fn from(v: Msg) -> Arg {
        Arg::Msg(Box::new(v))
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                Arg::Int(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_arg!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Str(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Str(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Str(v.clone())
    }
}
impl From<Cow<'_, str>> for Arg {
    fn from(v: Cow<'_, str>) -> Arg {
        Arg::Str(v.into_owned())
    }
}

/// A message to show: its id in the catalogs and its arguments. Plain data, so a
/// library can return it and a renderer can show it in any language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Msg {
    /// The message id (`audit-no-findings`).
    pub id: Cow<'static, str>,
    /// Named arguments, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(Cow<'static, str>, Arg)>,
}

impl Msg {
    /// A message without arguments.
    pub fn new(id: impl Into<Cow<'static, str>>) -> Msg {
        Msg {
            id: id.into(),
            args: Vec::new(),
        }
    }

    /// Adds a named argument.
    pub fn arg(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Arg>) -> Msg {
        self.args.push((name.into(), value.into()));
        self
    }

    /// The message in `lang`.
    pub fn to_string_in(&self, lang: Lang) -> String {
        format(lang, self)
    }
}

/// English, for logs, errors and debugging; people get [`format`] in their language.
impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format(Lang::En, self))
    }
}

/// Builds a [`Msg`]: `msg!("scan-done", hosts = 3, ports = 1000)`.
#[macro_export]
macro_rules! msg {
    ($id:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::Msg::new($id)$(.arg(stringify!($name), $value))*
    };
}

/// Formats a message in `lang`: `tr!(lang, "scan-done", hosts = 3)`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $id:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::format($lang, &$crate::msg!($id $(, $name = $value)*))
    };
}

struct Catalogs {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

fn catalogs() -> &'static Catalogs {
    static CATALOGS: OnceLock<Catalogs> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        let bundles = Lang::ALL
            .iter()
            .map(|&lang| {
                let id = lang.code().parse().unwrap_or_default();
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // No Unicode isolation marks around arguments: they would show on
                // terminals and in CSV as invisible characters.
                bundle.set_use_isolating(false);
                for (l, _, text) in sources::SOURCES {
                    if *l == lang.code() {
                        // Parse errors keep the good entries; `problems()` reports them.
                        let res =
                            FluentResource::try_new((*text).to_string()).unwrap_or_else(|(r, _)| r);
                        bundle.add_resource_overriding(res);
                    }
                }
                (lang, bundle)
            })
            .collect();
        Catalogs { bundles }
    })
}

fn bundle(lang: Lang) -> Option<&'static FluentBundle<FluentResource>> {
    catalogs()
        .bundles
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, b)| b)
}

fn render(b: &FluentBundle<FluentResource>, lang: Lang, msg: &Msg) -> Option<String> {
    let pattern = b.get_message(&msg.id)?.value()?;
    let mut args = FluentArgs::new();
    for (name, value) in &msg.args {
        let v = match value {
            Arg::Int(n) => FluentValue::from(*n),
            Arg::Str(s) => FluentValue::from(s.as_str()),
            Arg::Msg(m) => FluentValue::from(format(lang, m)),
            Arg::List(items) => FluentValue::from(join(lang, items)),
            Arg::Local(t) => FluentValue::from(
                t.get(&lang)
                    .or_else(|| t.get(&Lang::En))
                    .cloned()
                    .unwrap_or_default(),
            ),
        };
        args.set(name.as_ref(), v);
    }
    let mut errors = Vec::new();
    let out = b.format_pattern(pattern, Some(&args), &mut errors);
    Some(out.into_owned())
}

/// The message in `lang`, falling back to English, then to its id in brackets (a test
/// makes sure no shipped message reaches either fallback).
pub fn format(lang: Lang, msg: &Msg) -> String {
    if msg.id.is_empty() {
        // `Msg::default()`: nothing to say.
        return String::new();
    }
    bundle(lang)
        .and_then(|b| render(b, lang, msg))
        .or_else(|| bundle(Lang::En).and_then(|b| render(b, lang, msg)))
        .unwrap_or_else(|| format!("[{}]", msg.id))
}

/// Items joined with the list separator of `lang` (`list-separator`: `, ` or `、`).
pub fn join<S: AsRef<str>>(lang: Lang, items: &[S]) -> String {
    let sep = label(lang, "list-separator");
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(sep)
}

/// A message without arguments in `lang`, as a `&'static str` for labels and headers
/// (each id and language is formatted once and kept: the catalogs are finite).
pub fn label(lang: Lang, id: &'static str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Cache = Mutex<HashMap<(Lang, &'static str), &'static str>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry((lang, id))
        .or_insert_with(|| Box::leak(text(lang, id).into_boxed_str()))
}

/// Serialises a message as one string per language (`{"en": "…", "zh": "…"}`), for
/// JSON outputs that carried both texts before the catalogs
/// (`#[serde(serialize_with = "portwarden_i18n::every_lang")]`).
pub fn every_lang<S: serde::Serializer>(m: &Msg, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(Lang::ALL.len()))?;
    for lang in Lang::ALL {
        map.serialize_entry(lang.code(), &format(lang, m))?;
    }
    map.end()
}

/// [`every_lang`] for an optional message (pair with `skip_serializing_if`).
pub fn every_lang_opt<S: serde::Serializer>(m: &Option<Msg>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => every_lang(m, s),
        None => s.serialize_none(),
    }
}

/// Serialises messages as their English texts (JSON outputs that carried strings).
pub fn english_all<S: serde::Serializer>(m: &[Msg], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(m.iter().map(|m| format(Lang::En, m)))
}

/// Serialises a message as its English text (JSON outputs that carried one string).
pub fn english<S: serde::Serializer>(m: &Msg, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(Lang::En, m))
}

/// A message without arguments in `lang`.
pub fn text(lang: Lang, id: &str) -> String {
    format(lang, &Msg::new(id.to_string()))
}

/// Whether `id` exists in the English catalog.
pub fn exists(id: &str) -> bool {
    bundle(Lang::En).is_some_and(|b| b.has_message(id))
}

/// What is wrong with the catalogs: parse errors, messages missing in a language,
/// messages whose variables differ between languages. Empty when all is well.
pub fn problems() -> Vec<String> {
    let mut out = Vec::new();
    // lang -> id -> variables
    let mut table: BTreeMap<&str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut langs: BTreeSet<&str> = BTreeSet::new();
    for (lang, file, text) in sources::SOURCES {
        langs.insert(lang);
        let res = match FluentResource::try_new((*text).to_string()) {
            Ok(r) => r,
            Err((r, errs)) => {
                for e in errs {
                    out.push(format!("{lang}/{file}: parse error: {e:?}"));
                }
                r
            }
        };
        let ids = table.entry(lang).or_default();
        for entry in res.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    collect_vars(p, &mut vars);
                }
                if ids.insert(m.id.name.to_string(), vars).is_some() {
                    out.push(format!(
                        "{lang}/{file}: message {} defined twice",
                        m.id.name
                    ));
                }
            }
        }
    }
    for known in Lang::ALL {
        if !langs.contains(known.code()) {
            out.push(format!(
                "language {} has no catalog directory",
                known.code()
            ));
        }
    }
    let empty = BTreeMap::new();
    let en = table.get("en").unwrap_or(&empty);
    for (lang, ids) in &table {
        if *lang == "en" {
            continue;
        }
        for (id, vars) in en {
            match ids.get(id) {
                None => out.push(format!("{lang}: missing {id}")),
                Some(v) if v != vars => {
                    out.push(format!("{lang}: {id} uses {v:?}, en uses {vars:?}"))
                }
                Some(_) => {}
            }
        }
        for id in ids.keys() {
            if !en.contains_key(id) {
                out.push(format!("{lang}: {id} is not in en"));
            }
        }
    }
    out
}

/// Every message id of the English catalog.
pub fn ids() -> Vec<String> {
    let mut out = Vec::new();
    for (lang, _, text) in sources::SOURCES {
        if *lang != "en" {
            continue;
        }
        let res = FluentResource::try_new((*text).to_string()).unwrap_or_else(|(r, _)| r);
        for entry in res.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                out.push(m.id.name.to_string());
            }
        }
    }
    out
}

fn collect_vars(p: &fluent_syntax::ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    fn inline(e: &InlineExpression<&str>, vars: &mut BTreeSet<String>) {
        if let InlineExpression::VariableReference { id } = e {
            vars.insert(id.name.to_string());
        }
    }
    for el in &p.elements {
        if let PatternElement::Placeable { expression } = el {
            match expression {
                Expression::Inline(e) => inline(e, vars),
                Expression::Select { selector, variants } => {
                    inline(selector, vars);
                    for v in variants {
                        collect_vars(&v.value, vars);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_are_complete_and_consistent() {
        let p = problems();
        assert!(p.is_empty(), "catalog problems:\n{}", p.join("\n"));
    }

    #[test]
    fn formats_in_each_language_with_arguments() {
        let en = tr!(Lang::En, "i18n-selftest", count = 2, name = "sshd");
        let zh = tr!(Lang::Zh, "i18n-selftest", count = 2, name = "sshd");
        assert_eq!(en, "2 doors, sshd");
        assert_eq!(zh, "2 个端口，sshd");
        assert_eq!(
            tr!(Lang::En, "i18n-selftest", count = 1, name = "x"),
            "1 door, x"
        );
    }

    #[test]
    fn no_isolation_marks_around_arguments() {
        let s = tr!(Lang::En, "i18n-selftest", count = 3, name = "a");
        assert!(!s.contains('\u{2068}') && !s.contains('\u{2069}'), "{s:?}");
    }

    #[test]
    fn unknown_ids_fall_back_visibly() {
        assert_eq!(text(Lang::Zh, "no-such-message"), "[no-such-message]");
        assert!(!exists("no-such-message"));
        assert!(exists("i18n-selftest"));
    }

    #[test]
    fn msg_round_trips_through_json() {
        let m = msg!("i18n-selftest", count = 2, name = "x");
        let j = serde_json::to_string(&m).unwrap_or_default();
        let back: Msg = serde_json::from_str(&j).unwrap_or_else(|_| Msg::new("bad"));
        assert_eq!(back, m);
    }

    #[test]
    fn nested_and_local_arguments_follow_the_language() {
        let inner = msg!("i18n-selftest", count = 1, name = "x");
        let outer = msg!("i18n-selftest", count = 2, name = inner);
        assert_eq!(format(Lang::Zh, &outer), "2 个端口，1 个端口，x");
        let local = msg!(
            "i18n-selftest",
            count = 2,
            name = Arg::local([(Lang::En, "door"), (Lang::Zh, "门")])
        );
        assert_eq!(format(Lang::En, &local), "2 doors, door");
        assert_eq!(format(Lang::Zh, &local), "2 个端口，门");
        assert_eq!(label(Lang::Zh, "i18n-label-selftest"), "标签");
        let list = msg!(
            "i18n-selftest",
            count = 2,
            name = Arg::List(vec!["a".into(), "b".into()])
        );
        assert_eq!(format(Lang::En, &list), "2 doors, a, b");
        assert_eq!(format(Lang::Zh, &list), "2 个端口，a、b");
        let j = serde_json::to_string(&outer).unwrap_or_default();
        let back: Msg = serde_json::from_str(&j).unwrap_or_else(|_| Msg::new("bad"));
        assert_eq!(back, outer);
    }

    #[test]
    fn locale_strings_pick_the_language() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }
}
