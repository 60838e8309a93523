//! A real streaming replica of a managed cluster (`pg_basebackup -R`, `standby.signal`),
//! started by the test: tiles, statistics and OGC items are read from it once it has
//! replayed the version served, from the primary while it has not (replay paused), and a
//! read the replica cancels for recovery is told apart so the primary can answer it.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rummet::app::{App, AppState};
use rummet::config::Config;
use rummet::db::{self, ManagedCluster, QueryError, pool};
use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, SourceFormat};
use serde_json::{Value, json};

use crate::support::{connect, decode, geojson, get_with};

/// A square reserve of `half` metres around SWEREF 99 TM (e, n) near Jönköping.
fn reserve(name: &str, (e, n): (f64, f64), half: f64) -> (Value, Value) {
    let ring = [
        (-half, -half),
        (half, -half),
        (half, half),
        (-half, half),
        (-half, -half),
    ]
    .map(|(dx, dy)| [e + dx, n + dy]);
    (
        json!({"NVRID": name, "NAMN": name, "SKYDDSTYP": "Naturreservat", "BESLSTATUS": "Gällande",
               "IUCNKAT": "IV", "AREA_HA": (2.0 * half).powi(2) / 10_000.0}),
        json!({"type": "Polygon", "coordinates": [ring]}),
    )
}

