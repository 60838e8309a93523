//! `rummet serve`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use tokio::sync::watch;

use super::database::Database;
use crate::app::{App, AppState};
use crate::config::{Config, Overrides};
use crate::{demo, http, notify};
use rummet_core::DatasetId;

#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:3000).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Base URL clients reach the server at, for TileJSON and styles behind a proxy.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Do not load the bundled demo data.
    #[arg(long)]
    no_demo: bool,
}

impl ServeArgs {
    pub(super) fn apply(&self, o: &mut Overrides) {
        o.listen = self.listen;
        o.public_url.clone_from(&self.public_url);
        if self.no_demo {
            o.demo = Some(false);
        }
    }
}

pub(super) async fn run(config: Config) -> anyhow::Result<()> {
    // Listen for Ctrl-C/SIGTERM from the very start, so a signal during start-up (the cluster
    // starting, the demo loading) still ends in a clean stop of the cluster.
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    // Opening is bounded (pg_ctl waits at most 60 s) and is let finish, so a cluster it
    // started is known and stopped below.
    let db = Database::open_owned(&config).await?;
    let result = if *stop.borrow() {
        Ok(())
    } else {
        serve(&config, &db, stop).await
    };
    db.close().await;
    result
}

async fn serve(
    config: &Config,
    db: &Database,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut seeding = None;
    if config.demo {
        tokio::select! {
            loaded = demo::load_missing(&db.pool) => {
                let ids = loaded?
                    .into_iter()
                    .filter_map(|r| DatasetId::parse(&r.id).ok())
                    .collect::<Vec<_>>();
                if !ids.is_empty() {
                    seeding = Some(ids);
                }
            }
            // Dropping the load rolls its transaction back: nothing half-loaded remains.
            _ = stop.wait_for(|s| *s) => return Ok(()),
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let app = Arc::new(App::new(config.clone(), db.pg_config.clone(), db.pool.clone()).await);
    let listen_task = notify::spawn(app.clone());
    let supervisor = db.supervise(stop.clone());
    let stopping = stop.clone();
    let addr = listener.local_addr()?;
    println!("rummet listening on http://{addr}");
    // Pre-rendering runs beside the server in this task (its futures are not `Send` for
    // spawning), and ends with it.
    let pre_render = async {
        if let Some(ids) = seeding {
            demo::seed_in_background(db.pool.clone(), ids).await;
        }
        std::future::pending::<()>().await;
    };
    let metrics_listener = match config.metrics.listen {
        Some(at) => Some(
            tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen for metrics on {at}"))?,
        ),
        None => None,
    };
    let metrics_stop = stop.clone();
    let metrics_router = http::metrics_router(AppState(app.clone()));
    let metrics_serving = async move {
        match metrics_listener {
            Some(listener) => {
                println!("metrics on http://{}", listener.local_addr()?);
                http::serve::serve(listener, metrics_router, &config.limits, async move {
                    let mut stop = metrics_stop;
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
            }
            None => std::future::pending().await,
        }
    };
    let serving = http::serve::serve(
        listener,
        http::router(AppState(app)),
        &config.limits,
        async move {
            let _ = stop.wait_for(|s| *s).await;
        },
    );
    let outcome = tokio::select! {
        result = serving => result.context("HTTP server"),
        result = metrics_serving => result.context("metrics listener"),
        () = pre_render => Ok(()),
    };
    listen_task.abort();
    if let Some(s) = supervisor {
        if *stopping.borrow() {
            // Let a restart in progress finish, so the cluster stopped next is the one
            // running; the supervisor returns at its next check.
            let _ = s.await;
        } else {
            s.abort();
        }
    }
    outcome
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
