//! The database's clock for every time that decides whether a delivery is due.
//!
//! A row's `next_attempt_at` and its lease's end are written, and compared, in the database's
//! time, never a host's: instances whose clocks disagree would otherwise take each other's
//! leases (a host that runs behind writes leases that have already run out for the others; one
//! that runs ahead claims leased rows early and holds new ones back). The SQL here yields the
//! store's timestamp text (RFC 3339, UTC, six fractional digits), so it orders like the rest.

use std::time::Duration;

/// The longest wait written: far beyond any retry schedule, and short of the dates a database
/// cannot represent.
const LONGEST_MICROS: i64 = 100 * 366 * 86_400 * 1_000_000;

/// SQL for the database's time now, plus the microseconds bound as `$param` when one is given.
/// The time is fixed for the whole statement, so every row it writes gets the same one.
pub(crate) fn time_sql(postgres: bool, param: Option<usize>) -> String {
    match (postgres, param) {
        (true, None) => format!("to_char(statement_timestamp() AT TIME ZONE 'UTC', {PG_FORMAT})"),
        (true, Some(n)) => format!(
            "to_char(statement_timestamp() AT TIME ZONE 'UTC' + ${n} * INTERVAL '1 microsecond', \
             {PG_FORMAT})"
        ),
        // SQLite's clock has millisecond precision; the literal zeros make the six digits.
        (false, None) => format!("strftime({SQLITE_FORMAT}, 'now')"),
        (false, Some(n)) => {
            format!("strftime({SQLITE_FORMAT}, 'now', printf('%+.6f seconds', ${n} / 1000000.0))")
        }
    }
}

const PG_FORMAT: &str = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";
const SQLITE_FORMAT: &str = "'%Y-%m-%dT%H:%M:%f000Z'";

/// `wait` as the microseconds [`time_sql`] adds, capped at [`LONGEST_MICROS`].
pub(crate) fn micros(wait: Duration) -> i64 {
    i64::try_from(wait.as_micros())
        .unwrap_or(i64::MAX)
        .min(LONGEST_MICROS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_capped() {
        assert_eq!(micros(Duration::from_millis(1500)), 1_500_000);
        assert_eq!(micros(Duration::MAX), LONGEST_MICROS);
    }

    #[test]
    fn sql_binds_the_wait() {
        assert!(time_sql(true, Some(3)).contains("$3 * INTERVAL"));
        assert!(time_sql(false, Some(2)).contains("$2 / 1000000.0"));
        assert!(!time_sql(false, None).contains('$'));
    }
}
