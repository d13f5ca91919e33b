//! Native notifications of new captures while the window is in the background,
//! throttled so a burst of deliveries makes one notification, not hundreds.

use std::time::{Duration, Instant};

/// At most one notification per this long; what arrives meanwhile is summed up.
pub const QUIET: Duration = Duration::from_secs(3);

#[derive(Debug, Default)]
pub struct Throttle {
    last: Option<Instant>,
    held: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Show this capture now.
    Show,
    /// Counted; [`Throttle::flush`] will sum it up.
    Held,
}

impl Throttle {
    pub fn on_capture(&mut self, now: Instant) -> Decision {
        match self.last {
            Some(t) if now.duration_since(t) < QUIET => {
                self.held += 1;
                Decision::Held
            }
            _ => {
                self.last = Some(now);
                Decision::Show
            }
        }
    }

    /// When the held captures are due, how many there are.
    pub fn due(&self) -> Option<Instant> {
        (self.held > 0).then(|| self.last.map_or_else(Instant::now, |t| t + QUIET))
    }

    /// Take the held count, if the quiet time is over.
    pub fn flush(&mut self, now: Instant) -> Option<u32> {
        if self.held == 0 || self.due().is_some_and(|d| now < d) {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_makes_one_notification_and_one_summary() {
        let t0 = Instant::now();
        let mut t = Throttle::default();
        assert_eq!(t.on_capture(t0), Decision::Show);
        for i in 1..=10 {
            assert_eq!(t.on_capture(t0 + Duration::from_millis(i * 100)), Decision::Held);
        }
        assert_eq!(t.flush(t0 + Duration::from_secs(1)), None, "not yet");
        assert_eq!(t.due(), Some(t0 + QUIET));
        assert_eq!(t.flush(t0 + QUIET), Some(10));
        assert_eq!(t.flush(t0 + QUIET * 3), None, "nothing left");
        assert_eq!(t.on_capture(t0 + QUIET * 3), Decision::Show);
    }
}
