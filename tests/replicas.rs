//! Two `rummet serve` processes sharing one PostGIS behind nginx on loopback, as a
//! deployment runs them: a load through the command line is seen by both (NOTIFY), they
//! answer a tile with the same `ETag`, the pre-rendered store is shared, and a reload drops the
//! old tile everywhere.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::load_cli::rummet;
use crate::support::TestDb;

const BIN: &str = env!("CARGO_BIN_EXE_rummet");

/// Child processes stopped when the test ends, however it ends: asked with SIGTERM first —
/// nginx's master stops its workers only then (killed, it would leave them running, holding
/// the port) — and killed if still there after five seconds.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            if let Ok(pid) = i32::try_from(child.id()) {
                #[expect(unsafe_code, reason = "kill(2) on our own child's pid")]
                unsafe {
                    libc::kill(pid, libc::SIGTERM);
                }
            }
        }
        for child in &mut self.0 {
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// GET `url`: status, headers and body, or `None` when nothing answers.
async fn get(url: &str) -> Option<(u16, plain_http::Headers, Vec<u8>)> {
    plain_http::get(url).await
}

/// A small HTTP/1.1 GET over a plain socket (loopback only): no HTTP client dependency.
mod plain_http {
    use std::collections::HashMap;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    pub type Headers = HashMap<String, String>;

    pub async fn get(url: &str) -> Option<(u16, Headers, Vec<u8>)> {
        let rest = url.strip_prefix("http://")?;
        let (host, path) = rest
            .split_once('/')
            .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
        let mut stream = tokio::net::TcpStream::connect(host).await.ok()?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.ok()?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect::<Headers>();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .get("transfer-encoding")
            .is_some_and(|t| t == "chunked")
        {
            body = unchunk(&body);
        }
        Some((status, headers, body))
    }

    fn unchunk(mut data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                break;
            }
            let start = end + 2;
            out.extend_from_slice(&data[start..(start + size).min(data.len())]);
            data = &data[(start + size + 2).min(data.len())..];
        }
        out
    }
}

async fn wait_until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < limit,
            "{what} did not happen within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

