//! `GET /export/PLAN.json`: the whole plan as a plan file, for tools that do
//! not speak GraphQL.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use masterplan_persistence::export::{export_plan, to_json};

use crate::server::AppState;

pub async fn plan_json(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(slug) = file.strip_suffix(".json") else {
        return (StatusCode::NOT_FOUND, "exports are PLAN.json").into_response();
    };
    let exported = async {
        let mut conn = state.db.conn().await?;
        export_plan(&mut conn, slug).await
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
        Err(err) => {
            tracing::error!(error = %err, "export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; it has been logged",
            )
                .into_response()
        }
    }
}
