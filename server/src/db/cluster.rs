//! The managed PostgreSQL cluster: created, started and stopped by Rummet under its data
//! directory, with the machine's PostgreSQL + PostGIS. It listens on a private Unix socket
//! (trusted; the socket directory is readable by the cluster owner only) and on a loopback
//! port with a generated password, for QGIS and `psql`.
//!
//! Layout under the data directory:
//! `postgres/data` (PGDATA), `postgres/run` (socket), `postgres/server.log` — owned by the
//! cluster owner — and `password`, `port` — owned by whoever runs Rummet.

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nix::unistd::{Gid, Uid, User};

use super::ClusterError;
use super::install::{self, Installation};

/// The superuser and database Rummet uses in its own cluster.
pub const CLUSTER_USER: &str = "rummet";
/// The database Rummet uses in its own cluster.
pub const CLUSTER_DB: &str = "rummet";

/// A PostgreSQL cluster under Rummet's data directory.
#[derive(Debug, Clone)]
pub struct ManagedCluster {
    install: Installation,
    data_dir: PathBuf,
    /// The user the cluster runs as when Rummet runs as root (PostgreSQL refuses root).
    owner: Option<(Uid, Gid)>,
    /// Whether streaming replicas may follow it (`wal_level = replica`).
    replication: bool,
}

/// Whether the cluster runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// `initdb` has not run yet.
    NotInitialized,
    /// Initialised, not running.
    Stopped,
    /// Running with this postmaster PID and port.
    Running {
        /// Postmaster PID.
        pid: i32,
        /// TCP port on 127.0.0.1.
        port: u16,
    },
}

/// How many times `pg_ctl start` is tried.
const START_TRIES: u32 = 4;
/// How many times (every 250 ms) a start waits for the previous port to come free.
const PORT_WAIT_TRIES: u32 = 20;

