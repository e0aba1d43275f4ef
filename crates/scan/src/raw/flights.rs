//! The probes a raw prober has out: at most one per (target, port), each with a serial
//! and a deadline, and the outcomes waiting for the scheduler. The SYN and UDP probers
//! keep their flights here; what a flight holds (`F`) is theirs.

use crate::engine::Done;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

/// A flight's target and port.
pub(crate) type Key = (IpAddr, u16);

/// Flights by target and port, their deadlines, and outcomes ready to hand over.
pub(crate) struct Flights<F> {
    map: HashMap<Key, (u64, F)>,
    deadlines: BinaryHeap<Reverse<(Instant, u64, Key)>>,
    ready: VecDeque<Done>,
    serial: u64,
}

impl<F> Flights<F> {
    /// An empty table.
    pub(crate) fn new() -> Flights<F> {
        Flights {
            map: HashMap::new(),
            deadlines: BinaryHeap::new(),
            ready: VecDeque::new(),
            serial: 0,
        }
    }

    /// Whether a probe to `key` is out: a second one must wait, its answer could not be
    /// told from the first one's.
    pub(crate) fn contains(&self, key: &Key) -> bool {
        self.map.contains_key(key)
    }

    /// The serial the next flight gets (counts up from 1).
    pub(crate) fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// Records a flight with its serial.
    pub(crate) fn insert(&mut self, key: Key, serial: u64, f: F) {
        self.map.insert(key, (serial, f));
    }

    /// Sets the deadline of the flight `serial` to `key`.
    pub(crate) fn arm(&mut self, key: Key, serial: u64, at: Instant) {
        self.deadlines.push(Reverse((at, serial, key)));
    }

    /// The flight to `key` if it is `serial` (not a later one to the same pair).
    pub(crate) fn get_mut(&mut self, key: &Key, serial: u64) -> Option<&mut F> {
        self.map
            .get_mut(key)
            .filter(|(s, _)| *s == serial)
            .map(|(_, f)| f)
    }

    /// Removes the flight to `key` (it was answered).
    pub(crate) fn take(&mut self, key: &Key) -> Option<F> {
        self.map.remove(key).map(|(_, f)| f)
    }

    /// Ends the flights whose deadline is past at `now`: `outcome` says what became of
    /// each, and it waits in the ready queue.
    pub(crate) fn expire(&mut self, now: Instant, mut outcome: impl FnMut(Key, F) -> Done) {
        while let Some(&Reverse((at, serial, key))) = self.deadlines.peek() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            if self.map.get(&key).is_some_and(|(s, _)| *s == serial) {
                if let Some((_, f)) = self.map.remove(&key) {
                    let d = outcome(key, f);
                    self.ready.push_back(d);
                }
            }
        }
    }

    /// Queues an outcome for the scheduler.
    pub(crate) fn push_ready(&mut self, d: Done) {
        self.ready.push_back(d);
    }

    /// The oldest outcome not yet handed over.
    pub(crate) fn pop_ready(&mut self) -> Option<Done> {
        self.ready.pop_front()
    }

    /// Whether an outcome is waiting.
    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Probes out plus outcomes not handed over (the scheduler's "in flight").
    pub(crate) fn len(&self) -> usize {
        self.map.len() + self.ready.len()
    }

    /// The earliest deadline still armed.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.peek().map(|Reverse((at, ..))| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    #[test]
    fn a_later_flight_to_the_same_pair_outlives_the_old_deadline() {
        let mut f: Flights<&str> = Flights::new();
        let key = (IpAddr::V4(Ipv4Addr::LOCALHOST), 80);
        let t0 = Instant::now();
        let s1 = f.next_serial();
        f.insert(key, s1, "first");
        f.arm(key, s1, t0);
        assert!(f.contains(&key));
        assert_eq!(f.take(&key), Some("first"));
        let s2 = f.next_serial();
        f.insert(key, s2, "second");
        f.arm(key, s2, t0 + Duration::from_secs(5));
        let mut ended = Vec::new();
        f.expire(t0 + Duration::from_secs(1), |k, v| {
            ended.push((k, v));
            unreachable_done()
        });
        assert!(
            ended.is_empty(),
            "the first flight's deadline must not end the second"
        );
        assert_eq!(f.get_mut(&key, s2).map(|v| *v), Some("second"));
        assert!(f.get_mut(&key, s1).is_none());
        assert_eq!(f.len(), 1);
        assert_eq!(f.next_deadline(), Some(t0 + Duration::from_secs(5)));
    }

    fn unreachable_done() -> Done {
        panic!("no flight should expire here")
    }
}
