//! Diesel's view of the tables in `migrations/`, shared by PostgreSQL and SQLite
//! (column types are limited to those both backends map the same way).

diesel::table! {
    plans (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        organisation -> Text,
        published_on -> Nullable<Date>,
        description -> Text,
        cost_low_below_eur -> Double,
        cost_high_above_eur -> Double,
        personnel_low_below_fte -> Double,
        personnel_high_above_fte -> Double,
        period_short_below_months -> Integer,
        period_long_above_months -> Integer,
        legend_notes -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    working_groups (id) {
        id -> BigInt,
        plan_id -> BigInt,
        code -> Text,
        number -> Integer,
        name -> Text,
        lead -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    measures (id) {
        id -> BigInt,
        plan_id -> BigInt,
        working_group_id -> BigInt,
        code -> Nullable<Text>,
        title -> Text,
        description -> Text,
        position -> Integer,
        status -> Text,
        responsible_unit -> Nullable<Text>,
        partners -> Text,
        pilot_areas -> Text,
        cost_estimate_eur -> Nullable<Double>,
        personnel_estimate_fte -> Nullable<Double>,
        realization_months -> Nullable<Integer>,
        cost_category_override -> Nullable<Text>,
        personnel_category_override -> Nullable<Text>,
        period_category_override -> Nullable<Text>,
        quick_win_override -> Nullable<Text>,
        cost_category -> Nullable<Text>,
        personnel_category -> Nullable<Text>,
        period_category -> Nullable<Text>,
        quick_win -> Text,
        search_text -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
        visibility -> Text,
    }
}

diesel::table! {
    measure_relations (measure_id, related_measure_id) {
        measure_id -> BigInt,
        related_measure_id -> BigInt,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    goals (id) {
        id -> BigInt,
        measure_id -> BigInt,
        position -> Integer,
        text -> Text,
        category -> Nullable<Text>,
        timing_phrase -> Nullable<Text>,
        timing_kind -> Text,
        starts_on -> Nullable<Date>,
        due_on -> Nullable<Date>,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
        visibility -> Text,
    }
}

diesel::table! {
    kpis (id) {
        id -> BigInt,
        measure_id -> BigInt,
        position -> Integer,
        name -> Text,
        description -> Nullable<Text>,
        unit -> Nullable<Text>,
        value_type -> Text,
        direction -> Text,
        baseline_value -> Nullable<Double>,
        baseline_observed_on -> Nullable<Date>,
        baseline_note -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
        visibility -> Text,
    }
}

diesel::table! {
    kpi_targets (id) {
        id -> BigInt,
        kpi_id -> BigInt,
        value -> Double,
        due_on -> Date,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    kpi_values (id) {
        id -> BigInt,
        kpi_id -> BigInt,
        observed_on -> Date,
        value -> Double,
        note -> Nullable<Text>,
        source -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(working_groups -> plans (plan_id));
diesel::joinable!(measures -> plans (plan_id));
diesel::joinable!(measures -> working_groups (working_group_id));
diesel::joinable!(goals -> measures (measure_id));
diesel::joinable!(kpis -> measures (measure_id));
diesel::joinable!(kpi_targets -> kpis (kpi_id));
diesel::joinable!(kpi_values -> kpis (kpi_id));

diesel::allow_tables_to_appear_in_same_query!(
    plans,
    working_groups,
    measures,
    measure_relations,
    goals,
    kpis,
    kpi_targets,
    kpi_values,
    audit_log,
);

// Portfolio counts group measures by working group together with columns of
// the joined tables.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    measures::working_group_id,
    working_groups::code,
    goals::status,
);

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        key_id -> Text,
        secret_hash -> Text,
        role -> Text,
        working_groups -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> BigInt,
        changes -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_id -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        entity_types -> Nullable<Text>,
        measure_id -> Nullable<BigInt>,
        secret -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        audit_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> audit_log (audit_id));
diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries, audit_log);
