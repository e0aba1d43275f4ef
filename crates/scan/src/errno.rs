//! The socket error numbers the connect engine tells apart, by the names Unix gives them:
//! nix's `Errno` on Unix; on Windows the WinSock codes (`WSAECONNREFUSED` is
//! `ECONNREFUSED`, a non-blocking connect in progress is `WSAEWOULDBLOCK`), so the engine
//! reads the same on both.

#[cfg(unix)]
pub use nix::errno::Errno;

/// WinSock's error codes under their Unix names (the ones the engine matches).
#[cfg(windows)]
#[allow(clippy::upper_case_acronyms, missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Errno {
    ECONNREFUSED = 10061,
    ECONNRESET = 10054,
    EHOSTUNREACH = 10065,
    EHOSTDOWN = 10064,
    ENETUNREACH = 10051,
    ENETDOWN = 10050,
    EACCES = 10013,
    ETIMEDOUT = 10060,
    EADDRNOTAVAIL = 10049,
    EMFILE = 10024,
    ENOBUFS = 10055,
    ENOTCONN = 10057,
    /// A non-blocking connect that has started (`WSAEWOULDBLOCK`).
    EINPROGRESS = 10035,
    /// `ERROR_NOT_ENOUGH_MEMORY`.
    ENOMEM = 8,
    /// No WinSock equivalent (never matches a real code).
    EPERM = -1,
    /// No WinSock equivalent (never matches a real code).
    ENFILE = -23,
    /// No WinSock equivalent (never matches a real code).
    EAGAIN = -11,
    /// No WinSock equivalent (never matches a real code).
    ENOSPC = -28,
    /// Any other code.
    UnknownErrno = 0,
}

#[cfg(windows)]
impl Errno {
    /// The name of a raw OS error code.
    pub fn from_raw(code: i32) -> Errno {
        use Errno::*;
        [
            ECONNREFUSED,
            ECONNRESET,
            EHOSTUNREACH,
            EHOSTDOWN,
            ENETUNREACH,
            ENETDOWN,
            EACCES,
            ETIMEDOUT,
            EADDRNOTAVAIL,
            EMFILE,
            ENOBUFS,
            ENOTCONN,
            EINPROGRESS,
            ENOMEM,
            EPERM,
            ENFILE,
            EAGAIN,
            ENOSPC,
        ]
        .into_iter()
        .find(|e| *e as i32 == code)
        .unwrap_or(UnknownErrno)
    }
}

#[cfg(test)]
#[cfg(windows)]
mod tests {
    use super::Errno;

    #[test]
    fn winsock_codes_read_as_unix_names() {
        let refused = std::io::Error::from_raw_os_error(10061);
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        assert_eq!(Errno::from_raw(10061), Errno::ECONNREFUSED);
        assert_eq!(Errno::from_raw(10035), Errno::EINPROGRESS);
        assert_eq!(Errno::from_raw(10024), Errno::EMFILE);
        assert_eq!(Errno::from_raw(12345), Errno::UnknownErrno);
    }
}
