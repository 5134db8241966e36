//! `GET /export/PLAN.json` (the whole plan as a plan file) and
//! `GET /export/PLAN/ENTITY.csv`, for tools that do not speak GraphQL. Public
//! callers get the public part of the plan, as from the GraphQL API.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masterplan_persistence::export::{export_plan, read_plan, to_json};

use crate::csv_export::{CsvEntity, render};
use crate::error::ApiError;
use crate::server::AppState;

pub async fn plan_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    Path(file): Path<String>,
) -> Response {
    let audience = match state.caller(&headers, client).await {
        Ok(caller) => caller.audience(),
        Err(response) => return response,
    };
    let Some(slug) = file.strip_suffix(".json") else {
        return (StatusCode::NOT_FOUND, "exports are PLAN.json").into_response();
    };
    let exported = async {
        let mut conn = state.db.conn().await?;
        export_plan(&mut conn, slug, audience).await
    }
    .await;
    match exported {
        Ok(Some(plan)) => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}.json\""),
                ),
            ],
            to_json(&plan),
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, format!("no plan with slug {slug:?}")).into_response(),
        // An outage is a 503 with Retry-After, anything else is logged.
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// `GET /export/PLAN/measures.csv` (and `goals.csv`, `kpis.csv`, `kpi-values.csv`).
pub async fn plan_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    Path((slug, file)): Path<(String, String)>,
) -> Response {
    let audience = match state.caller(&headers, client).await {
        Ok(caller) => caller.audience(),
        Err(response) => return response,
    };
    let Some(entity) = CsvEntity::from_file_name(&file) else {
        return (
            StatusCode::NOT_FOUND,
            "CSV exports are measures.csv, goals.csv, kpis.csv and kpi-values.csv",
        )
            .into_response();
    };
    let rendered = async {
        let mut conn = state.db.conn().await?;
        match read_plan(&mut conn, &slug, audience).await? {
            Some(plan) => render(&plan, entity).map(Some),
            None => Ok(None),
        }
    }
    .await;
    match rendered {
        Ok(Some(csv)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}-{file}\""),
                ),
            ],
            csv,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, format!("no plan with slug {slug:?}")).into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}
