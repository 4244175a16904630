//! Request metrics in the Prometheus text format: counts by route, method and status, latency
//! histograms by route, and the database pool's use.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use rapport_store::PoolStats;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    /// Records one finished request. `route` is the route pattern, not the path, so ids do not
    /// blow up the label space.
    pub fn record(&self, method: &str, route: &str, status: u16, took: Duration) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let key = (route.to_string(), method.to_string());
        let stats = match routes.get_mut(&key) {
            Some(s) => s,
            None => routes.entry(key).or_default(),
        };
        let secs = took.as_secs_f64();
        *stats.by_status.entry(status).or_default() += 1;
        stats.count += 1;
        stats.sum += secs;
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            stats.buckets[i] += 1;
        }
    }

    /// The metrics page.
    pub fn render(&self, pool: PoolStats) -> String {
        let mut out = String::new();
        let routes = match self.routes.lock() {
            Ok(r) => r,
            Err(_) => return out,
        };
        out.push_str("# HELP rapport_http_requests_total HTTP requests answered, by route, method and status.\n");
        out.push_str("# TYPE rapport_http_requests_total counter\n");
        for ((route, method), s) in routes.iter() {
            for (status, n) in &s.by_status {
                let _ = writeln!(
                    out,
                    "rapport_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP rapport_http_request_duration_seconds Time to answer, by route and method.\n",
        );
        out.push_str("# TYPE rapport_http_request_duration_seconds histogram\n");
        for ((route, method), s) in routes.iter() {
            let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
            let mut cumulative = 0;
            for (b, n) in BUCKETS.iter().zip(&s.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "rapport_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "rapport_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "rapport_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "rapport_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out.push_str("# HELP rapport_db_pool_connections Database connections, by state.\n");
        out.push_str("# TYPE rapport_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "rapport_db_pool_connections{{state=\"idle\"}} {}",
            pool.idle
        );
        let _ = writeln!(
            out,
            "rapport_db_pool_connections{{state=\"in_use\"}} {}",
            pool.open.saturating_sub(pool.idle)
        );
        out.push_str("# HELP rapport_db_pool_max_connections The pool's limit.\n");
        out.push_str("# TYPE rapport_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "rapport_db_pool_max_connections {}", pool.max);
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counts_add_up() {
        let m = Metrics::default();
        m.record(
            "GET",
            "/api/v1/parties/{key}",
            200,
            Duration::from_micros(800),
        );
        m.record(
            "GET",
            "/api/v1/parties/{key}",
            404,
            Duration::from_millis(30),
        );
        let page = m.render(PoolStats {
            open: 3,
            idle: 2,
            max: 4,
        });
        let route = "route=\"/api/v1/parties/{key}\",method=\"GET\"";
        assert!(page.contains(&format!(
            "rapport_http_requests_total{{{route},status=\"200\"}} 1"
        )));
        assert!(page.contains(&format!(
            "rapport_http_requests_total{{{route},status=\"404\"}} 1"
        )));
        assert!(page.contains(&format!(
            "rapport_http_request_duration_seconds_bucket{{{route},le=\"0.001\"}} 1"
        )));
        assert!(page.contains(&format!(
            "rapport_http_request_duration_seconds_bucket{{{route},le=\"0.05\"}} 2"
        )));
        assert!(page.contains(&format!(
            "rapport_http_request_duration_seconds_count{{{route}}} 2"
        )));
        assert!(page.contains("rapport_db_pool_connections{state=\"in_use\"} 1"));
    }
}