impl ManagedCluster {
    /// Describes the cluster under `data_dir`; finds PostgreSQL and PostGIS but starts nothing.
    ///
    /// # Errors
    /// When PostgreSQL or PostGIS is missing, or running as root without a `postgres` user.
    pub fn new(data_dir: &Path) -> Result<Self, ClusterError> {
        let install = install::find()?;
        let owner = if nix::unistd::geteuid().is_root() {
            let user = User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or(ClusterError::NoPostgresUser)?;
            Some((user.uid, user.gid))
        } else {
            None
        };
        let data_dir = std::path::absolute(data_dir).map_err(|e| ClusterError::DataDir {
            path: data_dir.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self {
            install,
            data_dir,
            owner,
            replication: false,
        })
    }

    /// Lets streaming replicas follow the cluster (`wal_level = replica`, WAL senders), from
    /// its next start; without, loads write about half as much WAL.
    #[must_use]
    pub fn with_replication(mut self, on: bool) -> Self {
        self.replication = on;
        self
    }

    /// Makes this (not yet initialised) cluster a streaming replica of `primary`, which runs
    /// with [`ManagedCluster::with_replication`]: a base backup over `primary`'s socket, with
    /// `standby.signal` and the connection to follow it written by `pg_basebackup -R`. Start
    /// it with [`ManagedCluster::start`]; it answers reads and replays the primary's writes.
    ///
    /// # Errors
    /// When this cluster is initialised already, `primary` does not run, or the backup fails.
    pub async fn replicate_from(&self, primary: &Self) -> Result<(), ClusterError> {
        let (this, primary) = (self.clone(), primary.clone());
        tokio::task::spawn_blocking(move || this.base_backup(&primary))
            .await
            .map_err(|e| ClusterError::Tool {
                tool: "pg_basebackup",
                message: e.to_string(),
            })?
    }

    fn base_backup(&self, primary: &Self) -> Result<(), ClusterError> {
        self.prepare_dirs()?;
        if self.pgdata().join("PG_VERSION").is_file() {
            return Err(ClusterError::DataDir {
                path: self.pgdata(),
                message: "is initialised already; a replica starts from an empty directory".into(),
            });
        }
        let Some((_, port)) = primary.live_postmaster() else {
            return Err(ClusterError::NotRunning(primary.pgdata()));
        };
        let out = self.run_as_owner(
            Command::new(self.install.bin("pg_basebackup"))
                .arg("-D")
                .arg(self.pgdata())
                .arg("-h")
                .arg(primary.socket_dir())
                .args(["-p", &port.to_string(), "-U", CLUSTER_USER])
                .args(["-X", "stream", "-R", "-c", "fast"]),
        )?;
        if out.status.success() {
            Ok(())
        } else {
            Err(self.failure("pg_basebackup", &out))
        }
    }

    fn root(&self) -> PathBuf {
        self.data_dir.join("postgres")
    }

    /// PGDATA.
    #[must_use]
    pub fn pgdata(&self) -> PathBuf {
        self.root().join("data")
    }

    /// The directory holding the Unix socket.
    #[must_use]
    pub fn socket_dir(&self) -> PathBuf {
        self.root().join("run")
    }

    /// The PostgreSQL server log.
    #[must_use]
    pub fn log_file(&self) -> PathBuf {
        self.root().join("server.log")
    }

    fn password_file(&self) -> PathBuf {
        self.data_dir.join("password")
    }

    fn port_file(&self) -> PathBuf {
        self.data_dir.join("port")
    }

    /// Where the cluster is and whether it runs, from `postmaster.pid` and `/proc`.
    #[must_use]
    pub fn status(&self) -> Status {
        if !self.pgdata().join("PG_VERSION").is_file() {
            return Status::NotInitialized;
        }
        match self.live_postmaster() {
            Some((pid, port)) => Status::Running { pid, port },
            None => Status::Stopped,
        }
    }

    /// Reads `postmaster.pid` and checks that its PID is a live process whose working
    /// directory is our PGDATA; a PID reused by another process after a crash is stale.
    fn live_postmaster(&self) -> Option<(i32, u16)> {
        let text = fs::read_to_string(self.pgdata().join("postmaster.pid")).ok()?;
        let mut lines = text.lines();
        let pid: i32 = lines.next()?.trim().parse().ok()?;
        let port: u16 = lines.nth(2)?.trim().parse().ok()?;
        let cwd = fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
        let pgdata = fs::canonicalize(self.pgdata()).ok()?;
        (cwd == pgdata).then_some((pid, port))
    }

    /// Creates the cluster if needed, starts it if it is not running, and makes sure the
    /// `rummet` database exists. Returns `true` when this call started it.
    ///
    /// # Errors
    /// When the data directory is unusable, or `initdb` or `pg_ctl` fail; the message carries
    /// the last lines of the server log.
    pub async fn start(&self) -> Result<bool, ClusterError> {
        let this = self.clone();
        let started = tokio::task::spawn_blocking(move || this.start_blocking())
            .await
            .map_err(|e| ClusterError::Tool {
                tool: "pg_ctl start",
                message: e.to_string(),
            })??;
        self.ensure_database().await?;
        Ok(started)
    }

    fn start_blocking(&self) -> Result<bool, ClusterError> {
        self.prepare_dirs()?;
        if !self.pgdata().join("PG_VERSION").is_file() {
            self.initdb()?;
        }
        if self.live_postmaster().is_some() {
            return Ok(false);
        }
        // A postmaster.pid left by a crash or kill -9 names a dead process (or one reused by
        // something else); PostgreSQL may refuse to start over it, so it goes.
        let pid_file = self.pgdata().join("postmaster.pid");
        if pid_file.exists() {
            tracing::warn!(file = %pid_file.display(), "removing stale postmaster.pid");
            fs::remove_file(&pid_file).map_err(|e| dir_err(&pid_file, &e))?;
        }
        let mut last_error = None;
        // Just after a crash PostgreSQL may refuse for a moment (the dead postmaster not yet
        // reaped still "owns" its socket lock file), so the same port is tried again first;
        // only the last try takes a fresh port, for one that something else took.
        for attempt in 0..START_TRIES {
            if attempt > 0 {
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
            let port = self.choose_port(attempt + 1 == START_TRIES);
            self.write_settings(port)?;
            let out = self.run_as_owner(
                Command::new(self.install.bin("pg_ctl"))
                    .arg("start")
                    .arg("-D")
                    .arg(self.pgdata())
                    .arg("-l")
                    .arg(self.log_file())
                    .args(["-w", "-t", "60", "-s"])
                    // Its own process group: a Ctrl-C in the terminal reaches Rummet, which
                    // then stops PostgreSQL cleanly, instead of killing both at once.
                    .process_group(0),
            )?;
            if out.status.success() {
                fs::write(self.port_file(), port.to_string())
                    .map_err(|e| dir_err(&self.port_file(), &e))?;
                return Ok(true);
            }
            last_error = Some(self.failure("pg_ctl start", &out));
        }
        Err(last_error.unwrap_or(ClusterError::NotRunning(self.pgdata())))
    }

    /// Stops the cluster (fast shutdown: open sessions are rolled back). Returns `false` when
    /// it was not running.
    ///
    /// # Errors
    /// When `pg_ctl stop` fails.
    pub async fn stop(&self) -> Result<bool, ClusterError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.stop_blocking())
            .await
            .map_err(|e| ClusterError::Tool {
                tool: "pg_ctl stop",
                message: e.to_string(),
            })?
    }

