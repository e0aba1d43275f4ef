//! Draws the model into a ratatui frame: the tab bar, the filter and toggles, the table
//! of the active tab, the detail pane, the status line, and the dialog or help on top.
//! Pure: no I/O, no clock; everything comes from the model.

use crate::keys::HELP;
use crate::model::{Action, Column, Dialog, Model, Tab};
use crate::rows::{Mark, Row as SockRow};
use portwarden_i18n::{format as fmt, text, Lang};
use portwarden_kb::Risk;
use portwarden_report::sanitize::terminal;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// Bytes as people read them: `512B`, `1.5K`, `20M`.
pub fn human(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "K", "M", "G", "T"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v >= 100.0 {
        format!("{v:.0}{}", UNITS[u])
    } else {
        format!("{v:.1}{}", UNITS[u])
    }
}

fn opt_bytes(n: Option<u64>) -> String {
    n.map_or_else(|| "-".into(), |v| human(v as f64))
}

fn opt_rate(n: Option<f64>) -> String {
    n.map_or_else(|| "-".into(), human)
}

struct Pal {
    on: bool,
}

impl Pal {
    fn fg(&self, c: Color) -> Style {
        if self.on {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    fn mark(&self, m: Mark) -> Style {
        match m {
            Mark::Steady => Style::default(),
            Mark::New => self.fg(Color::Green),
            Mark::Gone => self.fg(Color::Red),
            Mark::Changed => self.fg(Color::Yellow),
        }
    }
    fn risk(&self, r: Option<Risk>) -> Style {
        match r {
            Some(Risk::Critical | Risk::High) => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Some(Risk::Medium) => self.fg(Color::Yellow),
            _ => Style::default(),
        }
    }
    fn dim(&self) -> Style {
        if self.on {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default()
        }
    }
    fn bold(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
}

/// Draws the whole screen.
pub fn draw(m: &Model, f: &mut Frame) {
    let area = f.area();
    let pal = Pal { on: m.color };
    let detail_h = if m.detail {
        (area.height.saturating_sub(4) * 2 / 5).max(6)
    } else {
        0
    };
    let [head, bar, body, detail, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(detail_h),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_head(m, f, head, &pal);
    draw_bar(m, f, bar, &pal);
    match m.tab {
        Tab::Sockets => draw_sockets(m, f, body, &pal),
        Tab::Processes => draw_processes(m, f, body, &pal),
        Tab::Listeners => draw_listeners(m, f, body, &pal),
    }
    if m.detail {
        draw_detail(m, f, detail);
    }
    draw_foot(m, f, foot, &pal);
    if let Some(d) = &m.dialog {
        draw_dialog(m, d, f, area, &pal);
    } else if m.help {
        draw_help(m, f, area, &pal);
    }
}

fn draw_head(m: &Model, f: &mut Frame, r: Rect, pal: &Pal) {
    let l = m.lang;
    let mut spans = vec![Span::styled(" portwarden top ", pal.bold())];
    for t in Tab::ALL {
        let name = text(
            l,
            match t {
                Tab::Sockets => "top-tab-sockets",
                Tab::Processes => "top-tab-processes",
                Tab::Listeners => "top-tab-listeners",
            },
        );
        let s = format!(" {name} ");
        spans.push(if t == m.tab {
            Span::styled(s, pal.selected())
        } else {
            Span::raw(s)
        });
        spans.push(Span::raw("│"));
    }
    let (shown, all, listening) = m.counts();
    spans.push(Span::raw(format!(
        " {}",
        portwarden_i18n::tr!(
            l,
            "top-head-counts",
            shown = shown,
            all = all,
            listening = listening
        )
    )));
    if m.paused {
        spans.push(Span::styled(
            format!(" {}", text(l, "top-head-paused")),
            pal.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn draw_bar(m: &Model, f: &mut Frame, r: Rect, pal: &Pal) {
    let l = m.lang;
    let mut spans = Vec::new();
    if m.editing_filter || !m.filter.is_empty() {
        spans.push(Span::styled(
            format!(
                "/{}{} ",
                terminal(&m.filter),
                if m.editing_filter { "▏" } else { "" }
            ),
            pal.fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ));
    } else {
        spans.push(Span::styled(
            format!("{} ", text(l, "top-bar-filter-hint")),
            pal.dim(),
        ));
    }
    let t = m.toggles;
    for (on, id) in [
        (t.tcp, "top-toggle-tcp"),
        (t.udp, "top-toggle-udp"),
        (t.listening, "top-toggle-listening"),
        (t.hide_time_wait, "top-toggle-time-wait"),
        (t.hide_loopback, "top-toggle-loopback"),
    ] {
        let s = format!("[{}]{} ", if on { "x" } else { " " }, text(l, id));
        spans.push(if on {
            Span::raw(s)
        } else {
            Span::styled(s, pal.dim())
        });
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn width_of(c: Column) -> u16 {
    match c {
        Column::Proto => 3,
        Column::Local | Column::Remote => 22,
        Column::State => 10,
        Column::Owner => 14,
        Column::User => 8,
        Column::Service => 9,
        Column::Risk => 8,
        Column::Exposure => 9,
        Column::RateIn | Column::RateOut => 7,
        Column::BytesIn | Column::BytesOut => 6,
    }
}

/// The columns that fit in `width`, most important first, shown in display order.
pub fn fit_columns(width: u16) -> Vec<Column> {
    const PRIORITY: [Column; 13] = [
        Column::Local,
        Column::State,
        Column::Owner,
        Column::Remote,
        Column::Service,
        Column::Risk,
        Column::Proto,
        Column::Exposure,
        Column::RateIn,
        Column::RateOut,
        Column::User,
        Column::BytesIn,
        Column::BytesOut,
    ];
    let mut used = 2u16; // the mark column and its gap
    let mut chosen = Vec::new();
    for c in PRIORITY {
        let w = width_of(c) + 1;
        if used + w <= width {
            used += w;
            chosen.push(c);
        }
    }
    Column::ALL
        .iter()
        .copied()
        .filter(|c| chosen.contains(c))
        .collect()
}

fn cell_text(m: &Model, r: &SockRow, c: Column) -> String {
    match c {
        Column::Proto => r.proto.as_str().into(),
        Column::Local => r.local.to_string(),
        Column::Remote => {
            if r.listening {
                "*".into()
            } else {
                r.remote.to_string()
            }
        }
        Column::State => r.state.ss_name().into(),
        Column::Owner => r.owner_label(),
        Column::User => r.user.clone(),
        Column::Service => r.service.clone(),
        Column::Risk => r.risk.map_or_else(String::new, |k| risk_word(m.lang, k)),
        Column::Exposure => r.exposure.clone(),
        Column::RateIn => opt_rate(r.rate_in),
        Column::RateOut => opt_rate(r.rate_out),
        Column::BytesIn => opt_bytes(r.bytes_in),
        Column::BytesOut => opt_bytes(r.bytes_out),
    }
}

fn risk_word(l: Lang, r: Risk) -> String {
    // The knowledge base's own label, as `ls` and `audit` show it.
    r.label(l).to_string()
}

/// The first line to show so that `selected` is on screen in `h` lines.
fn scroll(selected: usize, h: usize) -> usize {
    if h == 0 {
        0
    } else {
        selected.saturating_sub(h - 1)
    }
}

fn draw_sockets(m: &Model, f: &mut Frame, r: Rect, pal: &Pal) {
    let cols = fit_columns(r.width);
    let rows = m.socket_rows();
    let mut header = vec![Cell::from(" ")];
    for c in &cols {
        let mut h = text(m.lang, c.msg_id());
        if m.sort.0 == *c {
            h.push(if m.sort.1 { '▲' } else { '▼' });
        }
        header.push(Cell::from(h));
    }
    let h = usize::from(r.height.saturating_sub(1));
    let start = scroll(m.selected, h);
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, t)| {
            let mark = match t.mark {
                Mark::Steady => " ",
                Mark::New => "+",
                Mark::Gone => "-",
                Mark::Changed => "~",
            };
            let mut cells = vec![Cell::from(mark)];
            for c in &cols {
                let s = cell_text(m, &t.row, *c);
                cells.push(if *c == Column::Risk && t.mark == Mark::Steady {
                    Cell::from(Span::styled(s, pal.risk(t.row.risk)))
                } else {
                    Cell::from(s)
                });
            }
            let mut st = pal.mark(t.mark);
            if i == m.selected {
                st = st.patch(pal.selected());
            }
            Row::new(cells).style(st)
        })
        .collect();
    let mut widths = vec![Constraint::Length(1)];
    widths.extend(cols.iter().map(|c| Constraint::Length(width_of(*c))));
    if let Some(last) = widths.last_mut() {
        *last = Constraint::Min(0);
    }
    let empty = rows.is_empty();
    f.render_widget(
        Table::new(body, widths)
            .header(Row::new(header).style(pal.bold()))
            .column_spacing(1),
        r,
    );
    if empty {
        empty_note(m, f, r, pal);
    }
}

fn empty_note(m: &Model, f: &mut Frame, r: Rect, pal: &Pal) {
    if r.height > 2 {
        let id = if m.inventory().is_none() {
            "top-empty-reading"
        } else {
            "top-empty"
        };
        f.render_widget(
            Paragraph::new(format!("  {}", text(m.lang, id))).style(pal.dim()),
            Rect {
                y: r.y + 1,
                height: 1,
                ..r
            },
        );
    }
}

fn draw_processes(m: &Model, f: &mut Frame, r: Rect, pal: &Pal) {
    let l = m.lang;
    let rows = m.process_rows();
    let header = Row::new(
        [
            "top-col-pid",
            "top-col-program",
            "top-col-user",
            "top-col-sockets",
            "top-col-listeners",
            "top-col-rate-in",
            "top-col-rate-out",
            "top-col-bytes-in",
            "top-col-bytes-out",
        ]
        .map(|id| Cell::from(text(l, id))),
    )
    .style(pal.bold());
    let h = usize::from(r.height.saturating_sub(1));
    let start = scroll(m.selected, h);
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, p)| {
            let row = Row::new(vec![
                Cell::from(p.pid.map_or_else(|| "-".into(), |p| p.to_string())),
                Cell::from(p.program.clone()),
                Cell::from(p.user.clone()),
                Cell::from(p.sockets.to_string()),
                Cell::from(p.listeners.to_string()),
                Cell::from(human(p.rate_in)),
                Cell::from(human(p.rate_out)),
                Cell::from(human(p.bytes_in as f64)),
                Cell::from(human(p.bytes_out as f64)),
            ]);
            if i == m.selected {
                row.style(pal.selected())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(7),
        Constraint::Length(16),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Min(0),
    ];
    f.render_widget(Table::new(body, widths).header(header).column_spacing(1), r);
    if rows.is_empty() {
        empty_note(m, f, r, pal);
    }
}

fn draw_listeners(m: &Model, f: &mut Frame, r: Rect, pal: &Pal) {
    let l = m.lang;
    let rows = m.listener_rows();
    let header = Row::new(
        [
            "top-col-risk",
            "top-col-port",
            "top-col-local",
            "top-col-owner",
            "top-col-service",
            "top-col-exposure",
            "top-col-why",
        ]
        .map(|id| Cell::from(text(l, id))),
    )
    .style(pal.bold());
    let h = usize::from(r.height.saturating_sub(1));
    let start = scroll(m.selected, h);
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, x)| {
            let owner = x
                .processes
                .first()
                .map_or_else(|| "?".into(), |(pid, n)| format!("{pid}/{}", terminal(n)));
            let service = match &x.product {
                Some(p) => p.product.to_string(),
                None => x.service.clone().unwrap_or_default(),
            };
            let exposure = x
                .reach
                .as_ref()
                .map_or(x.exposure.as_str(), |r| r.word())
                .to_string();
            let row = Row::new(vec![
                Cell::from(Span::styled(
                    risk_word(l, x.severity),
                    pal.risk(Some(x.severity)),
                )),
                Cell::from(format!("{}/{}", x.port, x.transport)),
                Cell::from(x.addresses.join(" ")),
                Cell::from(owner),
                Cell::from(terminal(&service)),
                Cell::from(exposure),
                Cell::from(terminal(&x.why.to_string_in(l))),
            ]);
            if i == m.selected {
                row.style(pal.selected())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(15),
        Constraint::Length(14),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Min(0),
    ];
    f.render_widget(Table::new(body, widths).header(header).column_spacing(1), r);
    if rows.is_empty() {
        empty_note(m, f, r, pal);
    }
}

fn label(l: Lang, id: &str, value: &str) -> Option<Line<'static>> {
    let v = terminal(value);
    (!v.trim().is_empty()).then(|| {
        Line::from(vec![
            Span::styled(
                format!("{}: ", text(l, id)),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(v),
        ])
    })
}

fn process_lines(m: &Model, pid: u32, out: &mut Vec<Line<'static>>) {
    let l = m.lang;
    let Some(p) = m.inventory().and_then(|i| i.processes.get(&pid)) else {
        return;
    };
    out.extend(
        [
            label(l, "top-detail-process", &format!("{pid} {}", p.name)),
            label(l, "top-detail-cmdline", &p.cmdline.join(" ")),
            label(l, "top-detail-exe", p.exe.as_deref().unwrap_or("")),
            label(l, "top-detail-user", p.user.as_deref().unwrap_or("")),
            label(l, "top-detail-unit", p.unit.as_deref().unwrap_or("")),
            label(
                l,
                "top-detail-container",
                &p.container
                    .as_ref()
                    .map(|c| c.describe())
                    .unwrap_or_default(),
            ),
            label(l, "top-detail-started", m.started(pid).unwrap_or("")),
        ]
        .into_iter()
        .flatten(),
    );
}

fn card_lines(
    m: &Model,
    port: u16,
    proto: portwarden_sockets::Transport,
    width: u16,
) -> Vec<Line<'static>> {
    let card = portwarden_kb::card(port, Some(proto.protocol()), None);
    let st = portwarden_report::Style {
        lang: m.lang,
        color: false,
        width: usize::from(width),
    };
    portwarden_report::card::render(&card, &st)
        .lines()
        .map(|s| Line::from(terminal(s)))
        .collect()
}

fn draw_detail(m: &Model, f: &mut Frame, r: Rect) {
    let l = m.lang;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut title = text(l, "top-detail-title");
    match m.tab {
        Tab::Sockets => {
            if let Some(row) = m.selected_row() {
                title = format!(
                    "{} {} → {} {}",
                    row.proto,
                    row.local,
                    if row.listening {
                        "*".to_string()
                    } else {
                        row.remote.to_string()
                    },
                    row.state
                );
                if let Some(pid) = row.pid {
                    process_lines(m, pid, &mut lines);
                } else {
                    lines.push(Line::from(text(
                        l,
                        if row.ownership == portwarden_sockets::Ownership::Hidden {
                            "top-detail-owner-hidden"
                        } else {
                            "top-detail-owner-none"
                        },
                    )));
                }
                let door = row.listening
                    || m.inventory().is_some_and(|i| {
                        i.sockets.iter().any(|e| {
                            e.socket.is_listening()
                                && e.socket.transport == row.proto
                                && e.socket.local.port() == row.local.port()
                        })
                    });
                let port = if door {
                    row.local.port()
                } else {
                    row.remote.port()
                };
                lines.push(Line::from(""));
                lines.extend(card_lines(m, port, row.proto, r.width.saturating_sub(2)));
            }
        }
        Tab::Processes => {
            if let Some(p) = m.selected_process() {
                title = format!(
                    "{} {}",
                    p.pid.map_or_else(String::new, |p| p.to_string()),
                    p.program
                );
                if let Some(pid) = p.pid {
                    process_lines(m, pid, &mut lines);
                }
            }
        }
        Tab::Listeners => {
            if let Some(x) = m.selected_finding() {
                title = format!("{}/{} {}", x.port, x.transport, risk_word(l, x.severity));
                lines.extend(
                    [
                        label(l, "top-detail-why", &x.why.to_string_in(l)),
                        label(l, "top-detail-action", &x.action.to_string_in(l)),
                        x.note
                            .as_ref()
                            .and_then(|n| label(l, "top-detail-note", &n.to_string_in(l))),
                        label(l, "top-detail-command", &x.command),
                        label(l, "top-detail-malware", &x.malware.join(", ")),
                    ]
                    .into_iter()
                    .flatten(),
                );
                if let Some((pid, _)) = x.processes.first() {
                    process_lines(m, *pid, &mut lines);
                }
                lines.push(Line::from(""));
                lines.extend(card_lines(
                    m,
                    x.port,
                    x.transport,
                    r.width.saturating_sub(2),
                ));
            }
        }
    }
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        format!(" {} ", terminal(&title)),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

fn draw_foot(m: &Model, f: &mut Frame, r: Rect, pal: &Pal) {
    let l = m.lang;
    let (s, st) = if let Some(s) = &m.status {
        (fmt(l, s), pal.fg(Color::Cyan))
    } else if let Some(n) = &m.note {
        (fmt(l, n), pal.fg(Color::Yellow))
    } else {
        (text(l, "top-foot-keys"), pal.dim())
    };
    f.render_widget(Paragraph::new(Span::styled(s, st)), r);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_dialog(m: &Model, d: &Dialog, f: &mut Frame, area: Rect, pal: &Pal) {
    let l = m.lang;
    let w = area.width.saturating_sub(4).min(100);
    let st = portwarden_report::Style {
        lang: l,
        color: false,
        width: usize::from(w.saturating_sub(4)),
    };
    let (title, mut lines, keys, refused) = match d {
        Dialog::Plan {
            action,
            plan,
            refusals,
        } => {
            let title = text(
                l,
                match action {
                    Action::ClosePort(_) => "top-dialog-close",
                    Action::DropConnection => "top-dialog-drop",
                    Action::KillProcess => "top-dialog-kill",
                },
            );
            let mut lines: Vec<Line> = portwarden_report::control::plan_with(plan, &st, false)
                .lines()
                .map(|s| Line::from(terminal(s)))
                .collect();
            for r in refusals {
                lines.push(Line::from(Span::styled(
                    format!("✗ {}", fmt(l, r)),
                    pal.fg(Color::Red).add_modifier(Modifier::BOLD),
                )));
            }
            let allowed = d.allowed();
            let keys = match (allowed, action) {
                (true, Action::ClosePort(_)) => text(l, "top-dialog-keys-close"),
                (true, _) => text(l, "top-dialog-keys"),
                (false, Action::ClosePort(_)) => text(l, "top-dialog-keys-refused-close"),
                (false, _) => text(l, "top-dialog-keys-refused"),
            };
            (title, lines, keys, !allowed)
        }
        Dialog::Result { title, lines } => (
            fmt(l, title),
            lines.iter().map(|s| Line::from(terminal(s))).collect(),
            text(l, "top-dialog-keys-ok"),
            false,
        ),
    };
    if refused {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            text(l, "top-dialog-refused"),
            pal.fg(Color::Red).add_modifier(Modifier::BOLD),
        )));
    }
    let inner_w = usize::from(w.saturating_sub(2)).max(1);
    let needed: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1))
        .sum::<usize>()
        + 4;
    let h = u16::try_from(needed).unwrap_or(u16::MAX);
    let rect = centered(area, w, h);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(Span::styled(format!(" {title} "), pal.bold()))
                    .title_bottom(Span::styled(format!(" {keys} "), pal.bold())),
            )
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn draw_help(m: &Model, f: &mut Frame, area: Rect, pal: &Pal) {
    let l = m.lang;
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(k, id)| {
            Line::from(vec![
                Span::styled(format!("{k:<18}"), pal.bold()),
                Span::raw(text(l, id)),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        text(l, "top-help-colours"),
        pal.dim(),
    )));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, area.width.saturating_sub(4).min(76), h);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", text(l, "top-help-title"))),
            )
            .wrap(Wrap { trim: false }),
        rect,
    );
}
