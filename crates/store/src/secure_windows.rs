//! Opening the journal file safely on Windows: no symbolic links or junctions (reparse
//! points) for the file or its directory, and a regular file. Privacy comes from where
//! the journal lives: `%LOCALAPPDATA%` is the user's own profile, whose ACL admits only
//! them, SYSTEM and administrators, and the files created there inherit it.

use crate::Error;
use std::fs::OpenOptions;
use std::os::windows::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// `FILE_ATTRIBUTE_REPARSE_POINT`: a symbolic link or a junction.
const REPARSE_POINT: u32 = 0x400;
/// `FILE_FLAG_OPEN_REPARSE_POINT`: open the link itself, never what it points to.
const OPEN_REPARSE_POINT: u32 = 0x0020_0000;

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
    if md.file_type().is_symlink() || md.file_attributes() & REPARSE_POINT != 0 {
        return Err(refused(
            dir,
            "the directory is a symbolic link or junction".into(),
        ));
    }
    if !md.is_dir() {
        return Err(refused(dir, "not a directory".into()));
    }
    Ok(())
}

/// Creates the journal's directory if it is missing, then checks it.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(dir) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| dir_err(dir, e))?;
        }
        Err(e) => return Err(dir_err(dir, e)),
    }
    check_dir(dir)
}

/// Checks a journal file opened without following a link: a regular file.
fn check_open(path: &Path, f: &std::fs::File) -> Result<(), Error> {
    let md = f.metadata().map_err(|e| dir_err(path, e))?;
    if md.file_attributes() & REPARSE_POINT != 0 {
        return Err(refused(path, "the journal is a symbolic link".into()));
    }
    if !md.is_file() {
        return Err(refused(path, "not a regular file".into()));
    }
    Ok(())
}

/// Opens (creating) the journal file for writing without following a link.
pub(crate) fn prepare_file(path: &Path) -> Result<(), Error> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(OPEN_REPARSE_POINT)
        .open(path)
        .map_err(|e| dir_err(path, e))?;
    check_open(path, &f)
}

/// Checks an existing journal for reading without following a link; `false` when there
/// is no journal.
pub(crate) fn check_existing(path: &Path) -> Result<bool, Error> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(dir_err(path, e)),
        Ok(md) if md.file_type().is_symlink() => {
            return Err(refused(path, "the journal is a symbolic link".into()))
        }
        Ok(_) => {}
    }
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_REPARSE_POINT)
        .open(path)
        .map_err(|e| dir_err(path, e))?;
    check_open(path, &f)?;
    Ok(true)
}
