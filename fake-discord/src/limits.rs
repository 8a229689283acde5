//! Discord's limits beyond the per-route buckets, as strict as Discord:
//!
//! - the **global limit**: about 50 REST requests a second per bot token, whatever the
//!   route and however many processes use the token; interaction callbacks and
//!   follow-ups (webhook routes) are exempt. Past it Discord answers `429` with
//!   `"global": true` and `retry_after`.
//! - the **invalid-request ban**: 10,000 answers 401, 403 or 429 (other than a 429 of
//!   scope `shared`) within 10 minutes get the IP banned by Cloudflare for an hour:
//!   every request is then answered `429` with an HTML page, `error code: 1015`.
//!
//! - the **message bucket of a channel**: Discord lets a bot create about 5 messages
//!   in one channel (a thread is a channel) per 5 s; the bucket's window opens with
//!   the first message after the last window closed. Past it, `429` with scope
//!   `user` and `retry_after` (an invalid request).
//!
//! The limits are off until a test turns them on ([`crate::Builder::global_limit`],
//! [`crate::FakeDiscord::set_global_limit`], [`crate::FakeDiscord::set_channel_message_limit`]);
//! the counts are kept either way, so a benchmark can report them ([`LimitsReport`]).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The window of the global limit.
const SECOND: Duration = Duration::from_secs(1);
/// The window of the invalid-request ban.
const TEN_MINUTES: Duration = Duration::from_secs(600);
/// Invalid requests in [`TEN_MINUTES`] that get the IP banned.
pub const DEFAULT_BAN_AT: usize = 10_000;

/// What the limits saw, for a benchmark or a test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitsReport {
    /// Requests refused by the global limit.
    pub global_429s: u64,
    /// Answers 401, 403 or 429 (not `shared`), every one since the start.
    pub invalid: u64,
    /// The most requests counted toward the global limit in any one-second window.
    pub peak_per_second: usize,
    /// Whether the invalid requests got the IP banned.
    pub banned: bool,
    /// Messages refused by a channel's message bucket.
    pub channel_429s: u64,
}

/// Why a request is refused before it is carried out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refusal {
    /// Past the global limit: try again after this many seconds.
    Global { retry_after: f64 },
    /// Past a channel's message bucket: try again after this many seconds.
    Route { retry_after: f64 },
    /// The IP is banned (Cloudflare's page).
    Banned,
}

#[derive(Debug)]
pub(crate) struct Limits {
    /// Requests a second per token; `None`: not enforced.
    pub global_per_second: Option<usize>,
    /// Invalid requests in ten minutes that ban the IP.
    pub ban_at: usize,
    /// When each token's counted requests of the last second came.
    recent: HashMap<String, VecDeque<Instant>>,
    /// Every counted request of the last second, whatever its token (the peak).
    all_recent: VecDeque<Instant>,
    /// When the invalid answers of the last ten minutes were given.
    invalid: VecDeque<Instant>,
    /// Messages a channel may get per window (`None`: not enforced), and the window.
    pub channel_messages: Option<(usize, Duration)>,
    /// Each channel's open window: when it opened, and the messages in it.
    channel_windows: HashMap<String, (Instant, usize)>,
    report: LimitsReport,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            global_per_second: None,
            ban_at: DEFAULT_BAN_AT,
            recent: HashMap::new(),
            all_recent: VecDeque::new(),
            invalid: VecDeque::new(),
            channel_messages: None,
            channel_windows: HashMap::new(),
            report: LimitsReport::default(),
        }
    }
}

/// Drops the instants older than `window` before `now`.
fn forget_before(times: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while times
        .front()
        .is_some_and(|&at| now.duration_since(at) >= window)
    {
        times.pop_front();
    }
}

impl Limits {
    /// No limit enforced yet but `global_per_second`, Discord's ban threshold.
    pub fn with_global_limit(global_per_second: Option<usize>) -> Self {
        Self {
            global_per_second,
            ..Self::default()
        }
    }

    /// Whether a request with `token` on `path` may be carried out at `now`; counts it
    /// toward the global limit when it is.
    pub fn admit(&mut self, token: &str, path: &str, now: Instant) -> Result<(), Refusal> {
        if self.report.banned {
            return Err(Refusal::Banned);
        }
        if is_exempt(path) {
            return Ok(());
        }
        let recent = self.recent.entry(token.to_owned()).or_default();
        forget_before(recent, SECOND, now);
        if let Some(limit) = self.global_per_second
            && recent.len() >= limit
        {
            let oldest = recent.front().copied().unwrap_or(now);
            let wait = SECOND.saturating_sub(now.duration_since(oldest));
            self.report.global_429s += 1;
            return Err(Refusal::Global {
                retry_after: wait.as_secs_f64().max(0.001),
            });
        }
        recent.push_back(now);
        forget_before(&mut self.all_recent, SECOND, now);
        self.all_recent.push_back(now);
        self.report.peak_per_second = self.report.peak_per_second.max(self.all_recent.len());
        Ok(())
    }

