//! The server's PostgreSQL sessions price random page reads as for data in
//! memory, unless the operator has set the price (see `RANDOM_PAGE_COST` in
//! persistence/src/db.rs): with PostgreSQL's default, the goals and KPIs of
//! a page of measures were read by scanning whole tables once they grew.

use diesel::dsl::sql;
use diesel::sql_types::Text;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use masterplan_persistence::{Database, with_conn};

use crate::common::{Backend, TestApp};

async fn random_page_cost(db: &Database) -> String {
    let mut conn = db.conn().await.expect("connection");
    with_conn!(&mut conn, c => diesel::select(sql::<Text>("current_setting('random_page_cost')"))
        .get_result::<String>(c)
        .await)
    .expect("current_setting")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_servers_sessions_use_an_ssd_price_unless_the_operator_set_one() {
    let Some(app) = TestApp::new(Backend::Postgres).await else {
        return;
    };
    assert_eq!(random_page_cost(&app.db).await, "1.1");

    // Set for the database: new sessions keep the operator's price.
    let name = app.url.rsplit('/').next().expect("a database name");
    let mut conn = app.db.conn().await.expect("connection");
    with_conn!(&mut conn, c => c
        .batch_execute(&format!("ALTER DATABASE {name} SET random_page_cost = 3"))
        .await)
    .expect("ALTER DATABASE");
    drop(conn);
    let fresh = Database::connect(&app.url).await.expect("connect");
    assert_eq!(random_page_cost(&fresh).await, "3");
}
