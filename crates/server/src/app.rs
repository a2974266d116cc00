//! The HTTP surface: `POST /` for the KMS API, `/health`, `/ready`, `/metrics`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, Limited};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::task::JoinSet;
use tower::ServiceExt;
use tracing::Instrument;
use trent_api::{ApiError, ErrorKind, Operation};
use trent_core::{Rejected, Service};

use crate::auth::{self, Claimed, SigningKeys};
use crate::metrics::Metrics;
use crate::sigv4::RequestParts;

/// The largest request body Trent reads. KMS's largest members (a 6 KiB ciphertext, a 32 KiB
/// policy, a 4 KiB plaintext, grant tokens) fit with room to spare.
pub const MAX_BODY: usize = 1024 * 1024;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

#[derive(Debug)]
struct AppState {
    svc: Service,
    body_read_timeout: Duration,
    signing_keys: SigningKeys,
    metrics: Metrics,
}

/// The router, ready to serve with connection info (`into_make_service_with_connect_info`).
pub fn router(svc: Service) -> Router {
    router_with(svc, ServeOptions::default())
}

fn router_with(svc: Service, options: ServeOptions) -> Router {
    let state = Arc::new(AppState {
        svc,
        body_read_timeout: options.body_read_timeout,
        signing_keys: SigningKeys::default(),
        metrics: Metrics::default(),
    });
    Router::new()
        .route("/", post(kms))
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// The server's time limits.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// How long a client may take to send its request headers.
    pub header_read_timeout: Duration,
    /// How long a client may take to send its request body once the headers are in.
    pub body_read_timeout: Duration,
    /// How long shutdown waits for in-flight requests before it closes their connections.
    pub drain_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            drain_timeout: Duration::from_secs(30),
        }
    }
}

/// [`serve_with`] the default time limits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    svc: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, svc, shutdown, ServeOptions::default()).await
}

/// Serves until `shutdown` completes, then stops accepting connections, lets in-flight
/// requests finish (closing idle keep-alive connections at once), and after the drain
/// timeout closes whatever is left, so a stalled client cannot hold shutdown up.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    svc: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> std::io::Result<()> {
    let app = router_with(svc, options);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(Body::new))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(options.header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
        // Reap finished connections as we go so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(options.drain_timeout) => {
            tracing::warn!("requests still in flight after the drain timeout; closing them");
            connections.abort_all();
        }
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if state.svc.ready().await {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n").into_response()
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(state.svc.store_counts()),
    )
        .into_response()
}

async fn kms(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request<Body>,
) -> Response {
    let started = Instant::now();
    let request_id = uuid_v4();
    let (parts, body) = req.into_parts();
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(Operation::from_target);
    let mut claimed = Claimed::default();
    let reject = |err: ApiError, claimed: Claimed| {
        Rejected {
            operation,
            access_key_id: claimed.access_key_id,
            region: claimed.region,
            source_ip: peer.ip(),
            user_agent: user_agent.clone(),
            request_id: request_id.clone(),
        }
        .with_error(err)
    };

    let body = match tokio::time::timeout(
        state.body_read_timeout,
        Limited::new(body, MAX_BODY).collect(),
    )
    .await
    {
        Ok(Ok(collected)) => collected.to_bytes(),
        Err(_) => {
            let err = ApiError::new(
                ErrorKind::RequestTimeout,
                "The request body was not received in time.",
            );
            return finish_rejected(&state, reject(err, claimed), &request_id).await;
        }
        Ok(Err(_)) => {
            let err = ApiError::new(
                ErrorKind::RequestEntityTooLarge,
                format!("Request body exceeds the limit of {MAX_BODY} bytes."),
            );
            return finish_rejected(&state, reject(err, claimed), &request_id).await;
        }
    };

    let now = state.svc.clock().now().millis();
    let signed = RequestParts::new(&parts, &body);
    let caller = match auth::authenticate(
        &state.svc,
        &state.signing_keys,
        &signed,
        now,
        peer.ip(),
        &user_agent,
        &request_id,
        &mut claimed,
    )
    .await
    {
        Ok(c) => c,
        Err(err) => return finish_rejected(&state, reject(err, claimed), &request_id).await,
    };

    let Some(operation) = operation else {
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let err = ApiError::new(
            ErrorKind::UnknownOperation,
            if target.is_empty() {
                "Missing X-Amz-Target header".to_owned()
            } else {
                format!(
                    "Unknown operation {}",
                    target.rsplit('.').next().unwrap_or(target)
                )
            },
        );
        return finish_rejected(&state, reject(err, claimed), &request_id).await;
    };

    let span =
        tracing::info_span!("request", request_id = %request_id, operation = operation.name());
    let result = state
        .svc
        .call(&caller, operation, &body)
        .instrument(span)
        .await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    state.metrics.record(operation, result.is_ok(), micros);
    match result {
        Ok(body) => respond(StatusCode::OK, body, &request_id),
        Err(err) => {
            tracing::debug!(request_id = %request_id, operation = operation.name(), error = err.kind.name(), "request failed");
            error_response(&err, &request_id)
        }
    }
}

/// A request refused before it reached an operation, with the error it gets.
struct RejectedWithError {
    rejected: Rejected,
    err: ApiError,
}

trait WithError {
    fn with_error(self, err: ApiError) -> RejectedWithError;
}

impl WithError for Rejected {
    fn with_error(self, err: ApiError) -> RejectedWithError {
        RejectedWithError {
            rejected: self,
            err,
        }
    }
}

async fn finish_rejected(state: &AppState, r: RejectedWithError, request_id: &str) -> Response {
    state.metrics.record_rejected();
    state.svc.audit_rejected(&r.rejected, &r.err).await;
    error_response(&r.err, request_id)
}

fn error_response(err: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    respond(status, err.to_json_body(), request_id)
}

fn respond(status: StatusCode, body: Vec<u8>, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(Bytes::from(body)));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    resp
}

fn uuid_v4() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}