    /// Whether `method` on `path` may be carried out at `now` by its route's bucket:
    /// only a channel's message bucket is modelled (`POST /channels/{id}/messages`).
    pub fn admit_route(&mut self, method: &str, path: &str, now: Instant) -> Result<(), Refusal> {
        let Some((limit, window)) = self.channel_messages else {
            return Ok(());
        };
        let channel = match path.strip_prefix("/channels/") {
            Some(rest) if method == "POST" => match rest.split_once('/') {
                Some((channel, "messages")) => channel,
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        let (opened, count) = self
            .channel_windows
            .entry(channel.to_owned())
            .or_insert((now, 0));
        if now.duration_since(*opened) >= window {
            (*opened, *count) = (now, 0);
        }
        if *count >= limit {
            self.report.channel_429s += 1;
            let wait = window.saturating_sub(now.duration_since(*opened));
            return Err(Refusal::Route {
                retry_after: wait.as_secs_f64().max(0.001),
            });
        }
        *count += 1;
        Ok(())
    }

    /// Counts an answer `status` (with the scope of a 429) toward the ban.
    pub fn answered(&mut self, status: u16, scope: Option<&str>, now: Instant) {
        let invalid = matches!(status, 401 | 403) || (status == 429 && scope != Some("shared"));
        if !invalid {
            return;
        }
        self.report.invalid += 1;
        forget_before(&mut self.invalid, TEN_MINUTES, now);
        self.invalid.push_back(now);
        if self.invalid.len() >= self.ban_at {
            self.report.banned = true;
        }
    }

    pub fn report(&self) -> LimitsReport {
        self.report
    }
}

/// Interaction callbacks and follow-ups do not count toward the global limit.
fn is_exempt(path: &str) -> bool {
    path.starts_with("/interactions/") || path.starts_with("/webhooks/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_fifty_a_second_a_token_is_refused_until_the_oldest_leaves_the_window() {
        let mut limits = Limits {
            global_per_second: Some(50),
            ..Limits::default()
        };
        let start = Instant::now();
        for n in 0..50 {
            let at = start + Duration::from_millis(n * 10);
            assert_eq!(limits.admit("Bot a", "/channels/1/messages", at), Ok(()));
        }
        let late = start + Duration::from_millis(600);
        let Err(Refusal::Global { retry_after }) = limits.admit("Bot a", "/x", late) else {
            panic!("the 51st request in a second is refused");
        };
        assert!((retry_after - 0.4).abs() < 1e-6, "{retry_after}");
        assert_eq!(limits.admit("Bot b", "/x", late), Ok(()), "another token");
        assert_eq!(
            limits.admit("Bot a", "/interactions/1/t/callback", late),
            Ok(()),
            "callbacks are exempt"
        );
        assert_eq!(limits.admit("Bot a", "/x", start + SECOND), Ok(()));
        let report = limits.report();
        assert_eq!((report.global_429s, report.peak_per_second), (1, 51));
    }

    #[test]
    fn a_channel_takes_five_messages_a_window_and_other_channels_and_routes_are_apart() {
        let mut limits = Limits {
            channel_messages: Some((5, Duration::from_secs(5))),
            ..Limits::default()
        };
        let start = Instant::now();
        for i in 0..5 {
            let at = start + Duration::from_millis(i * 100);
            assert_eq!(
                limits.admit_route("POST", "/channels/1/messages", at),
                Ok(())
            );
        }
        let sixth = start + Duration::from_secs(4);
        let refused = limits.admit_route("POST", "/channels/1/messages", sixth);
        assert!(
            matches!(refused, Err(Refusal::Route { retry_after }) if (retry_after - 1.0).abs() < 1e-6)
        );
        assert_eq!(
            limits.admit_route("POST", "/channels/2/messages", sixth),
            Ok(())
        );
        assert_eq!(
            limits.admit_route("PATCH", "/channels/1/messages/9", sixth),
            Ok(())
        );
        let next_window = start + Duration::from_secs(5);
        assert_eq!(
            limits.admit_route("POST", "/channels/1/messages", next_window),
            Ok(())
        );
        assert_eq!(limits.report().channel_429s, 1);
    }

    #[test]
    fn invalid_answers_in_ten_minutes_ban_every_request_and_shared_429s_do_not_count() {
        let mut limits = Limits {
            ban_at: 3,
            ..Limits::default()
        };
        let start = Instant::now();
        limits.answered(403, None, start);
        limits.answered(429, Some("shared"), start);
        limits.answered(200, None, start);
        limits.answered(401, None, start + TEN_MINUTES);
        assert_eq!(limits.admit("Bot a", "/x", start + TEN_MINUTES), Ok(()));
        limits.answered(429, Some("user"), start + TEN_MINUTES);
        assert_eq!(limits.report().invalid, 3);
        assert!(!limits.report().banned, "the first left the window");
        limits.answered(403, None, start + TEN_MINUTES);
        assert!(limits.report().banned);
        assert_eq!(
            limits.admit("Bot a", "/interactions/1/t/callback", start + TEN_MINUTES),
            Err(Refusal::Banned)
        );
    }
}
