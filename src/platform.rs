//! The few facts about the running system the binary asks for itself (who runs it, the
//! host name, whether standard output's reader left), one function each, per platform.
//! Sockets, owners and the ephemeral range come from `portwarden-sockets`.

/// Whether we run as root (Unix) or as an elevated administrator (Windows).
#[cfg(unix)]
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Whether we run as root (Unix) or as an elevated administrator (Windows).
#[cfg(windows)]
pub fn is_root() -> bool {
    #[allow(unsafe_code)]
    // SAFETY: no arguments, no pointers; returns a BOOL.
    let admin = unsafe { windows_sys::Win32::UI::Shell::IsUserAnAdmin() };
    admin != 0
}

/// The name of the user running us (the uid when it has none).
#[cfg(unix)]
pub fn user_name() -> String {
    let uid = nix::unistd::getuid();
    nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map_or_else(|| uid.to_string(), |u| u.name)
}

/// The name of the user running us (`DOMAIN\user`).
#[cfg(windows)]
pub fn user_name() -> String {
    let user = std::env::var("USERNAME").unwrap_or_default();
    match std::env::var("USERDOMAIN") {
        Ok(d) if !d.is_empty() && !user.is_empty() => format!("{d}\\{user}"),
        _ => user,
    }
}

/// This host's name (at most 255 characters; empty when unknown).
pub fn hostname() -> String {
    #[cfg(unix)]
    let name = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok());
    #[cfg(windows)]
    let name = std::env::var("COMPUTERNAME").ok();
    name.map(|h| h.trim().chars().take(255).collect())
        .unwrap_or_default()
}

/// Whether standard output is a pipe whose reader has gone away (`… | head` finished),
/// found without writing: poll reports POLLERR on the write end of such a pipe.
#[cfg(unix)]
pub fn stdout_gone() -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let out = std::io::stdout();
    let mut fds = [PollFd::new(out.as_fd(), PollFlags::empty())];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
        && fds[0]
            .revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLERR | PollFlags::POLLHUP))
}

/// Windows cannot ask a pipe that without writing: the next write's broken pipe ends
/// the process instead (status 141, as on Unix).
#[cfg(windows)]
pub fn stdout_gone() -> bool {
    false
}

/// Opens a file for reading without blocking on a FIFO swapped in after it was checked.
pub fn open_for_reading(p: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(nix::libc::O_NONBLOCK);
    }
    o.open(p)
}

/// Where the journal is: `$PORTWARDEN_DB`, else the platform's place for it
/// (`portwarden_store::default_path`: `%LOCALAPPDATA%\portwarden` on Windows).
pub fn store_path() -> Result<std::path::PathBuf, crate::ui::Failure> {
    portwarden_store::default_path(&|k| std::env::var(k).ok(), is_root())
        .map_err(|e| crate::ui::Failure::Runtime(anyhow::anyhow!("{e}")))
}
