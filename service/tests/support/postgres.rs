//! A PostgreSQL schema of its own for one test run, on the server `WEBHOOKS_TEST_POSTGRES_URL`
//! (or a postgres `DATABASE_URL`) names, else `postgres://127.0.0.1:5432/test` when it answers.
//! With no server configured and none answering, the run is skipped (and says so).

use std::time::Duration;

use sqlx::Connection as _;

const DEFAULT_POSTGRES: &str = "postgres://127.0.0.1:5432/test";

pub struct Schema {
    base: String,
    name: String,
    /// The URL that puts every connection in the schema.
    pub url: String,
}

#[allow(dead_code)] // Not every test binary drops its schema the same way.
impl Schema {
    pub async fn create(run: &str) -> Option<Schema> {
        let configured = std::env::var("WEBHOOKS_TEST_POSTGRES_URL")
            .ok()
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .filter(|url| url.starts_with("postgres"));
        let base = configured
            .clone()
            .unwrap_or_else(|| DEFAULT_POSTGRES.to_owned());
        sqlx::any::install_default_drivers();
        let probe =
            tokio::time::timeout(Duration::from_secs(5), sqlx::AnyConnection::connect(&base));
        let mut conn = match probe.await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) if configured.is_some() => {
                panic!("PostgreSQL at {base} does not answer: {e}")
            }
            Err(_) if configured.is_some() => {
                panic!("PostgreSQL at {base} does not answer in time")
            }
            Ok(Err(e)) => {
                eprintln!("SKIPPED: the PostgreSQL {run} run (no server at {base}: {e})");
                return None;
            }
            Err(_) => {
                eprintln!("SKIPPED: the PostgreSQL {run} run (no answer from {base})");
                return None;
            }
        };
        let name = format!("webhooks_{run}_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .expect("create schema");
        let _ = conn.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
        eprintln!("PostgreSQL {run} run in schema {name}");
        Some(Schema { base, name, url })
    }

    pub async fn drop(self) {
        if let Ok(mut conn) = sqlx::AnyConnection::connect(&self.base).await {
            let _ = sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
    }
}
