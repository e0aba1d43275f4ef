//! The flag table. One definition feeds `--help`, the man page (`portwarden man`) and
//! shell completions (`portwarden completions SHELL`).

use clap::{Args, Parser, Subcommand, ValueEnum};

/// portwarden guards the doors of a machine: its network ports.
#[derive(Debug, Parser)]
#[command(name = "portwarden", about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// What a port is for, who attacks it and what to do: by number, range, service,
    /// malware name or words.
    Lookup(LookupArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Output language.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// 简体中文.
    Zh,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Presentation flags shared by the commands.
#[derive(Debug, Args, Clone)]
pub struct StyleArgs {
    /// Language of the output (default: from LC_ALL / LC_MESSAGES / LANG).
    #[arg(long, value_enum, global = true)]
    pub lang: Option<LangArg>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true)]
    pub color: ColorArg,
}

/// `portwarden lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Ports (`3389`), port/protocol (`53/udp`), ranges (`6660-6670`), service names
    /// (`ssh`), malware names (`subseven`, `冰河`) or free text.
    #[arg(required = true, allow_hyphen_values = true, value_name = "QUERY")]
    pub queries: Vec<String>,
    /// Print JSON instead of cards.
    #[arg(long)]
    pub json: bool,
    /// Presentation.
    #[command(flatten)]
    pub style: StyleArgs,
}
