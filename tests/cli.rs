//! The `rummet` binary end to end: `serve` on its embedded default starts its own cluster,
//! loads the demo data, serves, and on SIGTERM stops the cluster; a second start reuses it.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const BIN: &str = env!("CARGO_BIN_EXE_rummet");

struct Server {
    child: Child,
    url: String,
}

fn serve(data_dir: &Path) -> Server {
    serve_with(data_dir, &[])
}

fn serve_with(data_dir: &Path, flags: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(flags)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn rummet");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read stdout");
    let url = line
        .trim()
        .strip_prefix("rummet listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Server { child, url }
}

fn stop(mut server: Server) {
    kill(
        Pid::from_raw(i32::try_from(server.child.id()).expect("pid")),
        Signal::SIGTERM,
    )
    .expect("SIGTERM");
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            assert!(status.success(), "rummet exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "rummet did not stop within 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn get_json(url: &str) -> serde_json::Value {
    let url = url.strip_prefix("http://").expect("http url");
    let (host, path) = url.split_once('/').map_or((url, "/"), |(h, p)| (h, p));
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
        .await
        .expect("send");
    let mut response = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut response)
        .await
        .expect("read");
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").expect("http response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// A data directory of its own under /tmp (the cluster's `postgres` user must reach it),
/// removed when the returned guard drops.
fn fresh_data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("rummet-cli-")
        .tempdir_in("/tmp")
        .expect("tmp");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let data_dir = dir.path().join("data");
    (dir, data_dir)
}

fn postmaster_running(data_dir: &Path) -> bool {
    let pid_file = data_dir.join("postgres/data/postmaster.pid");
    let Ok(text) = std::fs::read_to_string(pid_file) else {
        return false;
    };
    text.lines()
        .next()
        .and_then(|p| p.trim().parse::<i32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

#[tokio::test]
async fn serve_starts_its_own_postgis_loads_the_demo_stops_cleanly_and_reuses_the_data() {
    let (_dir, data_dir) = fresh_data_dir();

    let server = serve(&data_dir);
    assert_eq!(
        get_json(&format!("{}/ready", server.url)).await["status"],
        "ready"
    );
    let first = get_json(&format!("{}/catalog", server.url)).await;
    let versions: Vec<_> = first["datasets"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["version"].clone())
        .collect();
    assert_eq!(versions.len(), 3);
    assert!(postmaster_running(&data_dir));
    stop(server);
    assert!(
        !postmaster_running(&data_dir),
        "stopping the server leaves no PostgreSQL behind"
    );

    // A crash leaves a postmaster.pid naming a dead process; it must not stop the next start.
    std::fs::write(
        data_dir.join("postgres/data/postmaster.pid"),
        "999999\n/x\n0\n1\n",
    )
    .expect("stale pid");

    // Something else took the port PostgreSQL had last time; the start must pick another.
    let port: u16 = std::fs::read_to_string(data_dir.join("port"))
        .expect("port file")
        .trim()
        .parse()
        .expect("port");
    let _squatter = std::net::TcpListener::bind(("127.0.0.1", port)).expect("take the old port");

    let server = serve(&data_dir);
    let new_port: u16 = std::fs::read_to_string(data_dir.join("port"))
        .expect("port file")
        .trim()
        .parse()
        .expect("port");
    assert_ne!(new_port, port);
    let status = Command::new(BIN)
        .args(["db", "status", "--data-dir"])
        .arg(&data_dir)
        .output()
        .expect("status");
    assert!(
        String::from_utf8_lossy(&status.stdout).starts_with("running"),
        "{status:?}"
    );
    let url = Command::new(BIN)
        .args(["db", "url", "--data-dir"])
        .arg(&data_dir)
        .output()
        .expect("url");
    let url = String::from_utf8_lossy(&url.stdout);
    assert!(
        url.starts_with("postgres://rummet:")
            && url
                .trim()
                .ends_with(&format!("@127.0.0.1:{new_port}/rummet")),
        "{url}"
    );
    let second = get_json(&format!("{}/catalog", server.url)).await;
    let again: Vec<_> = second["datasets"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["version"].clone())
        .collect();
    assert_eq!(
        versions, again,
        "the second start reuses the loaded data instead of reloading it"
    );
    stop(server);
    assert!(!postmaster_running(&data_dir));
}

#[test]
fn every_command_has_help_that_says_what_it_does() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["load", "--help"],
        &["seed", "--help"],
        &["export", "--help"],
        &["datasets", "--help"],
        &["db", "--help"],
        &["db", "start", "--help"],
        &["db", "url", "--help"],
    ] {
        let out = Command::new(BIN).args(args).output().expect("run");
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Usage:") && text.lines().next().is_some_and(|l| l.len() > 10),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn a_zoom_range_that_runs_backwards_or_past_24_is_refused_before_any_work() {
    for (args, needle) in [
        (&["seed", "kommun", "--zooms", "12-9"][..], "runs backwards"),
        (&["export", "kommun", "--zooms", "0-25"], "from 0 to 24"),
    ] {
        let out = Command::new(BIN)
            .args(args)
            .args(["--data-dir", "/nonexistent"])
            .output()
            .expect("run");
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn loading_an_unknown_dataset_fails_with_one_line_and_a_nonzero_exit() {
    let out = Command::new(BIN)
        .args(["load", "vagar", "--data-dir", "/nonexistent"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("unknown dataset \"vagar\""), "{err}");
}

/// The status line of `GET url`, or `None` when nothing answers.
async fn status_of(url: &str) -> Option<String> {
    let url = url.strip_prefix("http://")?;
    let (host, path) = url.split_once('/').map_or((url, "/"), |(h, p)| (h, p));
    let mut stream = tokio::net::TcpStream::connect(host).await.ok()?;
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
        .await
        .ok()?;
    let mut response = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut response)
        .await
        .ok()?;
    String::from_utf8_lossy(&response)
        .lines()
        .next()
        .map(str::to_owned)
}

#[tokio::test]
async fn serve_restarts_a_killed_postgres_on_its_port_and_stops_a_cluster_it_did_not_start() {
    let (_dir, data_dir) = fresh_data_dir();
    // Started by hand first, as after a crash of an earlier server.
    let started = Command::new(BIN)
        .args(["db", "start", "--data-dir"])
        .arg(&data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("db start");
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let server = serve_with(&data_dir, &["--no-demo"]);
    let port = std::fs::read_to_string(data_dir.join("port")).expect("port file");
    let pid: i32 = std::fs::read_to_string(data_dir.join("postgres/data/postmaster.pid"))
        .expect("pid file")
        .lines()
        .next()
        .and_then(|p| p.trim().parse().ok())
        .expect("pid");
    kill(Pid::from_raw(pid), Signal::SIGKILL).expect("kill -9 the postmaster");
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let status = status_of(&format!("{}/ready", server.url)).await;
        // A new postmaster, not the killed one still being reaped, and answering.
        let now: Option<i32> =
            std::fs::read_to_string(data_dir.join("postgres/data/postmaster.pid"))
                .ok()
                .and_then(|t| t.lines().next().and_then(|p| p.trim().parse().ok()));
        if status.as_deref().is_some_and(|s| s.contains(" 200"))
            && now.is_some_and(|p| p != pid)
            && postmaster_running(&data_dir)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "PostgreSQL was not back within 45 s: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        std::fs::read_to_string(data_dir.join("port")).expect("port file"),
        port,
        "the restarted cluster keeps its port, so saved connections keep working"
    );
    assert_eq!(
        get_json(&format!("{}/catalog", server.url)).await["datasets"],
        serde_json::json!([])
    );
    stop(server);
    assert!(
        !postmaster_running(&data_dir),
        "the server stops the cluster it runs on, whoever started it"
    );
}
