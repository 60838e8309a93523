//! `rummet load` as a steward runs it: dry runs, whole directories, and a load killed with
//! SIGKILL halfway, which must leave the previous version serving and nothing behind.

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rummet_core::DatasetId;
use rummet_loaders::catalog;

use crate::support::{TestDb, fixtures};

const BIN: &str = env!("CARGO_BIN_EXE_rummet");

pub(crate) fn rummet(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--database-url")
        .arg(db.url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run rummet")
}

/// `rummet load <id> --file <path>`, which must succeed.
fn load_file(db: &TestDb, id: &str, path: &std::path::Path) {
    let out = rummet(db, &["load", id, "--file", &path.display().to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) async fn version(db: &TestDb, id: &str) -> Option<i64> {
    db.client()
        .await
        .query_opt("SELECT version FROM rummet.datasets WHERE id = $1", &[&id])
        .await
        .expect("registry")
        .map(|r| r.get(0))
}

#[tokio::test]
async fn a_dry_run_validates_and_reports_but_changes_nothing() {
    let db = TestDb::new().await;
    let before = version(&db, "kommun").await;
    let out = rummet(&db, &["load", "kommun", "--dry-run", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(reports[0]["rows_loaded"], 290);
    assert_eq!(reports[0]["dry_run"], true);
    assert_eq!(version(&db, "kommun").await, before);
    assert_eq!(db.data_tables().await, 3);
}

#[tokio::test]
async fn load_all_picks_the_catalog_files_in_a_directory_and_reports_each() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    // RAÄ's national file holds the point, line and polygon layers side by side.
    for id in [
        "naturreservat",
        "lamningar",
        "lamningar_linje",
        "lamningar_yta",
        "pipos_service",
    ] {
        let entry = catalog::get(&DatasetId::parse(id).expect("id")).expect("entry");
        fixtures::write(entry, dir.path());
    }
    std::fs::write(dir.path().join("unrelated.txt"), "not a dataset").expect("write");
    let out = rummet(
        &db,
        &["load", "--all", "--dir", &dir.path().display().to_string()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for id in [
        "naturreservat",
        "lamningar",
        "lamningar_linje",
        "lamningar_yta",
        "pipos_service",
    ] {
        assert!(stdout.contains(&format!("loaded {id} version")), "{stdout}");
        assert!(version(&db, id).await.is_some(), "{id} is registered");
    }
    assert!(
        stdout.contains("1 filtered"),
        "naturreservat drops the decision not in force: {stdout}"
    );
}

#[tokio::test]
async fn a_failed_load_exits_non_zero_with_one_line_naming_the_file() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("NR.zip");
    std::fs::write(&bad, b"PK\x03\x04 this is not really a zip").expect("write");
    let out = rummet(
        &db,
        &[
            "load",
            "naturreservat",
            "--file",
            &bad.display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines[0].contains("NR.zip") && lines[0].contains("not a readable zip"),
        "{stderr}"
    );
    assert!(lines.len() <= 2, "{stderr}");
}

#[tokio::test]
async fn a_load_killed_halfway_leaves_the_old_version_serving_and_nothing_behind() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let small = dir.path().join("small");
    std::fs::create_dir(&small).expect("dir");
    let entry = catalog::get(&DatasetId::parse("pipos_service").expect("id")).expect("entry");
    let good = fixtures::write(entry, &small);
    load_file(&db, "pipos_service", &good);
    let serving = version(&db, "pipos_service").await;

    // Big enough that the load is still copying when it is killed.
    let big = dir.path().join("serviceanalys.csv");
    let mut text = String::from("Typ;Namn;Kommun;Ort;X;Y\r\n");
    for i in 0..400_000 {
        let _ = write!(
            text,
            "Dagligvaror;Butik {i};Jönköping;Huskvarna;{};{}\r\n",
            450_000 + i % 5000,
            6_400_000 + i % 7000
        );
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    std::fs::write(&big, bytes).expect("write");
    let mut child = Command::new(BIN)
        .args([
            "load",
            "pipos_service",
            "--file",
            &big.display().to_string(),
            "--database-url",
            &db.url(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the load finished before it could be killed; make the file bigger"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    // PostgreSQL rolls the dead session back once it notices the closed socket.
    let client = db.client().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let others: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .await
            .expect("activity")
            .get(0);
        if others == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the killed load's session never ended"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        version(&db, "pipos_service").await,
        serving,
        "the old version keeps serving"
    );
    assert_eq!(
        db.data_tables().await,
        4,
        "three demo datasets and pipos_service, nothing else"
    );

    // And the next load goes through.
    load_file(&db, "pipos_service", &good);
}

#[tokio::test]
async fn tables_no_dataset_version_uses_are_dropped_at_the_next_start() {
    let db = TestDb::new().await;
    db.client()
        .await
        .batch_execute("CREATE TABLE rummet_data.kommun_v999 (fid bigint)")
        .await
        .expect("stray table");
    assert_eq!(db.data_tables().await, 4);
    let out = rummet(&db, &["datasets"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        db.data_tables().await,
        3,
        "the stray table is gone, the serving ones stay"
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    for id in [
        "naturreservat",
        "nvdb_vagnat",
        "lamningar",
        "pipos_service",
        "kommun",
    ] {
        assert!(listing.contains(id), "{listing}");
    }
}