fn serve(db: &TestDb, port: u16, log: &Path) -> Child {
    Command::new(BIN)
        .args([
            "serve",
            "--no-demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &db.url(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("rummet serve starts")
}

fn nginx(dir: &Path, port: u16, upstreams: [u16; 2]) -> Child {
    // As root, nginx's workers would run as nobody and could not use the test's private
    // directory; they run as the user that starts it.
    #[expect(unsafe_code, reason = "geteuid has no preconditions")]
    let root = unsafe { libc::geteuid() } == 0;
    let user = if root { "user root;" } else { "" };
    let d = dir.display();
    let conf = format!(
        "{user}\nworker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{}}\nhttp {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         upstream rummet {{ server 127.0.0.1:{}; server 127.0.0.1:{}; }}\n\
         server {{ listen 127.0.0.1:{port};\n  location / {{ proxy_pass http://rummet; proxy_set_header Host $host;\n\
         proxy_set_header X-Request-Id $request_id; proxy_http_version 1.1; proxy_set_header Connection \"\"; }} }}\n}}\n",
        upstreams[0], upstreams[1]
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).expect("nginx.conf");
    let bin = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|b| Path::new(b).exists())
        .unwrap_or("nginx");
    Command::new(bin)
        .args([
            "-p",
            &dir.display().to_string(),
            "-c",
            &path.display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx runs (deploy/test.sh installs nginx-light)")
}

fn squares(dir: &Path, count: usize) -> String {
    let features: Vec<_> = (0..count)
        .map(|i| {
            let lon = 14.0 + 0.05 * f64::from(u32::try_from(i).unwrap_or(0));
            json!({"type": "Feature", "properties": {"NAMN": format!("Område {i}")},
                   "geometry": {"type": "Polygon", "coordinates": [[[lon, 57.5], [lon, 57.53], [lon + 0.03, 57.53], [lon + 0.03, 57.5], [lon, 57.5]]]}})
        })
        .collect();
    let path = dir.join(format!("riksintressen_vindbruk_{count}.geojson"));
    std::fs::write(
        &path,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .expect("write");
    path.display().to_string()
}

fn load(db: &TestDb, file: &str) {
    let out = rummet(db, &["load", "riksintresse_vindbruk", "--file", file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_behind_nginx_see_one_load_answer_alike_and_share_the_store() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b, front) = (free_port(), free_port(), free_port());
    let mut children = Processes(vec![
        serve(&db, a, &dir.path().join("a.log")),
        serve(&db, b, &dir.path().join("b.log")),
    ]);
    for port in [a, b] {
        wait_until("a replica ready", Duration::from_mins(1), async || {
            get(&format!("http://127.0.0.1:{port}/ready"))
                .await
                .is_some_and(|(s, ..)| s == 200)
        })
        .await;
    }
    children.0.push(nginx(dir.path(), front, [a, b]));
    wait_until("nginx answering", Duration::from_secs(10), async || {
        get(&format!("http://127.0.0.1:{front}/health"))
            .await
            .is_some_and(|(s, ..)| s == 200)
    })
    .await;

    // A load through the command line reaches both (NOTIFY); nginx answers from either.
    load(&db, &squares(dir.path(), 3));
    let listed = async |port: u16| {
        get(&format!("http://127.0.0.1:{port}/catalog"))
            .await
            .is_some_and(|(_, _, body)| {
                String::from_utf8_lossy(&body).contains("\"riksintresse_vindbruk\"")
            })
    };
    for port in [a, b] {
        let took = wait_until("the load seen", Duration::from_secs(10), async || {
            listed(port).await
        })
        .await;
        eprintln!("replica on {port} saw the load after {took:?}");
    }
    for _ in 0..4 {
        assert!(
            listed(front).await,
            "nginx answered from a replica without the load"
        );
    }

    // The same tile from each replica: the same bytes, so the same ETag; the load stored it
    // (zooms 0-10 are pre-rendered), and B reads it from the shared store, rendering nothing.
    let tile = "/tiles/riksintresse_vindbruk/8/137/77.mvt";
    let (status_a, head_a, _) = get(&format!("http://127.0.0.1:{a}{tile}"))
        .await
        .expect("A answers");
    assert_eq!(status_a, 200);
    let (_, head_b, _) = get(&format!("http://127.0.0.1:{b}{tile}"))
        .await
        .expect("B answers");
    assert_eq!(head_a.get("etag"), head_b.get("etag"));
    let (_, _, metrics) = get(&format!("http://127.0.0.1:{b}/metrics"))
        .await
        .expect("B's metrics");
    let metrics = String::from_utf8_lossy(&metrics).into_owned();
    assert!(
        metrics.contains("rummet_tiles_total{level=\"l2\",zoom=\"8\"} 1"),
        "B rendered instead of reading A's tile:\n{metrics}"
    );

    // A reload with other data: both replicas drop the old tile and answer the new one alike.
    let old = head_a.get("etag").cloned();
    load(&db, &squares(dir.path(), 1));
    for port in [a, b] {
        wait_until(
            "the old tile dropped",
            Duration::from_secs(10),
            async || {
                get(&format!("http://127.0.0.1:{port}{tile}"))
                    .await
                    .is_some_and(|(_, h, _)| h.get("etag") != old.as_ref())
            },
        )
        .await;
    }
    let (_, new_a, _) = get(&format!("http://127.0.0.1:{a}{tile}"))
        .await
        .expect("A");
    let (_, new_b, _) = get(&format!("http://127.0.0.1:{b}{tile}"))
        .await
        .expect("B");
    assert_eq!(new_a.get("etag"), new_b.get("etag"));
    drop(children);
}
