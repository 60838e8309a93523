//! The in-process tile path through the production router, at several zooms over the demo
//! kommun layer: an L1 (moka) hit; an L2 hit (L1 off, the tile read from `rummet.tiles`,
//! zooms up to 10); an L3 render by `ST_AsMVT` (L1 and L2 off).
//! Run: `cargo bench -p rummet-benches --bench tiles`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{BenchmarkId, Criterion};
use rummet::config::{CacheConfig, Config};
use rummet_benches::Fixture;
use rummet_core::TileCoord;
use tower::ServiceExt;

/// Stockholm, where the kommuner are smallest and tiles densest.
const LON: f64 = 18.07;
const LAT: f64 = 59.33;

async fn fetch(router: axum::Router, uri: &str) {
    let res = router
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    assert!(
        matches!(res.status(), StatusCode::OK | StatusCode::NO_CONTENT),
        "{uri}: {}",
        res.status()
    );
    let _ = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fixture = rt.block_on(Fixture::start());
    let warm = rummet::http::router(rt.block_on(fixture.app(Config::default())));
    let stored = rummet::http::router(rt.block_on(fixture.app(Config {
        cache: CacheConfig { size_mb: 0 },
        ..Config::default()
    })));
    let mut config = Config::default();
    config.cache.size_mb = 0;
    config.tiles.prerendered = false;
    let cold = rummet::http::router(rt.block_on(fixture.app(config)));

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("tile");
    for z in [4u8, 8, 12, 14] {
        let uri = format!("/tiles/kommun/{}.mvt", TileCoord::containing(z, LON, LAT));
        rt.block_on(fetch(warm.clone(), &uri));
        group.bench_with_input(BenchmarkId::new("l1_hit", z), &uri, |b, uri| {
            b.to_async(&rt).iter(|| fetch(warm.clone(), uri));
        });
        if z <= 10 {
            // The first request stores the tile in L2.
            rt.block_on(fetch(stored.clone(), &uri));
            group.bench_with_input(BenchmarkId::new("l2_hit", z), &uri, |b, uri| {
                b.to_async(&rt).iter(|| fetch(stored.clone(), uri));
            });
        }
        group.bench_with_input(BenchmarkId::new("l3_render", z), &uri, |b, uri| {
            b.to_async(&rt).iter(|| fetch(cold.clone(), uri));
        });
    }
    group.finish();
    c.final_summary();
    drop((warm, stored, cold));
    fixture.stop();
}
