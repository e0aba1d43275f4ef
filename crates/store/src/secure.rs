//! Opening the journal file safely: no symbolic links, nothing owned by another user,
//! nothing in a directory every user may write to, and private modes (directories 0700,
//! files 0600) whatever the umask. The journal holds command lines of stopped processes
//! and the units `open` will start again, so a journal someone else could plant or read
//! is refused with the reason rather than used.

use crate::Error;
use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

fn refused(path: &Path, reason: String) -> Error {
    Error::Refused {
        path: path.display().to_string(),
        reason,
    }
}

fn euid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// Checks the directory that holds the journal: a real directory (not a symbolic link),
/// owned by us or by root, and not writable by every user.
pub(crate) fn check_dir(dir: &Path) -> Result<(), Error> {
    let md = std::fs::symlink_metadata(dir).map_err(|source| Error::Dir {
        path: dir.display().to_string(),
        source,
    })?;
    if md.file_type().is_symlink() {
        return Err(refused(dir, "the directory is a symbolic link".into()));
    }
    if !md.is_dir() {
        return Err(refused(dir, "not a directory".into()));
    }
    let me = euid();
    if md.uid() != me && md.uid() != 0 {
        return Err(refused(
            dir,
            format!(
                "the directory is owned by uid {}, not by you (uid {me})",
                md.uid()
            ),
        ));
    }
    if md.mode() & 0o002 != 0 {
        return Err(refused(
            dir,
            format!(
                "the directory is writable by every user (mode {:o}); use a private directory (chmod 700)",
                md.mode() & 0o7777
            ),
        ));
    }
    Ok(())
}

/// Creates the journal's directory (0700, whatever the umask) if it is missing, then
/// checks it.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), Error> {
    let dir_err = |source| Error::Dir {
        path: dir.display().to_string(),
        source,
    };
    match std::fs::symlink_metadata(dir) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match DirBuilder::new().recursive(true).mode(0o700).create(dir) {
                Ok(()) => {
                    // The umask may have taken bits away (or a umask of 000 left them
                    // as asked); either way the journal's own directory ends up 0700.
                    let md = std::fs::symlink_metadata(dir).map_err(dir_err)?;
                    if md.is_dir() && md.uid() == euid() && md.mode() & 0o777 != 0o700 {
                        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                            .map_err(dir_err)?;
                    }
                }
                Err(e) => return Err(dir_err(e)),
            }
        }
        Err(e) => return Err(dir_err(e)),
    }
    check_dir(dir)
}

/// Checks an open journal file: a regular file owned by us.
fn check_file(path: &Path, f: &File) -> Result<std::fs::Metadata, Error> {
    let md = f.metadata().map_err(|source| Error::Dir {
        path: path.display().to_string(),
        source,
    })?;
    if !md.is_file() {
        return Err(refused(path, "not a regular file".into()));
    }
    let me = euid();
    if md.uid() != me {
        return Err(refused(
            path,
            format!(
                "the journal is owned by uid {}, not by you (uid {me})",
                md.uid()
            ),
        ));
    }
    Ok(md)
}

fn open_err(path: &Path, e: std::io::Error) -> Error {
    if e.raw_os_error() == Some(nix::libc::ELOOP) {
        refused(path, "the journal is a symbolic link".into())
    } else {
        Error::Dir {
            path: path.display().to_string(),
            source: e,
        }
    }
}

/// Opens (creating, mode 0600) the journal file for writing without following a
/// symbolic link, checks its owner and makes it 0600.
pub(crate) fn prepare_file(path: &Path) -> Result<(), Error> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| open_err(path, e))?;
    let md = check_file(path, &f)?;
    if md.mode() & 0o777 != 0o600 {
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|source| Error::Dir {
                path: path.display().to_string(),
                source,
            })?;
    }
    Ok(())
}

/// Checks an existing journal for reading without following a symbolic link; `false`
/// when there is no journal.
pub(crate) fn check_existing(path: &Path) -> Result<bool, Error> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(open_err(path, e)),
        Ok(md) if md.file_type().is_symlink() => {
            return Err(refused(path, "the journal is a symbolic link".into()))
        }
        Ok(_) => {}
    }
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| open_err(path, e))?;
    check_file(path, &f)?;
    Ok(true)
}
