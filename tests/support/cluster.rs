//! One PostGIS cluster per test run, stopped and removed when the test process exits.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use rummet::config::Config;
use rummet::db::{self, CLUSTER_DB, ManagedCluster, pool};
use rummet_core::escape_identifier;
use tokio_postgres::NoTls;

const TEMPLATE: &str = "rummet_template";

pub struct Shared {
    pub cluster: ManagedCluster,
    pub dir: PathBuf,
}

static SHARED: OnceLock<Shared> = OnceLock::new();

/// The run's cluster, started on first use. Without PostgreSQL and PostGIS this panics with
/// the reason, so no test can pass without a real database.
pub fn shared_cluster() -> &'static Shared {
    SHARED.get_or_init(|| {
        // Set up on a thread of its own: each test has its own runtime, and connections
        // made here must not belong to any of them.
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(setup())
        })
        .join()
        .unwrap_or_else(|_| panic!("test cluster setup failed (see above)"))
    })
}

async fn setup() -> Shared {
    let dir = tempfile::Builder::new()
        .prefix("rummet-test-")
        .tempdir_in("/tmp")
        .expect("temp dir")
        .keep();
    // Run as root, the cluster runs as `postgres`, which must be able to enter the directory.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let cluster = ManagedCluster::new(&dir)
        .unwrap_or_else(|e| panic!("the tests need PostgreSQL with PostGIS, and: {e}"));
    cluster
        .start()
        .await
        .unwrap_or_else(|e| panic!("starting the test cluster in {}: {e}", dir.display()));
    register_teardown();

    let admin = connect(&cluster, CLUSTER_DB).await;
    admin
        .batch_execute(&format!("CREATE DATABASE {}", escape_identifier(TEMPLATE)))
        .await
        .expect("create template database");
    let pg = cluster.connect_config(TEMPLATE).expect("config");
    let template_pool = pool::build(pg, &Config::default().db).expect("pool");
    {
        let mut client = template_pool.get().await.expect("template connection");
        db::migrate(&mut client).await.expect("migrations");
    }
    rummet::demo::load_missing(&template_pool)
        .await
        .expect("demo data");
    template_pool.close();
    Shared { cluster, dir }
}

/// A connection to `dbname` on `cluster` over its socket, as its superuser.
pub async fn connect(cluster: &ManagedCluster, dbname: &str) -> tokio_postgres::Client {
    let (client, conn) = cluster
        .connect_config(dbname)
        .expect("cluster runs")
        .connect(NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

extern "C" fn teardown() {
    if let Some(shared) = SHARED.get() {
        if let Err(e) = shared.cluster.stop_blocking() {
            eprintln!("stopping the test cluster: {e}");
        }
        let _ = std::fs::remove_dir_all(&shared.dir);
    }
}

fn register_teardown() {
    // The test harness ends with `exit`, which runs `atexit` handlers: the cluster is stopped
    // even though statics are never dropped.
    #[expect(
        unsafe_code,
        reason = "atexit is the only hook that runs when the test harness exits"
    )]
    // SAFETY: `teardown` is a plain extern "C" fn with no arguments, as atexit requires.
    unsafe {
        libc::atexit(teardown);
    }
}

/// A database of one test's own, cloned from the template (schema + demo data).
pub struct TestDb {
    pub name: String,
    pub pg_config: tokio_postgres::Config,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new() -> Self {
        let shared = shared_cluster();
        let name = format!(
            "t{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = connect(&shared.cluster, CLUSTER_DB).await;
        let create = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            escape_identifier(&name),
            escape_identifier(TEMPLATE)
        );
        // The template's last connections may still be closing right after setup.
        let mut tries = 0;
        while let Err(e) = admin.batch_execute(&create).await {
            tries += 1;
            assert!(tries < 50, "creating {name}: {e}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let pg_config = shared.cluster.connect_config(&name).expect("config");
        Self { name, pg_config }
    }

    /// A connection string for `--database-url`.
    pub fn url(&self) -> String {
        let host = match &self.pg_config.get_hosts()[0] {
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
        };
        format!(
            "host={host} port={} user=rummet dbname={}",
            self.pg_config.get_ports()[0],
            self.name
        )
    }

    /// How many dataset version tables the data schema holds (besides the statistics overlays
    /// the registry lists).
    pub async fn data_tables(&self) -> i64 {
        self.client()
            .await
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'rummet_data'
                   AND tablename NOT IN (SELECT table_name FROM rummet.overlays)",
                &[],
            )
            .await
            .expect("count")
            .get(0)
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&shared_cluster().cluster, &self.name).await
    }
}
