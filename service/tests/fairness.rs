//! Fair delivery: at most `per_webhook` deliveries of one webhook in flight, across every process
//! on the database. A slow receiver holds only that many slots while another webhook's
//! deliveries go through; a backlog of one webhook does not stop the claim from reaching
//! another's due row; a recovery reaches its receiver that many at a time; two stores (two
//! processes) claiming together never exceed the limit. Runs on SQLite and, when a server
//! answers, on PostgreSQL.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use webhooks_service::delivery::DeliveryConfig;
use webhooks_service::delivery::queue::{Claimed, NewEvent, Outcome, ReplayFilter};
use webhooks_service::delivery::worker::Worker;
use webhooks_service::store::{self, Store, StoredWebhook};

const LEASE: Duration = Duration::from_secs(60);

async fn open(url: &str) -> Store {
    Store::connect(url)
        .await
        .expect("store")
        .with_secrets(support::stored::secrets())
}

/// An account webhook of its own owner (so each gets only its own events), calling `url`.
async fn hook(store: &Store, owner: &str, url: &str) -> uuid::Uuid {
    let hook = StoredWebhook {
        callback_url: url.to_owned(),
        ..support::stored::webhook(owner)
    };
    store.insert(&hook).await.expect("insert hook");
    hook.id
}

async fn publish(store: &Store, owner: &str, count: usize) {
    for _ in 0..count {
        let event = NewEvent {
            id: uuid::Uuid::new_v4(),
            publisher: owner.to_owned(),
            event_type: "a.b.v1".to_owned(),
            itwin_id: None,
            content: BTreeMap::new(),
            enqueued: store::now(),
        };
        assert_eq!(store.publish(&event).await.expect("publish"), 1);
    }
}

fn of(claimed: &[Claimed], webhook: uuid::Uuid) -> usize {
    claimed.iter().filter(|c| c.webhook_id == webhook).count()
}

async fn settle(store: &Store, claimed: &[Claimed], outcome: &Outcome) {
    for c in claimed {
        assert!(
            store
                .record(c, outcome, store::now())
                .await
                .expect("record")
        );
    }
}

/// The claim itself: the limit, a backlog in front of another webhook's row, a recovery.
async fn claim_suite(url: &str) {
    let store = open(url).await;
    let busy = hook(&store, "busy", "https://hooks.example.com/busy").await;
    let other = hook(&store, "other", "https://hooks.example.com/other").await;
    // A backlog of one webhook far longer than what one claim reads (twice its limit), all due
    // before the other webhook's single row.
    publish(&store, "busy", 300).await;
    publish(&store, "other", 1).await;

    let first = store.claim(LEASE, 4, 2).await.expect("claim");
    assert_eq!(
        of(&first.claimed, busy),
        2,
        "the limit holds within one claim"
    );
    assert_eq!(
        of(&first.claimed, other),
        1,
        "the other webhook's row is claimed past the backlog"
    );
    assert!(first.held_back);

    // The busy webhook has its two in flight: nothing more of it, however much is due.
    let second = store.claim(LEASE, 4, 2).await.expect("claim");
    assert!(second.claimed.is_empty(), "{:?}", second.claimed);
    assert!(second.held_back);

    // One attempt ends: one more may go.
    let busy_rows: Vec<Claimed> = first
        .claimed
        .iter()
        .filter(|c| c.webhook_id == busy)
        .cloned()
        .collect();
    settle(&store, &busy_rows[..1], &Outcome::Delivered { status: 204 }).await;
    let third = store.claim(LEASE, 4, 2).await.expect("claim");
    assert_eq!(of(&third.claimed, busy), 1);
    assert_eq!(third.claimed.len(), 1);

    // Done with the backlog (its leased rows too).
    store
        .cancel_pending(busy, "test done", store::now())
        .await
        .expect("cancel");

    // A lease that ran out is not in flight: its worker died.
    let recover = hook(&store, "recover", "https://hooks.example.com/recover").await;
    publish(&store, "recover", 12).await;
    let lapsed = store
        .claim(Duration::from_millis(500), 32, 3)
        .await
        .expect("claim");
    assert_eq!(lapsed.claimed.len(), 3);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let again = store.claim(LEASE, 32, 3).await.expect("claim");
    assert_eq!(again.claimed.len(), 3, "the lapsed leases free the room");

    // A recovery of many failed deliveries reaches the receiver `per_webhook` at a time, not
    // all at once: fail all twelve, recover them, and claim as a worker with room for 32 would.
    let failed = Outcome::Failed {
        status: Some(500),
        error: "callback answered 500".to_owned(),
    };
    settle(&store, &again.claimed, &failed).await;
    let rest = store.claim(LEASE, 32, 32).await.expect("claim").claimed;
    assert_eq!(rest.len(), 9);
    settle(&store, &rest, &failed).await;
    let replayed = store
        .replay(&ReplayFilter {
            webhook_id: Some(recover),
            ..ReplayFilter::default()
        })
        .await
        .expect("replay");
    assert_eq!(replayed, 12);
    let mut waves = Vec::new();
    let mut left = 12;
    while left > 0 {
        let wave = store.claim(LEASE, 32, 3).await.expect("claim");
        let n = of(&wave.claimed, recover);
        assert!(n > 0, "the recovery stalled with {left} left");
        waves.push(n);
        left -= n;
        if left > 0 {
            assert!(wave.held_back);
            assert_eq!(
                store
                    .claim(LEASE, 32, 3)
                    .await
                    .expect("claim")
                    .claimed
                    .len(),
                0,
                "no more than three of the recovery at once"
            );
        }
        settle(&store, &wave.claimed, &Outcome::Delivered { status: 204 }).await;
    }
    assert_eq!(waves, vec![3, 3, 3, 3]);
    store.close().await;
}

