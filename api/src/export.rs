//! `GET /export/PLAN.json` (the whole plan as a plan file),
//! `GET /export/PLAN.xlsx` (an Excel workbook, a sheet per entity) and
//! `GET /export/PLAN/ENTITY.csv[?dialect=excel-de]`, for tools that do not
//! speak GraphQL. Public callers get the public part of the plan, as from the
//! GraphQL API.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use masterplan_domain::visibility::Audience;
use masterplan_persistence::export::{export_plan, read_plan, to_json};
use serde::Deserialize;

use crate::csv_export::{CsvDialect, render};
use crate::error::ApiError;
use crate::export_table::Entity;
use crate::server::AppState;
use crate::xlsx_export;

/// `GET /export/PLAN.json` and `GET /export/PLAN.xlsx`.
pub async fn plan_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    Path(file): Path<String>,
) -> Response {
    let audience = match state.caller(&headers, client).await {
        Ok(caller) => caller.audience(),
        Err(response) => return response,
    };
    if let Some(slug) = file.strip_suffix(".xlsx") {
        return plan_xlsx(&state, slug, audience).await;
    }
    let Some(slug) = file.strip_suffix(".json") else {
        return (StatusCode::NOT_FOUND, "exports are PLAN.json and PLAN.xlsx").into_response();
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

async fn plan_xlsx(state: &AppState, slug: &str, audience: Audience) -> Response {
    let rendered = async {
        let mut conn = state.db.conn().await?;
        match read_plan(&mut conn, slug, audience).await? {
            Some(plan) => xlsx_export::render(&plan).map(Some),
            None => Ok(None),
        }
    }
    .await;
    match rendered {
        Ok(Some(workbook)) => (
            [
                (header::CONTENT_TYPE, xlsx_export::CONTENT_TYPE.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{slug}.xlsx\""),
                ),
            ],
            workbook,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, format!("no plan with slug {slug:?}")).into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// The query string of a CSV export.
#[derive(Debug, Deserialize)]
pub struct CsvParams {
    /// `standard` (the default) or `excel-de`.
    dialect: Option<String>,
}

/// `GET /export/PLAN/measures.csv` (and `goals.csv`, `kpis.csv`,
/// `kpi-values.csv`); `?dialect=excel-de` for `;` and decimal commas. An
/// unknown dialect is a 400 `BAD_USER_INPUT`.
pub async fn plan_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: crate::admission::ClientAddr,
    Path((slug, file)): Path<(String, String)>,
    Query(params): Query<CsvParams>,
) -> Response {
    let audience = match state.caller(&headers, client).await {
        Ok(caller) => caller.audience(),
        Err(response) => return response,
    };
    let dialect = match params.dialect.as_deref().map(CsvDialect::parse) {
        None => CsvDialect::default(),
        Some(Ok(dialect)) => dialect,
        Some(Err(message)) => return ApiError::bad_input(message).into_response(),
    };
    let Some(entity) = Entity::from_file_name(&file) else {
        return (
            StatusCode::NOT_FOUND,
            "CSV exports are measures.csv, goals.csv, kpis.csv and kpi-values.csv",
        )
            .into_response();
    };
    let rendered = async {
        let mut conn = state.db.conn().await?;
        match read_plan(&mut conn, &slug, audience).await? {
            Some(plan) => render(&plan, entity, dialect).map(Some),
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
