//! Admin endpoints under `/__emulator/`: what tests use to steer and observe the emulator.
//! They need a bearer token like the API, and are neither counted nor faulted.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api::JsonBody;
use crate::error::{ApiError, error_chain};
use crate::scenario::Scenario;
use crate::state::{Emulator, RequestRecord, Stats};

pub(crate) fn routes() -> Router<Emulator> {
    Router::new()
        .route("/__emulator/scenario", post(set_scenario).get(get_scenario))
        .route("/__emulator/stats", get(stats))
        .route("/__emulator/reset", post(reset))
        .route("/__emulator/requests", get(requests))
}

/// `POST /__emulator/scenario`: replaces the scenario; fault counts start afresh.
async fn set_scenario(
    State(emulator): State<Emulator>,
    JsonBody(scenario): JsonBody<Value>,
) -> Result<Json<Scenario>, ApiError> {
    let scenario: Scenario = serde_json::from_value(scenario)
        .map_err(|error| ApiError::invalid(format!("invalid scenario: {error}")))?;
    emulator
        .set_scenario(scenario.clone())
        .map_err(|error| ApiError::invalid(format!("invalid scenario: {}", error_chain(&error))))?;
    tracing::info!(?scenario, "scenario replaced");
    Ok(Json(scenario))
}

async fn get_scenario(State(emulator): State<Emulator>) -> Json<Scenario> {
    Json(emulator.scenario())
}

/// `GET /__emulator/stats`: Account API requests by route template.
async fn stats(State(emulator): State<Emulator>) -> Json<Stats> {
    Json(emulator.stats())
}

/// `POST /__emulator/reset`: clears objects, scenario, counters and the request log.
async fn reset(State(emulator): State<Emulator>) -> Result<Json<Value>, ApiError> {
    emulator.reset_state().await?;
    tracing::info!("state reset");
    Ok(Json(json!({})))
}

/// `GET /__emulator/requests`: the recent Account API requests with their timing.
async fn requests(State(emulator): State<Emulator>) -> Json<Vec<RequestRecord>> {
    Json(emulator.requests())
}
