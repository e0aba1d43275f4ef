//! Opening the journal on systems without Unix owners and modes (Windows): no symbolic
//! links, real directories; the journal lives in the user's own profile
//! (`%LOCALAPPDATA%\portwarden`), whose ACL is the user's. A stand-in until the Windows
//! ACL checks land (issue #15, part 1).

use crate::Error;
use std::path::Path;

fn refused(path: &Path, reason: String) -> Error {
    Error::Refused {
        path: path.display().to_string(),
        reason,
    }
}

fn dir_err(path: &Path, source: std::io::Error) -> Error {
    Error::Dir {
        path: path.display().to_string(),
        source,
    }
}

/// Checks the directory that holds the journal: a real directory, not a link.
pub(crate) fn check_dir(dir: &Path) -> Result<(), Error> {
    let md = std::fs::symlink_metadata(dir).map_err(|e| dir_err(dir, e))?;
    if md.file_type().is_symlink() {
        return Err(refused(dir, "the directory is a symbolic link".into()));
    }
    if !md.is_dir() {
        return Err(refused(dir, "not a directory".into()));
    }
    Ok(())
}

/// Creates the journal's directory if it is missing, then checks it.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), Error> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| dir_err(dir, e))?;
    }
    check_dir(dir)
}

/// Creates the journal file if missing; a link is refused.
pub(crate) fn prepare_file(path: &Path) -> Result<(), Error> {
    if check_existing(path)? {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map(|_| ())
        .map_err(|e| dir_err(path, e))
}

/// Checks an existing journal; `false` when there is none.
pub(crate) fn check_existing(path: &Path) -> Result<bool, Error> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(dir_err(path, e)),
        Ok(md) if md.file_type().is_symlink() => {
            Err(refused(path, "the journal is a symbolic link".into()))
        }
        Ok(md) if !md.is_file() => Err(refused(path, "not a file".into())),
        Ok(_) => Ok(true),
    }
}
