//! The end-to-end tests, linked into one binary (`cargo test --test
//! integration`): the api crate is linked once, the harness in `common` is
//! compiled once, and all tests share one migrated and seeded template
//! database per backend. Select a part by path, e.g. `-- audit::` or
//! `-- sqlite::`.

#[macro_use]
mod common;

mod admin_script;
mod admission;
mod audit;
mod auth;
mod bundled_plan;
mod cli;
mod concurrency;
mod connections;
mod csv_dialect;
mod descriptions;
mod export;
mod goal_mutations;
mod graphql_over_http;
mod http;
mod input_rules;
mod internals;
mod kpi_mutations;
mod kpi_value_mutations;
mod limits;
mod live_instances;
mod measure_mutations;
mod metrics;
mod outage;
mod persisted_queries;
mod plan_content;
mod plan_mutations;
mod planner_settings;
mod point_in_time;
mod pool;
mod portfolio;
mod queries;
mod readme;
mod request_ids;
mod response_cache;
mod schema;
mod search;
mod series;
mod statements;
mod subscriptions;
mod traces;
mod trajectory;
mod visibility;
mod webhooks;
mod widget;
mod xlsx_export;
