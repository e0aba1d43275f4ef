//! Round-trip-time estimation as in RFC 6298 (and nmap): a smoothed RTT and its
//! variance give the probe timeout, clamped to a configured window.

use std::time::Duration;

/// SRTT/RTTVAR estimator for one target.
#[derive(Debug, Clone, Copy)]
pub struct RttEstimator {
    best: Option<Duration>,
    srtt: Option<Duration>,
    rttvar: Duration,
    min: Duration,
    max: Duration,
    initial: Duration,
}

impl RttEstimator {
    /// A fresh estimator: [`RttEstimator::timeout`] is `initial` until the first sample.
    pub fn new(initial: Duration, min: Duration, max: Duration) -> RttEstimator {
        let max = max.max(min);
        RttEstimator {
            best: None,
            srtt: None,
            rttvar: Duration::ZERO,
            min,
            max,
            initial: initial.clamp(min, max),
        }
    }

    /// Feeds one measured round trip (only from probes that were not retried).
    pub fn sample(&mut self, r: Duration) {
        self.best = Some(self.best.map_or(r, |b| b.min(r)));
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2;
            }
            Some(s) => {
                let diff = s.max(r) - s.min(r);
                self.rttvar = self.rttvar * 3 / 4 + diff / 4;
                self.srtt = Some(s * 7 / 8 + r / 8);
            }
        }
    }

    /// The fastest round trip seen: the host's latency as a person means it (the smoothed
    /// value also carries the scanner's own queueing under a wide window).
    pub fn best(&self) -> Option<Duration> {
        self.best
    }

    /// The smoothed RTT, if any sample was taken.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// The probe timeout: SRTT + 4·RTTVAR, clamped to [min, max].
    pub fn timeout(&self) -> Duration {
        match self.srtt {
            None => self.initial,
            Some(s) => {
                (s + (self.rttvar * 4).max(Duration::from_millis(1))).clamp(self.min, self.max)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converges_and_clamps() {
        let mut e = RttEstimator::new(
            Duration::from_secs(1),
            Duration::from_millis(100),
            Duration::from_secs(2),
        );
        assert_eq!(e.timeout(), Duration::from_secs(1));
        for _ in 0..50 {
            e.sample(Duration::from_micros(50));
        }
        assert_eq!(e.timeout(), Duration::from_millis(100));
        for _ in 0..50 {
            e.sample(Duration::from_millis(800));
        }
        let t = e.timeout();
        assert!(
            t >= Duration::from_millis(800) && t <= Duration::from_secs(2),
            "{t:?}"
        );
        for _ in 0..50 {
            e.sample(Duration::from_secs(10));
        }
        assert_eq!(e.timeout(), Duration::from_secs(2));
    }
}
