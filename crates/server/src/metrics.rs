//! Request counters for `/metrics`, in the Prometheus text format. Lock-free: one atomic
//! add per request.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use trent_api::Operation;

#[derive(Debug)]
pub struct Metrics {
    ok: Vec<AtomicU64>,
    error: Vec<AtomicU64>,
    micros: Vec<AtomicU64>,
    rejected: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        let n = Operation::ALL.len();
        let counters = || (0..n).map(|_| AtomicU64::new(0)).collect();
        Self {
            ok: counters(),
            error: counters(),
            micros: counters(),
            rejected: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub fn record(&self, op: Operation, ok: bool, micros: u64) {
        let Some(i) = Operation::ALL.iter().position(|o| *o == op) else {
            return;
        };
        let counter = if ok { &self.ok[i] } else { &self.error[i] };
        counter.fetch_add(1, Ordering::Relaxed);
        self.micros[i].fetch_add(micros, Ordering::Relaxed);
    }

    /// A request refused before it reached an operation (authentication, protocol).
    pub fn record_rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, store: trent_store::QueryCounts) -> String {
        let mut out = String::new();
        out.push_str("# HELP trent_store_queries_total Reads and writes run by the store.\n");
        out.push_str("# TYPE trent_store_queries_total counter\n");
        let _ = writeln!(
            out,
            "trent_store_queries_total{{kind=\"read\"}} {}",
            store.reads
        );
        let _ = writeln!(
            out,
            "trent_store_queries_total{{kind=\"write\"}} {}",
            store.writes
        );
        out.push_str("# HELP trent_requests_total KMS API requests by operation and outcome.\n");
        out.push_str("# TYPE trent_requests_total counter\n");
        for (i, op) in Operation::ALL.iter().enumerate() {
            for (outcome, c) in [("ok", &self.ok[i]), ("error", &self.error[i])] {
                let v = c.load(Ordering::Relaxed);
                if v > 0 {
                    let _ = writeln!(
                        out,
                        "trent_requests_total{{operation=\"{}\",outcome=\"{outcome}\"}} {v}",
                        op.name()
                    );
                }
            }
        }
        out.push_str("# HELP trent_request_seconds_sum Time spent in KMS API requests.\n");
        out.push_str("# TYPE trent_request_seconds_sum counter\n");
        for (i, op) in Operation::ALL.iter().enumerate() {
            let v = self.micros[i].load(Ordering::Relaxed);
            if v > 0 {
                let _ = writeln!(
                    out,
                    "trent_request_seconds_sum{{operation=\"{}\"}} {}",
                    op.name(),
                    v as f64 / 1e6
                );
            }
        }
        out.push_str(
            "# HELP trent_requests_rejected_total Requests refused before an operation ran.\n",
        );
        out.push_str("# TYPE trent_requests_rejected_total counter\n");
        let _ = writeln!(
            out,
            "trent_requests_rejected_total {}",
            self.rejected.load(Ordering::Relaxed)
        );
        out
    }
}
