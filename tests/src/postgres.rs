//! A real PostgreSQL server for a test: `initdb` in a temp dir (as the unprivileged
//! `postgres` user when the tests run as root, since PostgreSQL refuses root), with
//! SCRAM-SHA-256 password authentication for user [`Postgres::USER`], started on a
//! free loopback port and stopped (immediately) on drop.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::free_port;
use crate::wait::wait_until;

pub struct Postgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    /// `postgres` when the tests run as root, to drop privileges.
    run_as: Option<String>,
}

impl Postgres {
    pub const USER: &'static str = "ferry";
    pub const PASSWORD: &'static str = "ferry-secret";

    pub fn start() -> Postgres {
        let bin = server_bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("ferry-pg-")
            .tempdir()
            .expect("temp dir");
        let run_as = is_root().then(|| "postgres".to_string());
        if let Some(user) = &run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown the PostgreSQL temp dir to {user}");
        }
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, Postgres::PASSWORD).expect("pwfile");
        let data = dir.path().join("data");
        let pg = Postgres {
            dir,
            bin,
            port: free_port(),
            run_as,
        };
        let out = pg.run(
            "initdb",
            &[
                "-D",
                path(&data),
                "-U",
                Postgres::USER,
                "--auth=scram-sha-256",
                "--pwfile",
                path(&pwfile),
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            pg.port,
            path(pg.dir.path())
        );
        let log = pg.dir.path().join("postgres.log");
        let out = pg.run(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-l",
                path(&log),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        assert!(
            wait_until(Duration::from_secs(30), || pg
                .try_sql("postgres", "SELECT 1")
                .is_ok()),
            "PostgreSQL answers on port {}",
            pg.port
        );
        pg
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `jdbc:postgresql://127.0.0.1:<port>/<database>`.
    pub fn jdbc_url(&self, database: &str) -> String {
        format!("jdbc:postgresql://127.0.0.1:{}/{database}", self.port)
    }

    pub fn create_database(&self, name: &str) {
        self.sql("postgres", &format!("CREATE DATABASE \"{name}\""));
    }

    /// Runs `sql` with psql and returns its unaligned output (`|`-separated
    /// columns, one row per line). Panics on an error.
    pub fn sql(&self, database: &str, sql: &str) -> String {
        self.try_sql(database, sql)
            .unwrap_or_else(|e| panic!("psql {sql:?}: {e}"))
    }

    pub fn try_sql(&self, database: &str, sql: &str) -> Result<String, String> {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
            ])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                Postgres::USER,
                "-d",
                database,
                "-c",
                sql,
            ])
            .env("PGPASSWORD", Postgres::PASSWORD)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Runs a server binary, as the unprivileged user when needed.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let binary = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("setpriv");
                c.args([
                    &format!("--reuid={user}"),
                    &format!("--regid={user}"),
                    "--init-groups",
                    "--",
                ]);
                c.arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", binary.display()))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.run(
            "pg_ctl",
            &["-D", path(&data), "-m", "immediate", "-w", "stop"],
        );
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The newest `/usr/lib/postgresql/<v>/bin` (Debian's layout), else where `initdb`
/// is on the PATH.
fn server_bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let out = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .expect("sh");
    let initdb = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !initdb.is_empty(),
        "PostgreSQL's server is not installed (scripts/setup.sh installs Debian's postgresql)"
    );
    std::fs::canonicalize(&initdb)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .expect("initdb's directory")
}
