//! Serving: [`spawn`] binds and serves in the background; [`RunningEmulator`] reports where
//! and stops it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::app;
use crate::config::Config;
use crate::connection::{ConnectionSwitch, KillableListener};
use crate::error::Error;
use crate::state::Emulator;

/// Starts an emulator on `listen` (port 0 picks a free port) and serves it in the background
/// on the current tokio runtime.
pub async fn spawn(config: Config, listen: SocketAddr) -> Result<RunningEmulator, Error> {
    spawn_emulator(Emulator::new(config)?, listen).await
}

/// Serves an already built [`Emulator`] (e.g. one on a manual clock).
pub async fn spawn_emulator(
    emulator: Emulator,
    listen: SocketAddr,
) -> Result<RunningEmulator, Error> {
    let bind_error = |source| Error::Bind {
        address: listen,
        source,
    };
    let listener = TcpListener::bind(listen).await.map_err(bind_error)?;
    let local_addr = listener.local_addr().map_err(bind_error)?;
    let shutdown = CancellationToken::new();
    let service = app(emulator.clone()).into_make_service_with_connect_info::<ConnectionSwitch>();
    let serve = axum::serve(KillableListener::new(listener), service)
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    let task = tokio::spawn(async move {
        if let Err(error) = serve.await {
            tracing::error!(%error, "the emulator stopped serving");
        }
    });
    tracing::info!(%local_addr, account_id = %emulator.account_id(), "emulator listening");
    Ok(RunningEmulator {
        emulator,
        local_addr,
        shutdown,
        task: Some(task),
    })
}

/// An emulator serving in the background. Dropping it stops the server too.
pub struct RunningEmulator {
    emulator: Emulator,
    local_addr: SocketAddr,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`, without a trailing slash. An unspecified listen address
    /// (`0.0.0.0`) is reached through loopback.
    pub fn base_url(&self) -> String {
        let ip = match self.local_addr.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.local_addr.port()))
    }

    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The account the emulator serves.
    pub fn account_id(&self) -> &str {
        self.emulator.account_id()
    }

    /// The shared state, to read counters or set a scenario without HTTP.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops accepting connections, lets requests in flight finish, and waits until the
    /// server has stopped.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("local_addr", &self.local_addr)
            .field("account_id", &self.account_id())
            .finish()
    }
}
