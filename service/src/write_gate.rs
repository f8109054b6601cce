//! SQLite's writers take turns in the process, first come first served.
//!
//! SQLite has one write lock per database. When several pool connections want it at once, the
//! losers wait in SQLite's busy handler, which sleeps 1, 2, 5, ... up to 100 ms between tries
//! and so keeps missing short free moments: a publish could wait seconds behind a stream of
//! short retention batches that each took the lock a few milliseconds after the last. Here
//! every write on SQLite first takes its turn at an in-process FIFO queue (tokio's mutex is
//! fair), so a writer waits only for the writers that asked before it, and a batch that asks
//! again goes to the back. The busy handler stays for other processes on the same file (the CLI).
//!
//! On PostgreSQL writers lock rows, not the database, so there is no gate: a turn is free.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The queue writers take turns at; cloning shares it.
#[derive(Clone, Debug)]
pub(crate) struct WriteGate {
    /// `None`: writers need no turn (PostgreSQL).
    queue: Option<Arc<Mutex<()>>>,
}

/// A writer's turn: the next writer goes when it is dropped.
#[derive(Debug)]
pub(crate) struct Turn {
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteGate {
    /// A gate that makes writers take turns (`true`, for SQLite) or lets them all through.
    pub(crate) fn new(take_turns: bool) -> Self {
        WriteGate {
            queue: take_turns.then(|| Arc::new(Mutex::new(()))),
        }
    }

    /// Waits for this writer's turn, behind every writer that asked before it.
    pub(crate) async fn turn(&self) -> Turn {
        let guard = match &self.queue {
            Some(queue) => Some(Arc::clone(queue).lock_owned().await),
            None => None,
        };
        Turn { _guard: guard }
    }
}

/// A pool connection held for one write statement, with the writer's turn.
pub(crate) struct WriteConn {
    // Fields drop in order: the connection goes back to the pool before the turn passes on.
    conn: PoolConnection<Any>,
    _turn: Turn,
}

impl WriteConn {
    pub(crate) fn new(turn: Turn, conn: PoolConnection<Any>) -> Self {
        WriteConn { conn, _turn: turn }
    }
}

impl Deref for WriteConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// A write transaction with the writer's turn, held until it commits or is dropped (which rolls
/// it back).
pub(crate) struct WriteTx {
    // Dropped before the turn, as above.
    tx: Transaction<'static, Any>,
    _turn: Turn,
}

impl WriteTx {
    pub(crate) fn new(turn: Turn, tx: Transaction<'static, Any>) -> Self {
        WriteTx { tx, _turn: turn }
    }

    /// Commits, and only then passes the turn on.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = Transaction<'static, Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    type Waiting<'a> = Pin<Box<dyn Future<Output = Turn> + 'a>>;

    /// Polls once: a turn future joins the queue on its first poll, so polling futures one
    /// after the other queues them in that order, with no timing involved.
    fn poll(waiting: &mut Waiting<'_>) -> Poll<Turn> {
        waiting
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
    }

    fn ready(waiting: &mut Waiting<'_>) -> Turn {
        match poll(waiting) {
            Poll::Ready(turn) => turn,
            Poll::Pending => panic!("the writer should have its turn"),
        }
    }

    #[test]
    fn writers_are_served_in_the_order_they_asked() {
        let gate = WriteGate::new(true);
        let mut first: Waiting = Box::pin(gate.turn());
        let held = ready(&mut first);
        let mut queue: Vec<Waiting> = (0..5).map(|_| Box::pin(gate.turn()) as Waiting).collect();
        for waiting in &mut queue {
            assert!(poll(waiting).is_pending());
        }
        drop(held);
        let mut served = Vec::new();
        let mut turn = None;
        while served.len() < queue.len() {
            drop(turn.take());
            // Exactly one writer can go, and it is the one that asked first among those left.
            let mut goes = Vec::new();
            for (i, waiting) in queue.iter_mut().enumerate() {
                if served.contains(&i) {
                    continue;
                }
                if let Poll::Ready(t) = poll(waiting) {
                    turn = Some(t);
                    goes.push(i);
                }
            }
            assert_eq!(goes.len(), 1, "one writer at a time, not {goes:?}");
            served.push(goes[0]);
        }
        assert_eq!(served, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_batch_that_asks_again_goes_behind_a_waiting_publish() {
        let gate = WriteGate::new(true);
        let mut batch: Waiting = Box::pin(gate.turn());
        let batch_turn = ready(&mut batch);
        let mut publish: Waiting = Box::pin(gate.turn());
        assert!(poll(&mut publish).is_pending());
        // The batch ends and at once asks for the next batch's turn.
        drop(batch_turn);
        let mut next_batch: Waiting = Box::pin(gate.turn());
        assert!(poll(&mut next_batch).is_pending());
        let publish_turn = ready(&mut publish);
        assert!(poll(&mut next_batch).is_pending());
        drop(publish_turn);
        ready(&mut next_batch);
    }

    #[test]
    fn without_turns_every_writer_goes_at_once() {
        let gate = WriteGate::new(false);
        let mut first: Waiting = Box::pin(gate.turn());
        let mut second: Waiting = Box::pin(gate.turn());
        let _first = ready(&mut first);
        let _second = ready(&mut second);
    }
}