/// Two stores on one database (two processes) claim the same webhook's backlog as fast as they
/// can; what they hold together, counted between a claim's return and the record, never
/// exceeds the limit.
async fn two_stores_suite(url: &str) {
    const LIMIT: usize = 3;
    const ROWS: usize = 60;
    let first = open(url).await;
    let second = open(url).await;
    hook(&first, "shared", "https://hooks.example.com/shared").await;
    publish(&first, "shared", ROWS).await;
    let holding = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for store in [first.clone(), second.clone()] {
        let (holding, most, done) = (holding.clone(), most.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            while done.load(Ordering::SeqCst) < ROWS && started.elapsed() < Duration::from_secs(60)
            {
                let claim = store.claim(LEASE, 10, LIMIT).await.expect("claim");
                let n = claim.claimed.len();
                let now = holding.fetch_add(n, Ordering::SeqCst) + n;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(if n == 0 { 2 } else { 10 })).await;
                holding.fetch_sub(n, Ordering::SeqCst);
                for c in &claim.claimed {
                    let delivered = Outcome::Delivered { status: 204 };
                    assert!(
                        store
                            .record(c, &delivered, store::now())
                            .await
                            .expect("record")
                    );
                }
                done.fetch_add(n, Ordering::SeqCst);
            }
        }));
    }
    for task in tasks {
        task.await.expect("claimer");
    }
    assert_eq!(
        done.load(Ordering::SeqCst),
        ROWS,
        "every row delivered once"
    );
    let most = most.load(Ordering::SeqCst);
    assert!(most <= LIMIT, "{most} in flight at once");
    assert_eq!(
        most, LIMIT,
        "the two stores together used the room they had"
    );
    first.close().await;
    second.close().await;
}

/// Requests to one path: in progress, the most at once, answered.
type Tally = (usize, usize, usize);

/// A receiver on loopback that counts, per path, requests in progress and the most at once,
/// and answers `/slow` after a pause.
#[derive(Clone, Default)]
struct Counting {
    inner: Arc<Mutex<HashMap<String, Tally>>>,
}

impl Counting {
    fn get(&self, path: &str) -> Tally {
        let inner = self.inner.lock().expect("lock");
        inner.get(path).copied().unwrap_or_default()
    }
}

