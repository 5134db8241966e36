//! What the public sees, as SQL: every read for a public audience adds these
//! conditions to its `WHERE`, so counts, pages and cursors agree with the
//! rows shown and no internal row is ever loaded for a public caller.
//!
//! A measure is public when its own column says so; a goal or KPI when its
//! own column says so and its measure is public; a KPI value when its KPI is.

/// The stored text of [`Visibility::Public`](masterplan_domain::visibility::Visibility).
pub const PUBLIC: &str = "PUBLIC";

/// The ids of the public measures (a subquery); with `$among`, of those
/// of the measures `$among` (ids) that are public: a read of the children of
/// some measures then looks up just those, not every measure (on
/// PostgreSQL a scan of the whole table otherwise).
#[macro_export]
macro_rules! public_measure_ids {
    () => {
        $crate::schema::measures::table
            .filter($crate::schema::measures::visibility.eq($crate::models::visible::PUBLIC))
            .select($crate::schema::measures::id)
    };
    ($among:expr) => {
        $crate::schema::measures::table
            .filter($crate::id_list::in_ids(
                $crate::schema::measures::id,
                $among,
            ))
            .filter($crate::schema::measures::visibility.eq($crate::models::visible::PUBLIC))
            .select($crate::schema::measures::id)
    };
}

/// The ids of the public KPIs (a subquery).
#[macro_export]
macro_rules! public_kpi_ids {
    () => {
        $crate::schema::kpis::table
            .filter($crate::schema::kpis::visibility.eq($crate::models::visible::PUBLIC))
            .filter($crate::schema::kpis::measure_id.eq_any($crate::public_measure_ids!()))
            .select($crate::schema::kpis::id)
    };
}

/// A goal the public sees; with `$among`, one of the measures `$among`.
#[macro_export]
macro_rules! public_goal {
    ($($among:expr)?) => {
        $crate::schema::goals::visibility
            .eq($crate::models::visible::PUBLIC)
            .and($crate::schema::goals::measure_id.eq_any($crate::public_measure_ids!($($among)?)))
    };
}

/// A KPI the public sees; with `$among`, one of the measures `$among`.
#[macro_export]
macro_rules! public_kpi {
    ($($among:expr)?) => {
        $crate::schema::kpis::visibility
            .eq($crate::models::visible::PUBLIC)
            .and($crate::schema::kpis::measure_id.eq_any($crate::public_measure_ids!($($among)?)))
    };
}

/// Adds `$condition` to a boxed query when `$audience` is the public.
#[macro_export]
macro_rules! for_audience {
    ($query:expr, $audience:expr, $condition:expr) => {{
        let query = $query;
        if $audience.is_public() {
            query.filter($condition)
        } else {
            query
        }
    }};
}
