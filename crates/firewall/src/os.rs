//! Reading the ruleset from the system: `nft -j list ruleset`.

use std::process::Command;

/// Why the ruleset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// `nft` is not installed (or not on PATH).
    #[error("nft is not installed, so the firewall rules cannot be read")]
    NoNft,
    /// `nft` ran and refused, usually for want of privilege.
    #[error("reading the firewall rules needs root (CAP_NET_ADMIN): {0}")]
    Denied(String),
    /// `nft` failed otherwise.
    #[error("nft -j list ruleset failed: {0}")]
    Failed(String),
}

/// Where the ruleset comes from.
pub trait RulesetSource {
    /// `nft -j list ruleset` output.
    fn ruleset_json(&self) -> Result<String, SourceError>;
    /// `nft -a list ruleset` output (text with handles), asked for only when the JSON holds
    /// iptables-nft matches that only the text translates.
    fn ruleset_text(&self) -> Option<String>;
}

/// The system's own ruleset, through the `nft` command.
pub fn native() -> Box<dyn RulesetSource> {
    Box::new(NftCommand)
}

struct NftCommand;

impl RulesetSource for NftCommand {
    fn ruleset_text(&self) -> Option<String> {
        let out = Command::new("nft")
            .args(["-a", "list", "ruleset"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn ruleset_json(&self) -> Result<String, SourceError> {
        let out = Command::new("nft")
            .args(["-j", "list", "ruleset"])
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => SourceError::NoNft,
                _ => SourceError::Failed(e.to_string()),
            })?;
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if !out.status.success() {
            let first = err.lines().next().unwrap_or("").to_string();
            return Err(if err.contains("Operation not permitted") {
                SourceError::Denied(first)
            } else {
                SourceError::Failed(first)
            });
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // An empty ruleset prints nothing at all on some nft versions.
        Ok(if text.trim().is_empty() {
            r#"{"nftables": []}"#.to_string()
        } else {
            text
        })
    }
}
