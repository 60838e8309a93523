//! Listens for `NOTIFY rummet_datasets` from loads (on any machine) and refreshes the
//! registry view and the tile cache of the reloaded dataset at once. On a lost connection it
//! reconnects with backoff and re-reads the whole registry, since notifications sent while
//! disconnected are lost.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rummet_core::DatasetId;
use rummet_loaders::pipeline::NOTIFY_CHANNEL;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::app::App;

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs the listener until the task is aborted.
pub async fn listen(app: Arc<App>) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match listen_once(&app).await {
            Ok(()) => backoff = Duration::from_millis(500),
            Err(e) => tracing::warn!("dataset listener: {e}; retrying in {backoff:?}"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn listen_once(app: &Arc<App>) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = app.pg_config.connect(NoTls).await?;
    let (sender, mut payloads) = mpsc::unbounded_channel::<String>();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if sender.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("dataset listener connection: {e}");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
        .await?;
    if let Err(e) = app.datasets.reload_all(&app.pool).await {
        tracing::warn!("re-reading the registry: {e}");
    }
    while let Some(payload) = payloads.recv().await {
        let Ok(id) = DatasetId::parse(&payload) else {
            continue;
        };
        match app.datasets.reload(&app.pool, &id).await {
            Ok(fresh) => {
                tracing::info!(dataset = %id, version = fresh.map(|d| d.version), "dataset reloaded");
                app.tiles.cache().invalidate_dataset(&id);
            }
            Err(e) => tracing::warn!(dataset = %id, "re-reading a reloaded dataset: {e}"),
        }
    }
    driver.abort();
    Ok(())
}

/// Spawns [`listen`] on the runtime.
#[must_use]
pub fn spawn(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(listen(app))
}
