//! When a question's hint is revealed (docs/behaviour.md).
//!
//! The hint is revealed when `reactions_needed` distinct members (never bots) have
//! reacted 💡, or when `reveal_after` has passed since the post, whichever is first —
//! and exactly once: every event after the reveal answers "already revealed".

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};

pub const DEFAULT_REVEAL_AFTER_MINUTES: u32 = 240;
pub const DEFAULT_REVEAL_REACTIONS: u32 = 1;
pub const REVEAL_AFTER_MINUTES_RANGE: std::ops::RangeInclusive<u32> = 1..=1440;
pub const REVEAL_REACTIONS_RANGE: std::ops::RangeInclusive<u32> = 1..=25;

/// A channel's reveal settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevealRule {
    pub reactions_needed: u32,
    pub reveal_after: TimeDelta,
}

impl Default for RevealRule {
    fn default() -> Self {
        Self {
            reactions_needed: DEFAULT_REVEAL_REACTIONS,
            reveal_after: TimeDelta::minutes(i64::from(DEFAULT_REVEAL_AFTER_MINUTES)),
        }
    }
}

impl RevealRule {
    /// When the timeout reveal falls due for a question posted at `posted_at`.
    pub fn due_at(&self, posted_at: DateTime<Utc>) -> DateTime<Utc> {
        posted_at + self.reveal_after
    }
}

/// How long a process showing a revealed hint (editing the post, announcing it in
/// the thread) holds the show: one holder silent this long has crashed, and another
/// process finishing the post makes the show instead. Far longer than the two
/// Discord calls take, even through rate limits, so a slow holder is never doubled.
pub const SHOW_LEASE: TimeDelta = TimeDelta::minutes(10);

/// A show taken before this moment, and not finished, is abandoned at `now`.
pub fn show_lease_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - SHOW_LEASE
}

/// Why a hint was revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealReason {
    Reactions,
    Timeout,
    /// Someone pressed the quiz's "Reveal hint" button.
    Button,
}

impl RevealReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevealReason::Reactions => "reactions",
            RevealReason::Timeout => "timeout",
            RevealReason::Button => "button",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "reactions" => Some(Self::Reactions),
            "timeout" => Some(Self::Timeout),
            "button" => Some(Self::Button),
            _ => None,
        }
    }
}

/// The outcome of an event: reveal now (once), or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealDecision {
    RevealNow(RevealReason),
    NotYet,
    AlreadyRevealed,
}

/// Whether `reactors` distinct members reacting 💡 reveal a hint that needs
/// `reactions_needed` of them (daily posts and quizzes alike).
pub fn enough_reactions(reactors: u32, reactions_needed: u32) -> bool {
    reactors >= reactions_needed
}

/// The reveal state of one posted question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintReveal {
    rule: RevealRule,
    posted_at: DateTime<Utc>,
    reactors: BTreeSet<u64>,
    revealed: Option<RevealReason>,
}

impl HintReveal {
    pub fn new(rule: RevealRule, posted_at: DateTime<Utc>) -> Self {
        Self {
            rule,
            posted_at,
            reactors: BTreeSet::new(),
            revealed: None,
        }
    }

    /// Restores a state from storage.
    pub fn restore(
        rule: RevealRule,
        posted_at: DateTime<Utc>,
        reactors: impl IntoIterator<Item = u64>,
        revealed: Option<RevealReason>,
    ) -> Self {
        Self {
            rule,
            posted_at,
            reactors: reactors.into_iter().collect(),
            revealed,
        }
    }

    pub fn is_revealed(&self) -> bool {
        self.revealed.is_some()
    }

    pub fn reactor_count(&self) -> u32 {
        u32::try_from(self.reactors.len()).unwrap_or(u32::MAX)
    }

