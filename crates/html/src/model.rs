//! The report's view model: plain, already translated and already neutralised strings
//! (control characters made visible, bidi overrides and other invisible characters
//! dropped, lengths capped) plus numbers. The template only lays them out; askama
//! escapes every string for HTML on output.

use portwarden_i18n::Lang;

/// Everything one report shows.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The language of every label.
    pub lang: Lang,
    /// The host the report is about.
    pub host: String,
    /// When the report was made (RFC 3339, UTC), as the binary read the clock.
    pub generated: String,
    /// The snapshots (or the live audit) it is built from.
    pub sources: Vec<SourceView>,
    /// Findings by severity, most severe first (every level, also empty ones).
    pub by_severity: Vec<Bar>,
    /// Listeners by exposure (all interfaces, one address, loopback).
    pub by_exposure: Vec<Bar>,
    /// The findings, most severe first.
    pub findings: Vec<FindingView>,
    /// The listeners shown (every one on a network address and every risky one; loopback
    /// ones up to a cap).
    pub listeners: Vec<ListenerView>,
    /// How many listeners there are in all.
    pub listeners_total: usize,
    /// How many loopback listeners without risk were left out of the table.
    pub listeners_omitted: usize,
    /// Scan results per host.
    pub hosts: Vec<HostView>,
    /// The changes between consecutive snapshots, newest first.
    pub timeline: Vec<StepView>,
    /// The actions journal (close/open), newest first.
    pub actions: Vec<ActionView>,
    /// The fleet (`report --fleet`): hosts sharing one store, by risk, and what changed
    /// where.
    pub fleet: Option<FleetView>,
}

/// Many hosts: who is riskiest and what changed where.
#[derive(Debug, Clone, Default)]
pub struct FleetView {
    /// The severity labels of the count columns, most severe first.
    pub severities: Vec<String>,
    /// The hosts, riskiest first.
    pub hosts: Vec<FleetHostView>,
    /// Since when the changes are shown.
    pub since: String,
    /// What changed, per host.
    pub changes: Vec<FleetChangeView>,
}

/// One host of the fleet.
#[derive(Debug, Clone, Default)]
pub struct FleetHostView {
    /// Its name.
    pub host: String,
    /// Its machine id.
    pub host_id: String,
    /// When its newest audit was taken.
    pub at: String,
    /// What that audit looked at.
    pub target: String,
    /// Listeners.
    pub listeners: usize,
    /// Listeners reachable from other hosts.
    pub exposed: usize,
    /// Findings per severity, most severe first.
    pub findings: Vec<usize>,
    /// The risk score.
    pub score: u64,
    /// The CSS class of its worst severity.
    pub class: &'static str,
}

/// What changed on one host.
#[derive(Debug, Clone, Default)]
pub struct FleetChangeView {
    /// The host.
    pub host: String,
    /// The changes.
    pub step: StepView,
}

/// One snapshot the report is built from.
#[derive(Debug, Clone, Default)]
pub struct SourceView {
    /// `#12`, or a word for the live state.
    pub id: String,
    /// audit, ls, scan.
    pub kind: String,
    /// When it was taken.
    pub at: String,
    /// What it looked at.
    pub target: String,
}

/// One bar of a chart.
#[derive(Debug, Clone, Default)]
pub struct Bar {
    /// Its label.
    pub label: String,
    /// Its count.
    pub count: usize,
    /// The bar's length in SVG units (0..=[`crate::chart::BAR_MAX`]).
    pub width: u32,
    /// Its colour class (`sev-high`, `exp-all`…): a fixed word, never data.
    pub class: &'static str,
    /// Its row's y offset in the SVG.
    pub y: u32,
}

/// One finding.
#[derive(Debug, Clone, Default)]
pub struct FindingView {
    /// The severity's CSS class (`sev-critical`…): a fixed word.
    pub class: &'static str,
    /// The severity's label.
    pub severity: String,
    /// `6379/tcp`; for a group, every port of it (`20000/tcp, 20001/tcp`).
    pub door: String,
    /// How many doors share this finding (the same judgement, owner and texts): one
    /// card for all of them keeps a host with thousands of alike listeners readable.
    pub count: usize,
    /// For a group whose texts name each port: the port the texts shown were written
    /// for (they read the same for every other port of the group).
    pub texts_for: String,
    /// The service name (or `?`).
    pub service: String,
    /// The kind of finding, translated.
    pub kind: String,
    /// Exposure, translated.
    pub exposure: String,
    /// Addresses it is bound to.
    pub addresses: String,
    /// Owner: program, product, units.
    pub owner: String,
    /// What the firewall lets in, when known.
    pub reach: String,
    /// A remark on top (changed since the baseline, off its port…).
    pub note: String,
    /// Why it matters.
    pub why: String,
    /// What to do.
    pub action: String,
    /// The command that closes it (empty when already shut).
    pub command: String,
}

/// One listener row.
#[derive(Debug, Clone, Default)]
pub struct ListenerView {
    /// `tcp/22`.
    pub door: String,
    /// Addresses.
    pub addresses: String,
    /// Exposure, translated.
    pub exposure: String,
    /// The exposure's CSS class: a fixed word.
    pub exposure_class: &'static str,
    /// Program (user, unit).
    pub owner: String,
    /// Product.
    pub product: String,
    /// Firewall reach.
    pub reach: String,
    /// Risk label, empty when none.
    pub risk: String,
    /// The risk's CSS class.
    pub risk_class: &'static str,
}

/// One scanned host.
#[derive(Debug, Clone, Default)]
pub struct HostView {
    /// Its address.
    pub addr: String,
    /// Its name.
    pub hostname: String,
    /// up or down.
    pub status: String,
    /// The snapshot it comes from.
    pub source: String,
    /// The ports shown (every one not closed).
    pub ports: Vec<PortView>,
    /// How many closed ports were left out.
    pub closed: usize,
}

/// One scanned port.
#[derive(Debug, Clone, Default)]
pub struct PortView {
    /// `22/tcp`.
    pub door: String,
    /// open, filtered…
    pub state: String,
    /// The state's CSS class: a fixed word.
    pub state_class: &'static str,
    /// Service.
    pub service: String,
    /// Product and version.
    pub product: String,
}

/// The changes from one snapshot to the next.
#[derive(Debug, Clone, Default)]
pub struct StepView {
    /// `#3 → #4`.
    pub title: String,
    /// When the newer one was taken.
    pub at: String,
    /// What changed (empty: nothing).
    pub items: Vec<ChangeView>,
}

/// One change.
#[derive(Debug, Clone, Default)]
pub struct ChangeView {
    /// `+`, `-`, `~`.
    pub sign: char,
    /// `added`, `removed`, `changed`: a fixed word for the CSS class.
    pub class: &'static str,
    /// What it is (listener, finding…), translated.
    pub section: String,
    /// Its key (`tcp/8080`, a finding id, a host), with the host for scan results.
    pub key: String,
    /// Its description.
    pub label: String,
    /// For `~`: `owner: a → b; …`.
    pub fields: String,
}

/// One journal record.
#[derive(Debug, Clone, Default)]
pub struct ActionView {
    /// `#7`.
    pub id: String,
    /// When.
    pub at: String,
    /// Who.
    pub user: String,
    /// `8080/tcp`.
    pub door: String,
    /// How (block, stop…).
    pub how: String,
    /// What it did.
    pub summary: String,
    /// applied, failed… and undone.
    pub state: String,
}