/// Reads counted by where they went, from `/metrics`.
async fn reads(state: &AppState, target: &str) -> f64 {
    let text = String::from_utf8_lossy(&get_with(state, "/metrics").await.body).into_owned();
    text.lines()
        .find(|l| {
            l.starts_with("rummet_db_reads_total") && l.contains(&format!("target=\"{target}\""))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// The tile over the reserves, decoded: feature names.
async fn names_in_tile(state: &AppState) -> Vec<String> {
    let tile = get_with(state, "/tiles/naturreservat/10/552/309.mvt").await;
    assert!(tile.status.is_success(), "{}", tile.status);
    let mut names: Vec<String> = decode(&tile.body)
        .into_iter()
        .flat_map(|l| l.features)
        .filter_map(|f| f.get("namn").cloned())
        .collect();
    names.sort();
    names
}

/// A primary with the demo divisions and a streaming replica of it whose replay never
/// waits for readers; the primary's pool and the replica's connection string.
async fn primary_and_replica(dir: &std::path::Path) -> (Clusters, deadpool_postgres::Pool, String) {
    let primary = ManagedCluster::new(&dir.join("primary"))
        .expect("PostgreSQL")
        .with_replication(true);
    primary.start().await.expect("primary starts");
    let mut clusters = Clusters(vec![primary.clone()]);
    let pg = primary.connect_config(db::CLUSTER_DB).expect("config");
    let primary_pool = pool::build(pg, &Config::default().db).expect("pool");
    db::migrate(&mut primary_pool.get().await.expect("connection"))
        .await
        .expect("migrations");
    rummet::demo::load_missing(&primary_pool)
        .await
        .expect("demo divisions");

    let replica = ManagedCluster::new(&dir.join("replica"))
        .expect("PostgreSQL")
        .with_replication(true);
    replica.replicate_from(&primary).await.expect("base backup");
    // Replay never waits for a replica's readers: a conflict cancels them at once.
    let auto = replica.pgdata().join("postgresql.auto.conf");
    let mut conf = std::fs::read_to_string(&auto).expect("auto.conf");
    conf.push_str("max_standby_streaming_delay = 0\n");
    std::fs::write(&auto, conf).expect("auto.conf");
    replica.start().await.expect("replica starts");
    clusters.0.push(replica.clone());
    let rc = replica.connect_config(db::CLUSTER_DB).expect("config");
    let url = format!(
        "host={} port={} user={} dbname={}",
        replica.socket_dir().display(),
        rc.get_ports()[0],
        db::CLUSTER_USER,
        db::CLUSTER_DB
    );
    (clusters, primary_pool, url)
}

/// Asks for a page of items until one is read from the replica.
async fn until_read_from_replica(state: &AppState) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let before = reads(state, "replica").await;
        let items = get_with(state, "/collections/naturreservat/items?limit=1").await;
        assert_eq!(
            items.status,
            200,
            "{}",
            String::from_utf8_lossy(&items.body)
        );
        if reads(state, "replica").await > before {
            return;
        }
        assert!(Instant::now() < deadline, "the replica never caught up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A reader on the replica, cancelled by replay when the primary drops the table it reads:
/// the error is told apart as a recovery conflict, which the services ask the primary again.
async fn a_recovery_cancel_is_told_apart(
    primary: &ManagedCluster,
    replica: tokio_postgres::Client,
) {
    let on_primary = connect(primary, db::CLUSTER_DB).await;
    on_primary
        .batch_execute("CREATE TABLE rummet_data.scratch AS SELECT 1 AS x")
        .await
        .expect("scratch table");
    let deadline = Instant::now() + Duration::from_secs(30);
    while replica
        .query_opt("SELECT 1 FROM pg_tables WHERE tablename = 'scratch'", &[])
        .await
        .expect("replica")
        .is_none()
    {
        assert!(Instant::now() < deadline, "the replica never saw the table");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reader = tokio::spawn(async move {
        replica
            .query("SELECT pg_sleep(10) FROM rummet_data.scratch", &[])
            .await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    on_primary
        .batch_execute("DROP TABLE rummet_data.scratch")
        .await
        .expect("drop");
    let cancelled = tokio::time::timeout(Duration::from_secs(20), reader)
        .await
        .expect("the reader ends")
        .expect("task");
    let err = cancelled.expect_err("replay cancels the reader");
    assert!(
        matches!(QueryError::from(err), QueryError::RecoveryConflict(_)),
        "a recovery conflict"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_replica_serves_only_versions_it_has_replayed_and_its_recovery_cancels_are_told_apart()
 {
    let dir = tempfile::Builder::new()
        .prefix("rummet-replica-")
        .tempdir_in("/tmp")
        .expect("dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (clusters, primary_pool, read_url) = primary_and_replica(dir.path()).await;
    let config = Config {
        database_read_url: vec![read_url],
        allowed_hosts: vec!["rummet.test".into()],
        ..Config::default()
    };
    let pg = clusters.0[0]
        .connect_config(db::CLUSTER_DB)
        .expect("config");
    let state = AppState(Arc::new(App::new(config, pg, primary_pool).await));
    let mut entry = catalog::get(&DatasetId::parse("naturreservat").expect("id"))
        .expect("catalog")
        .clone();
    entry.source.format = SourceFormat::GeoJson;
    entry.source.file = "NR.geojson".into();

    // Version 1, once replayed, is read from the replica.
    geojson::load_into(
        &state,
        &entry,
        vec![reserve("Första", (460_000.0, 6_405_000.0), 800.0)],
    )
    .await;
    until_read_from_replica(&state).await;
    assert_eq!(names_in_tile(&state).await, ["Första"]);

    // Replay paused: version 2 is not on the replica, so nothing of it is read there.
    let on_replica = connect(&clusters.0[1], db::CLUSTER_DB).await;
    on_replica
        .batch_execute("SELECT pg_wal_replay_pause()")
        .await
        .expect("pause");
    let second = vec![
        reserve("Andra", (460_000.0, 6_405_000.0), 800.0),
        reserve("Tredje", (461_500.0, 6_405_000.0), 400.0),
    ];
    geojson::load_into(&state, &entry, second).await;
    let (on_replica_before, on_primary_before) = (
        reads(&state, "replica").await,
        reads(&state, "primary").await,
    );
    assert_eq!(
        names_in_tile(&state).await,
        ["Andra", "Tredje"],
        "never a mix of versions"
    );
    let counted = get_with(
        &state,
        "/api/stats/naturreservat?by=lan&measure=count&in=lan:06",
    )
    .await;
    assert_eq!(
        counted.json()["rows"][0]["value"].as_f64(),
        Some(2.0),
        "{}",
        counted.json()
    );
    let items = get_with(&state, "/collections/naturreservat/items")
        .await
        .json();
    assert_eq!(items["numberMatched"], 2, "{items}");
    assert!(
        (reads(&state, "replica").await - on_replica_before).abs() < 0.5,
        "the lagging replica was read"
    );
    assert!(reads(&state, "primary").await >= on_primary_before + 3.0);

    // Replay resumed: the replica catches up and is read again.
    on_replica
        .batch_execute("SELECT pg_wal_replay_resume()")
        .await
        .expect("resume");
    until_read_from_replica(&state).await;

    a_recovery_cancel_is_told_apart(&clusters.0[0], on_replica).await;
    drop(clusters);
}

/// Clusters stopped when the test ends, however it ends.
struct Clusters(Vec<ManagedCluster>);

impl Drop for Clusters {
    fn drop(&mut self) {
        for c in self.0.iter().rev() {
            let _ = c.stop_blocking();
        }
    }
}
