//! Finding the machine's PostgreSQL and PostGIS: `pg_config`, then the Debian layout
//! `/usr/lib/postgresql/<major>/bin`, preferring the newest major that has PostGIS.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::ClusterError;

/// A PostgreSQL installation with its server binaries.
#[derive(Debug, Clone)]
pub struct Installation {
    /// Directory holding `initdb`, `pg_ctl` and `postgres`.
    pub bindir: PathBuf,
    /// Major version, e.g. 15.
    pub major: u32,
}

impl Installation {
    /// Path of one of the server binaries.
    #[must_use]
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }
}

/// Finds a PostgreSQL with PostGIS installed.
///
/// # Errors
/// [`ClusterError::PostgresMissing`] or [`ClusterError::PostgisMissing`], each naming the
/// package to install.
pub fn find() -> Result<Installation, ClusterError> {
    let mut found = candidates()
        .into_iter()
        .filter(|dir| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| dir.join(b).is_file())
        })
        .filter_map(|bindir| major_version(&bindir).map(|major| Installation { bindir, major }))
        .collect::<Vec<_>>();
    found.sort_by_key(|i| std::cmp::Reverse(i.major));
    found.dedup_by_key(|i| i.major);
    let newest = found.first().ok_or(ClusterError::PostgresMissing)?;
    found
        .iter()
        .find(|i| has_postgis(i))
        .cloned()
        .ok_or(ClusterError::PostgisMissing {
            major: newest.major,
        })
}

fn candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("RUMMET_PG_BINDIR") {
        dirs.push(PathBuf::from(dir));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        dirs.extend(entries.filter_map(Result::ok).map(|e| e.path().join("bin")));
    }
    dirs.push(PathBuf::from("/usr/local/pgsql/bin"));
    dirs
}

/// Reads the major version from `postgres --version` ("postgres (PostgreSQL) 15.18 ...").
fn major_version(bindir: &Path) -> Option<u32> {
    let out = Command::new(bindir.join("postgres"))
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().nth(2)?;
    version.split(['.', 'b', 'r']).next()?.parse().ok()
}

fn has_postgis(install: &Installation) -> bool {
    let prefix = install.bindir.parent().and_then(Path::parent);
    let mut share = vec![PathBuf::from(format!(
        "/usr/share/postgresql/{}",
        install.major
    ))];
    if let Some(p) = prefix {
        share.push(p.join("share/postgresql"));
        share.push(p.join("share"));
    }
    share
        .iter()
        .any(|s| s.join("extension/postgis.control").is_file())
}
