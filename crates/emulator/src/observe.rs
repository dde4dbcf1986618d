//! Middleware around every request: the log line, and for Account API routes the counters,
//! the request log, latency, the rate limit and fault injection (a status with the JSON
//! error document, a body of the scenario's choosing, or a dropped connection).

use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::route_key;
use crate::connection::ConnectionSwitch;
use crate::error::ApiError;
use crate::scenario::Fault;
use crate::state::Emulator;

/// Marks a response whose connection was cut: the client never sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DroppedConnection;

/// Logs every request: method, matched route, status and latency. Never headers, so never a
/// token.
pub(crate) async fn log_requests(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |matched| matched.as_str().to_owned(),
    );
    let response = next.run(request).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    if response.extensions().get::<DroppedConnection>().is_some() {
        tracing::info!(%method, %route, status = "dropped", latency_ms, "request");
    } else {
        tracing::info!(%method, %route, status = response.status().as_u16(), latency_ms, "request");
    }
    response
}

/// Counts an Account API request, then applies the scenario: latency, rate limit, faults.
pub(crate) async fn observe_api(
    State(emulator): State<Emulator>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|matched| route_key(request.method(), matched.as_str()))
        .unwrap_or_else(|| format!("{} {}", request.method(), request.uri().path()));
    emulator.count_request(&route);
    let latency = emulator.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match emulator.admit() {
        Err(retry_after) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "REQUEST_LIMIT_EXCEEDED",
            format!("rate limit exceeded for {route}; retry after {retry_after} seconds"),
        )
        .with_retry_after(Some(retry_after))
        .into_response(),
        Ok(()) => match emulator.take_fault(&route) {
            None => next.run(request).await,
            Some(fault) => {
                let switch = request
                    .extensions()
                    .get::<ConnectInfo<ConnectionSwitch>>()
                    .map(|ConnectInfo(switch)| switch.clone());
                if fault.after_commit {
                    // The work is done and committed; only its answer is lost.
                    let committed = next.run(request).await;
                    tracing::debug!(%route, status = committed.status().as_u16(), "answer replaced by a fault");
                }
                fault_response(&fault, &route, switch)
            }
        },
    };
    let status = if response.extensions().get::<DroppedConnection>().is_some() {
        0
    } else {
        response.status().as_u16()
    };
    emulator.record_request(&route, status, start, Instant::now());
    response
}

fn fault_response(fault: &Fault, route: &str, switch: Option<ConnectionSwitch>) -> Response {
    if fault.status == 0 {
        if let Some(switch) = switch {
            switch.kill();
        }
        // Served over a socket, nobody reads this: the connection is already cut. In-process
        // (`oneshot`) there is no socket to cut, and the marker tells the tests.
        let mut response = (
            StatusCode::BAD_GATEWAY,
            "connection dropped by fault injection",
        )
            .into_response();
        response.extensions_mut().insert(DroppedConnection);
        return response;
    }
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(body) = &fault.body {
        let content_type = fault.content_type.as_deref().unwrap_or("application/json");
        let text = body.repeat(usize::try_from(fault.body_repeat).unwrap_or(1));
        let mut response = (status, text).into_response();
        if let Ok(value) = HeaderValue::from_str(content_type) {
            response.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        if let Some(retry_after) = fault.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        return response;
    }
    let error_code = match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "RESOURCE_CONFLICT",
        429 => "REQUEST_LIMIT_EXCEEDED",
        501 => "NOT_IMPLEMENTED",
        503 => "TEMPORARILY_UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL_ERROR",
    };
    ApiError::new(
        status,
        error_code,
        format!("injected fault: {route} answers {}", fault.status),
    )
    .with_retry_after(fault.retry_after)
    .into_response()
}
