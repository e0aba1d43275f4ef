//! A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries,
//! `initdb` into a temporary directory (as the `postgres` user when the test runs as
//! root, since PostgreSQL refuses root), listening only on a unix socket inside that
//! directory (no TCP at all). Dropping the [`Server`] stops it and removes the
//! directory, also when the test fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// Where Debian keeps the server binaries (`/usr/lib/postgresql/VERSION/bin`), the
/// newest version first.
pub fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, d)| d)
}

/// `Some(reason)` when no PostgreSQL server can be started here.
pub fn needs_postgres() -> Option<String> {
    if bin_dir().is_none() {
        return Some("PostgreSQL is not installed (.ci/run installs postgresql)".into());
    }
    if nix::unistd::geteuid().is_root() && !crate::runnable_tool("runuser") {
        return Some("runuser (util-linux) is needed to run PostgreSQL as root".into());
    }
    None
}

/// A running test server.
#[derive(Debug)]
pub struct Server {
    dir: PathBuf,
    bin: PathBuf,
    as_user: Option<String>,
    n: u32,
}

static COUNT: AtomicU32 = AtomicU32::new(0);

fn run(as_user: Option<&str>, program: &Path, args: &[&str]) -> Result<(), String> {
    let mut c = match as_user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    let out = c
        .args(args)
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Server {
    /// Starts a fresh server (database `postgres`, superuser `pw`, no password, unix
    /// socket only).
    ///
    /// # Errors
    /// When the binaries are missing or the server does not start (the message says why).
    pub fn start() -> Result<Server, String> {
        let bin = bin_dir().ok_or("PostgreSQL is not installed")?;
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pw-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let as_user = nix::unistd::geteuid()
            .is_root()
            .then(|| "postgres".to_string());
        let server = Server {
            dir: dir.clone(),
            bin,
            as_user,
            n,
        };
        if server.as_user.is_some() {
            let user = nix::unistd::User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or("there is no postgres user (install postgresql)")?;
            nix::unistd::chown(&dir, Some(user.uid), Some(user.gid))
                .map_err(|e| format!("chown {}: {e}", dir.display()))?;
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
        let data = dir.join("data");
        let data_s = data.display().to_string();
        let u = server.as_user.as_deref();
        run(
            u,
            &server.bin.join("initdb"),
            &[
                "-D",
                &data_s,
                "-U",
                "pw",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        )?;
        server.start_again()?;
        Ok(server)
    }

    /// Starts the server again after [`Server::stop`] (the same data, socket and options).
    ///
    /// # Errors
    /// When `pg_ctl start` fails (the message has the server's log).
    pub fn start_again(&self) -> Result<(), String> {
        let opts = format!(
            "-c listen_addresses='' -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            self.dir.display()
        );
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("log").display().to_string();
        run(
            self.as_user.as_deref(),
            &self.bin.join("pg_ctl"),
            &[
                "-D", &data, "-o", &opts, "-l", &log, "-w", "-t", "60", "start",
            ],
        )
        .map_err(|e| {
            let l = std::fs::read_to_string(&log).unwrap_or_default();
            format!("{e}\n{l}")
        })
    }

    /// Stops the server (its connections are cut), keeping its data for
    /// [`Server::start_again`]; dropping the [`Server`] still removes everything.
    ///
    /// # Errors
    /// When `pg_ctl stop` fails.
    pub fn stop(&self) -> Result<(), String> {
        let data = self.dir.join("data").display().to_string();
        run(
            self.as_user.as_deref(),
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        )
    }

    /// The connection URL of database `postgres`.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The connection URL of database `db` (see [`Server::create_db`]).
    pub fn url_of(&self, db: &str) -> String {
        format!(
            "postgresql://pw@/{db}?host={}&sslmode=disable",
            self.dir.display()
        )
    }

    /// Creates a database; returns its URL.
    ///
    /// # Errors
    /// When `createdb` fails.
    pub fn create_db(&self, db: &str) -> Result<String, String> {
        let host = self.dir.display().to_string();
        run(
            self.as_user.as_deref(),
            &self.bin.join("createdb"),
            &["-h", &host, "-U", "pw", db],
        )?;
        Ok(self.url_of(db))
    }

    /// The server's directory (its socket lives there).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Which server of this process it is.
    pub fn number(&self) -> u32 {
        self.n
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = run(
            self.as_user.as_deref(),
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
