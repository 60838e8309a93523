//! A pooled connection that stops its query when the request using it goes away (the client
//! hung up, or the request deadline cut it off): dropped before [`Guarded::release`], it
//! cancels whatever it is running and leaves the pool closed, so neither PostgreSQL works on
//! for nobody, holding a connection of a small pool for up to its statement timeout, nor can
//! the cancel reach the next request's query on a connection handed on.

use std::ops::Deref;

use deadpool_postgres::Object;

/// The guarded connection.
pub struct Guarded(Option<Object>);

impl Guarded {
    /// Guards `client` until [`Guarded::release`].
    #[must_use]
    pub fn new(client: Object) -> Self {
        Self(Some(client))
    }

    /// The work is done (well or not): the connection goes back to the pool as usual.
    pub fn release(mut self) {
        drop(self.0.take());
    }
}

impl Deref for Guarded {
    type Target = tokio_postgres::Client;

    fn deref(&self) -> &tokio_postgres::Client {
        // Only `release` and `drop`, which consume the guard, empty it.
        match &self.0 {
            Some(object) => object,
            None => unreachable!("a guard is emptied only as it ends"),
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        let Some(client) = self.0.take() else {
            return;
        };
        let token = client.cancel_token();
        // Out of the pool: closed once the cancel is sent, never reused.
        let detached = Object::take(client);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = token.cancel_query(tokio_postgres::NoTls).await {
                    tracing::debug!("cancelling an abandoned query: {e}");
                }
                drop(detached);
            });
        }
    }
}