    /// [`ManagedCluster::stop`] for contexts without a runtime (process exit).
    ///
    /// # Errors
    /// When `pg_ctl stop` fails.
    pub fn stop_blocking(&self) -> Result<bool, ClusterError> {
        if self.live_postmaster().is_none() {
            return Ok(false);
        }
        let out = self.run_as_owner(
            Command::new(self.install.bin("pg_ctl"))
                .arg("stop")
                .arg("-D")
                .arg(self.pgdata())
                .args(["-m", "fast", "-w", "-t", "60", "-s"]),
        )?;
        if out.status.success() {
            Ok(true)
        } else {
            Err(self.failure("pg_ctl stop", &out))
        }
    }

    /// Connection settings over the private socket, as the cluster superuser.
    ///
    /// # Errors
    /// When the cluster is not running.
    pub fn connect_config(&self, dbname: &str) -> Result<tokio_postgres::Config, ClusterError> {
        let Some((_, port)) = self.live_postmaster() else {
            return Err(ClusterError::NotRunning(self.pgdata()));
        };
        let mut config = tokio_postgres::Config::new();
        config
            .host_path(self.socket_dir())
            .port(port)
            .user(CLUSTER_USER)
            .dbname(dbname)
            .application_name("rummet");
        Ok(config)
    }

    /// A `postgres://` URL over loopback TCP with the password, for QGIS and `psql`.
    ///
    /// # Errors
    /// When the cluster is not running or the password file cannot be read.
    pub fn url(&self) -> Result<String, ClusterError> {
        let Some((_, port)) = self.live_postmaster() else {
            return Err(ClusterError::NotRunning(self.pgdata()));
        };
        let password = fs::read_to_string(self.password_file())
            .map_err(|e| dir_err(&self.password_file(), &e))?;
        Ok(format!(
            "postgres://{CLUSTER_USER}:{}@127.0.0.1:{port}/{CLUSTER_DB}",
            password.trim()
        ))
    }