    /// When the timeout reveal falls due (`None` once revealed).
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        self.revealed
            .is_none()
            .then(|| self.rule.due_at(self.posted_at))
    }

    /// A 💡 reaction was added by `user` at `now`.
    pub fn reaction_added(
        &mut self,
        user: u64,
        is_bot: bool,
        now: DateTime<Utc>,
    ) -> RevealDecision {
        if self.revealed.is_some() {
            return RevealDecision::AlreadyRevealed;
        }
        if !is_bot {
            self.reactors.insert(user);
        }
        self.decide(now)
    }

    /// A 💡 reaction was removed: the member no longer counts (until the reveal).
    pub fn reaction_removed(&mut self, user: u64) {
        if self.revealed.is_none() {
            self.reactors.remove(&user);
        }
    }

    /// The clock reached `now` (the scheduler's tick, or a start-up after downtime).
    pub fn tick(&mut self, now: DateTime<Utc>) -> RevealDecision {
        if self.revealed.is_some() {
            return RevealDecision::AlreadyRevealed;
        }
        self.decide(now)
    }

    /// An explicit reveal (the quiz button): reveals unless already revealed.
    pub fn reveal_by_button(&mut self) -> RevealDecision {
        self.reveal(RevealReason::Button)
    }

    fn decide(&mut self, now: DateTime<Utc>) -> RevealDecision {
        if enough_reactions(self.reactor_count(), self.rule.reactions_needed) {
            self.reveal(RevealReason::Reactions)
        } else if now >= self.rule.due_at(self.posted_at) {
            self.reveal(RevealReason::Timeout)
        } else {
            RevealDecision::NotYet
        }
    }

    fn reveal(&mut self, reason: RevealReason) -> RevealDecision {
        if self.revealed.is_some() {
            return RevealDecision::AlreadyRevealed;
        }
        self.revealed = Some(reason);
        RevealDecision::RevealNow(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    fn rule(reactions_needed: u32, minutes: i64) -> RevealRule {
        RevealRule {
            reactions_needed,
            reveal_after: TimeDelta::minutes(minutes),
        }
    }

    #[test]
    fn one_member_reacting_reveals_with_the_default_rule_and_a_second_changes_nothing() {
        let mut reveal = HintReveal::new(RevealRule::default(), at(0));
        assert_eq!(
            reveal.reaction_added(1, false, at(5)),
            RevealDecision::RevealNow(RevealReason::Reactions)
        );
        assert_eq!(
            reveal.reaction_added(2, false, at(6)),
            RevealDecision::AlreadyRevealed
        );
        assert_eq!(reveal.tick(at(500)), RevealDecision::AlreadyRevealed);
    }

    #[test]
    fn a_threshold_of_three_needs_three_distinct_members() {
        let mut reveal = HintReveal::new(rule(3, 240), at(0));
        assert_eq!(
            reveal.reaction_added(1, false, at(1)),
            RevealDecision::NotYet
        );
        assert_eq!(
            reveal.reaction_added(1, false, at(2)),
            RevealDecision::NotYet,
            "same member twice"
        );
        assert_eq!(
            reveal.reaction_added(2, false, at(3)),
            RevealDecision::NotYet
        );
        assert_eq!(
            reveal.reaction_added(3, false, at(4)),
            RevealDecision::RevealNow(RevealReason::Reactions)
        );
    }

    #[test]
    fn a_bots_reaction_never_counts() {
        let mut reveal = HintReveal::new(rule(1, 240), at(0));
        assert_eq!(
            reveal.reaction_added(99, true, at(1)),
            RevealDecision::NotYet
        );
        assert_eq!(reveal.reactor_count(), 0);
    }

    #[test]
    fn a_removed_reaction_lowers_the_count_before_the_reveal() {
        let mut reveal = HintReveal::new(rule(2, 240), at(0));
        reveal.reaction_added(1, false, at(1));
        reveal.reaction_removed(1);
        assert_eq!(
            reveal.reaction_added(2, false, at(2)),
            RevealDecision::NotYet
        );
        assert_eq!(
            reveal.reaction_added(3, false, at(3)),
            RevealDecision::RevealNow(RevealReason::Reactions)
        );
    }

    #[test]
    fn the_timeout_reveals_once_when_it_falls_due() {
        let mut reveal = HintReveal::new(rule(5, 60), at(0));
        assert_eq!(reveal.due_at(), Some(at(60)));
        assert_eq!(reveal.tick(at(59)), RevealDecision::NotYet);
        assert_eq!(
            reveal.tick(at(60)),
            RevealDecision::RevealNow(RevealReason::Timeout)
        );
        assert_eq!(reveal.tick(at(61)), RevealDecision::AlreadyRevealed);
        assert_eq!(reveal.due_at(), None);
    }

    #[test]
    fn an_overdue_timeout_restored_after_a_restart_reveals_at_the_first_tick() {
        let mut reveal = HintReveal::restore(rule(3, 60), at(0), [1], None);
        assert_eq!(
            reveal.tick(at(600)),
            RevealDecision::RevealNow(RevealReason::Timeout)
        );
        let mut already = HintReveal::restore(rule(3, 60), at(0), [1], Some(RevealReason::Timeout));
        assert_eq!(already.tick(at(600)), RevealDecision::AlreadyRevealed);
    }

    #[test]
    fn the_button_reveals_once() {
        let mut reveal = HintReveal::new(rule(1, 60), at(0));
        assert_eq!(
            reveal.reveal_by_button(),
            RevealDecision::RevealNow(RevealReason::Button)
        );
        assert_eq!(reveal.reveal_by_button(), RevealDecision::AlreadyRevealed);
        assert_eq!(
            reveal.reaction_added(1, false, at(1)),
            RevealDecision::AlreadyRevealed
        );
    }
}