async fn counting_receiver(pause: Duration) -> (String, Counting) {
    let counting = Counting::default();
    let state = counting.clone();
    let app = axum::Router::new().route(
        "/{name}",
        axum::routing::post(
            move |axum::extract::Path(name): axum::extract::Path<String>| {
                let state = state.clone();
                async move {
                    {
                        let mut inner = state.inner.lock().expect("lock");
                        let entry = inner.entry(name.clone()).or_default();
                        entry.0 += 1;
                        entry.1 = entry.1.max(entry.0);
                    }
                    if name == "slow" {
                        tokio::time::sleep(pause).await;
                    }
                    let mut inner = state.inner.lock().expect("lock");
                    let entry = inner.entry(name).or_default();
                    entry.0 -= 1;
                    entry.2 += 1;
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let addr = support::receiver::serve(app).await;
    (format!("http://{addr}"), counting)
}

/// Real workers (two stores: two processes) delivering to a slow receiver and a fast one.
async fn worker_suite(url: &str) {
    const LIMIT: usize = 3;
    // More than one claim's window (twice the 32 slots), so the fast webhook's rows lie behind
    // the slow backlog and only the claim's look past it reaches them.
    const SLOW: usize = 80;
    const FAST: usize = 5;
    let (base, counting) = counting_receiver(Duration::from_millis(100)).await;
    let store = open(url).await;
    let second = open(url).await;
    hook(&store, "slow", &format!("{base}/slow")).await;
    hook(&store, "fast", &format!("{base}/fast")).await;
    // The slow webhook's deliveries are all due before the fast one's.
    publish(&store, "slow", SLOW).await;
    publish(&store, "fast", FAST).await;
    let config = DeliveryConfig {
        poll_interval: Duration::from_millis(100),
        request_timeout: Duration::from_secs(5),
        lease: Duration::from_secs(30),
        max_in_flight_per_webhook: LIMIT,
        allow_callback_cidrs: vec!["127.0.0.1/32".parse().expect("cidr")],
        ..DeliveryConfig::default()
    };
    let metrics = Arc::new(webhooks_service::metrics::Metrics::new(None));
    let started = Instant::now();
    let workers: Vec<Worker> = [store.clone(), second.clone()]
        .into_iter()
        .map(|s| {
            Worker::start(
                s,
                config.clone(),
                true,
                Arc::new(tokio::sync::Notify::new()),
                Arc::clone(&metrics),
            )
            .expect("worker")
        })
        .collect();
    let mut fast_done = None;
    while started.elapsed() < Duration::from_secs(30) {
        if fast_done.is_none() && counting.get("fast").2 == FAST {
            fast_done = Some((started.elapsed(), counting.get("slow").2));
        }
        if counting.get("slow").2 == SLOW && fast_done.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let slow_took = started.elapsed();
    for worker in workers {
        worker.stop().await;
    }
    let (_, slow_most, slow_answered) = counting.get("slow");
    assert_eq!(slow_answered, SLOW, "every slow delivery went through");
    assert_eq!(
        slow_most, LIMIT,
        "the slow receiver saw at most {LIMIT} at once"
    );
    let (fast_at, slow_by_then) = fast_done.expect("the fast webhook's deliveries arrived");
    // 80 slow deliveries three at a time take 27 rounds of 100 ms; the fast webhook's went
    // through in the first rounds, past the slow backlog, not after it.
    assert!(
        slow_by_then < SLOW / 2,
        "the fast deliveries waited for the slow backlog ({slow_by_then} slow ones first, at \
         {fast_at:?})"
    );
    assert!(
        slow_took >= Duration::from_secs(2),
        "the slow deliveries were spread out, not sent at once ({slow_took:?})"
    );
    store.close().await;
    second.close().await;
}

fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

#[tokio::test]
async fn sqlite_claim_keeps_the_limit_and_looks_past_a_backlog() {
    let dir = tempfile::tempdir().expect("tempdir");
    claim_suite(&sqlite_url(&dir, "claim.db")).await;
}

#[tokio::test]
async fn postgres_claim_keeps_the_limit_and_looks_past_a_backlog() {
    let Some(schema) = support::postgres::Schema::create("fair_claim").await else {
        return;
    };
    claim_suite(&schema.url).await;
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_stores_keep_the_limit_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    two_stores_suite(&sqlite_url(&dir, "two.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_stores_keep_the_limit_together() {
    let Some(schema) = support::postgres::Schema::create("fair_two").await else {
        return;
    };
    two_stores_suite(&schema.url).await;
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_slow_receiver_holds_only_its_share() {
    let dir = tempfile::tempdir().expect("tempdir");
    worker_suite(&sqlite_url(&dir, "worker.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_slow_receiver_holds_only_its_share() {
    let Some(schema) = support::postgres::Schema::create("fair_worker").await else {
        return;
    };
    worker_suite(&schema.url).await;
    schema.drop().await;
}