    async fn ensure_database(&self) -> Result<(), ClusterError> {
        let (client, connection) = self
            .connect_config("postgres")?
            .connect(tokio_postgres::NoTls)
            .await?;
        let conn = tokio::spawn(connection);
        let exists = client
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&CLUSTER_DB],
            )
            .await?
            .is_some();
        if !exists {
            client
                .batch_execute(&format!(
                    "CREATE DATABASE {}",
                    rummet_core::escape_identifier(CLUSTER_DB)
                ))
                .await?;
        }
        drop(client);
        let _ = conn.await;
        Ok(())
    }

    fn prepare_dirs(&self) -> Result<(), ClusterError> {
        fs::create_dir_all(&self.data_dir).map_err(|e| dir_err(&self.data_dir, &e))?;
        if let Some((uid, _)) = self.owner {
            self.check_reachable(uid)?;
        }
        for dir in [self.root(), self.socket_dir()] {
            fs::create_dir_all(&dir).map_err(|e| dir_err(&dir, &e))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| dir_err(&dir, &e))?;
            self.chown(&dir)?;
        }
        Ok(())
    }

    /// The `postgres` user must be able to reach the data directory: every ancestor needs
    /// search permission for others (root's home has none, hence the advice).
    fn check_reachable(&self, uid: Uid) -> Result<(), ClusterError> {
        let meta = fs::metadata(&self.data_dir).map_err(|e| dir_err(&self.data_dir, &e))?;
        if meta.mode() & 0o001 == 0 {
            let mode = meta.mode() | 0o711;
            fs::set_permissions(&self.data_dir, fs::Permissions::from_mode(mode & 0o7777))
                .map_err(|e| dir_err(&self.data_dir, &e))?;
        }
        for dir in self.data_dir.ancestors().skip(1) {
            let Ok(meta) = fs::metadata(dir) else {
                continue;
            };
            if meta.uid() != uid.as_raw() && meta.mode() & 0o001 == 0 {
                return Err(ClusterError::DataDir {
                    path: self.data_dir.clone(),
                    message: format!(
                        "the cluster runs as the `postgres` user, which cannot enter {} (not searchable by others); \
                         choose a --data-dir such as /var/lib/rummet",
                        dir.display()
                    ),
                });
            }
        }
        Ok(())
    }

    fn initdb(&self) -> Result<(), ClusterError> {
        let password = generate_password()?;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(self.password_file())
            .map_err(|e| dir_err(&self.password_file(), &e))?;
        file.write_all(password.as_bytes())
            .map_err(|e| dir_err(&self.password_file(), &e))?;
        // initdb runs as the cluster owner, who cannot read our password file: hand it a
        // copy inside the owner's directory and delete it right after.
        let pwfile = self.root().join("initdb.pw");
        fs::write(&pwfile, &password).map_err(|e| dir_err(&pwfile, &e))?;
        fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o600))
            .map_err(|e| dir_err(&pwfile, &e))?;
        self.chown(&pwfile)?;
        let out = self.run_as_owner(
            Command::new(self.install.bin("initdb"))
                .arg("-D")
                .arg(self.pgdata())
                .args(["-U", CLUSTER_USER, "-E", "UTF8", "--locale=C.UTF-8"])
                .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
                .arg(format!("--pwfile={}", pwfile.display())),
        );
        let _ = fs::remove_file(&pwfile);
        let out = out?;
        if !out.status.success() {
            return Err(self.failure("initdb", &out));
        }
        let conf = self.pgdata().join("postgresql.conf");
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .map_err(|e| dir_err(&conf, &e))?;
        f.write_all(b"\n# Rummet writes its settings here on every start.\ninclude_if_exists = 'rummet.conf'\n")
            .map_err(|e| dir_err(&conf, &e))?;
        Ok(())
    }

    /// The port used last time if it is still free, so QGIS connections keep working;
    /// otherwise (or when `fresh`) any free loopback port.
    fn choose_port(&self, fresh: bool) -> u16 {
        let free = |p: u16| TcpListener::bind((Ipv4Addr::LOCALHOST, p)).is_ok();
        let previous = fs::read_to_string(self.port_file())
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok())
            .filter(|_| !fresh)
            .filter(|p| {
                // After a crash the old backends hold the listening socket until they notice
                // the postmaster is gone, a moment later: wait for them rather than move the
                // cluster to a new port and break every saved QGIS and psql connection.
                (0..PORT_WAIT_TRIES).any(|i| {
                    if i > 0 {
                        std::thread::sleep(std::time::Duration::from_millis(250));
                    }
                    free(*p)
                })
            });
        if previous.is_none() && !fresh && self.port_file().exists() {
            tracing::warn!("the cluster's previous port stayed taken; moving to a new one");
        }
        previous.unwrap_or_else(|| {
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .map_or(5432, |a| a.port())
        })
    }

    fn write_settings(&self, port: u16) -> Result<(), ClusterError> {
        let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "''"));
        let wal = if self.replication {
            "# Streaming replicas follow this cluster (db.replication).\n\
             wal_level = replica\n\
             max_wal_senders = 10\n\
             hot_standby = on\n"
        } else {
            "# No replicas read this cluster's WAL, and a table created and filled in one\n\
             # transaction (every dataset version) then needs none: loads write half as much.\n\
             wal_level = minimal\n\
             max_wal_senders = 0\n"
        };
        let settings = format!(
            "# Written by Rummet at every start; edit rummet.toml instead.\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = {}\n\
             unix_socket_permissions = 0700\n\
             logging_collector = off\n\
             {wal}",
            quote(&self.socket_dir())
        );
        let path = self.pgdata().join("rummet.conf");
        fs::write(&path, settings).map_err(|e| dir_err(&path, &e))?;
        self.chown(&path)
    }

    fn run_as_owner(&self, cmd: &mut Command) -> Result<Output, ClusterError> {
        cmd.current_dir(self.root());
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
            cmd.env("HOME", self.root());
        }
        cmd.env("LC_ALL", "C.UTF-8");
        let tool = cmd.get_program().to_string_lossy().into_owned();
        cmd.output().map_err(|e| ClusterError::Tool {
            tool: "PostgreSQL",
            message: format!("{tool}: {e}"),
        })
    }

    fn chown(&self, path: &Path) -> Result<(), ClusterError> {
        if let Some((uid, gid)) = self.owner {
            nix::unistd::chown(path, Some(uid), Some(gid)).map_err(|e| ClusterError::DataDir {
                path: path.to_owned(),
                message: format!("chown to postgres: {e}"),
            })?;
        }
        Ok(())
    }

    fn failure(&self, tool: &'static str, out: &Output) -> ClusterError {
        let mut message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        let log = fs::read_to_string(self.log_file()).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(5).collect();
        if !tail.is_empty() {
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            message = format!(
                "{message}; last lines of {}: {}",
                self.log_file().display(),
                tail.join(" | ")
            );
        }
        ClusterError::Tool { tool, message }
    }
}

fn dir_err(path: &Path, e: &std::io::Error) -> ClusterError {
    ClusterError::DataDir {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn generate_password() -> Result<String, ClusterError> {
    let mut bytes = [0u8; 18];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .map_err(|e| ClusterError::DataDir {
            path: PathBuf::from("/dev/urandom"),
            message: e.to_string(),
        })?;
    Ok(hex::encode(bytes))
}
