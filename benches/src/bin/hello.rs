//! A bare axum hello-world: the ceiling an axum server reaches on this machine, against
//! which the warm tile path is measured (`benches/serve/run.sh`).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3999".into());
    let app =
        axum::Router::new().route("/{*path}", axum::routing::get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
