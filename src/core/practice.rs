//! Practice with spaced repetition (SPEC §8): which card a member sees next, how a
//! rating schedules the card's next review, and the numbers of `/practice stats`.
//!
//! Scheduling is FSRS through `rs-fsrs` (the scheduler alone, with the published
//! default weights), not a hand-written interval table. A rating in `/practice` uses
//! FSRS's short-term steps, so "Again" brings a card back within minutes; a daily
//! answer is a review made on another day's schedule, so it uses the long-term
//! scheduler: a question answered today comes back in days, not in ten minutes.

use chrono::{DateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use rs_fsrs::{Card, FSRS, Parameters, State};

/// New cards a member may start in a day (cards a daily answer added do not count).
pub const NEW_CARDS_PER_DAY: u32 = 5;

/// How a member rates their recall of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rating {
    Again,
    Hard,
    Good,
    Easy,
}

impl Rating {
    pub const ALL: [Rating; 4] = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    /// The stored number (FSRS's: 1 Again … 4 Easy).
    pub fn number(self) -> i64 {
        match self {
            Rating::Again => 1,
            Rating::Hard => 2,
            Rating::Good => 3,
            Rating::Easy => 4,
        }
    }

    pub fn from_number(number: i64) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|rating| rating.number() == number)
    }

    pub fn name(self) -> &'static str {
        match self {
            Rating::Again => "again",
            Rating::Hard => "hard",
            Rating::Good => "good",
            Rating::Easy => "easy",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rating| rating.name() == name)
    }

    /// A daily answer's rating: unaided is Good, after the hint Hard.
    pub fn of_daily_answer(unaided: bool) -> Self {
        if unaided { Rating::Good } else { Rating::Hard }
    }

    fn fsrs(self) -> rs_fsrs::Rating {
        match self {
            Rating::Again => rs_fsrs::Rating::Again,
            Rating::Hard => rs_fsrs::Rating::Hard,
            Rating::Good => rs_fsrs::Rating::Good,
            Rating::Easy => rs_fsrs::Rating::Easy,
        }
    }
}

/// Where a review came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A rating button of `/practice`.
    Practice,
    /// An answer to a daily question.
    Daily,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Practice => "practice",
            Source::Daily => "daily",
        }
    }
}

/// A card's FSRS memory state, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CardState {
    pub due: DateTime<Utc>,
    pub stability: f64,
    pub difficulty: f64,
    pub elapsed_days: i64,
    pub scheduled_days: i64,
    /// Reviews so far: also the card's version, so a button shown before a review
    /// cannot rate the card twice.
    pub reps: u32,
    pub lapses: u32,
    /// FSRS's state: 0 new, 1 learning, 2 review, 3 relearning.
    pub state: u8,
    pub last_review: DateTime<Utc>,
}

impl CardState {
    fn to_fsrs(&self) -> Card {
        Card {
            due: self.due,
            stability: self.stability,
            difficulty: self.difficulty,
            elapsed_days: self.elapsed_days,
            scheduled_days: self.scheduled_days,
            reps: i32::try_from(self.reps).unwrap_or(i32::MAX),
            lapses: i32::try_from(self.lapses).unwrap_or(i32::MAX),
            state: match self.state {
                1 => State::Learning,
                2 => State::Review,
                3 => State::Relearning,
                _ => State::New,
            },
            last_review: self.last_review,
        }
    }

    fn from_fsrs(card: &Card) -> Self {
        Self {
            due: card.due,
            stability: card.stability,
            difficulty: card.difficulty,
            elapsed_days: card.elapsed_days,
            scheduled_days: card.scheduled_days,
            reps: u32::try_from(card.reps).unwrap_or(0),
            lapses: u32::try_from(card.lapses).unwrap_or(0),
            state: card.state as u8,
            last_review: card.last_review,
        }
    }
}

/// The card after a review at `now`. `card` is `None` for a card not yet in the deck.
///
/// A review dated before the card's last one (a daily answer held during a database
/// fault and recorded late) counts as made at the last review, so time never runs
/// backwards for FSRS.
pub fn review(
    card: Option<&CardState>,
    rating: Rating,
    now: DateTime<Utc>,
    source: Source,
) -> CardState {
    let (current, now) = match card {
        Some(card) => (card.to_fsrs(), now.max(card.last_review)),
        None => (
            Card {
                due: now,
                last_review: now,
                ..Card::default()
            },
            now,
        ),
    };
    let parameters = Parameters {
        enable_short_term: source == Source::Practice,
        enable_fuzz: false,
        ..Parameters::default()
    };
    let next = FSRS::new(parameters).next(current, now, rating.fsrs());
    CardState::from_fsrs(&next.card)
}

/// A card of a member's deck, as the "which card next" rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeckCard {
    pub question_id: String,
    pub due: DateTime<Utc>,
    pub reps: u32,
    pub introduced_at: DateTime<Utc>,
    /// Started from `/practice` (counts against the daily new-card limit), not added
    /// by a daily answer.
    pub started_in_practice: bool,
}

/// What `/practice` shows next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next<'a> {
    /// A card due now: the one due the longest.
    Due { question_id: &'a str, reps: u32 },
    /// A question not yet in the deck, within today's new-card limit.
    New { question_id: &'a str },
    /// Nothing to do now: the earliest review ahead (none for an empty deck), and
    /// whether new cards wait for tomorrow's limit.
    Nothing {
        next_due: Option<DateTime<Utc>>,
        new_cards_tomorrow: bool,
    },
}

/// The questions a new card may be, in order (SPEC §8). In a server with a daily
/// channel: those it has asked there with their hint out (`asked`), so practice never
/// spoils an upcoming daily question. In a server without one: the default bank's
/// questions (`default_bank`), in the bank's order.
pub fn new_card_candidates<'a>(
    has_daily_channel: bool,
    asked: &'a [String],
    default_bank: &'a [&'a str],
) -> impl Iterator<Item = &'a str> {
    let (asked, bank) = match has_daily_channel {
        true => (asked, &[][..]),
        false => (&[][..], default_bank),
    };
    asked.iter().map(String::as_str).chain(bank.iter().copied())
}

/// Due cards first, the one due longest first; then, while today's limit allows,
/// the first of `candidates` (the questions a new card may be, in order) not in the
/// deck.
pub fn next_card<'a>(
    deck: &'a [DeckCard],
    candidates: impl IntoIterator<Item = &'a str>,
    day_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Next<'a> {
    let oldest_due = deck
        .iter()
        .filter(|card| card.due <= now)
        .min_by(|a, b| (a.due, &a.question_id).cmp(&(b.due, &b.question_id)));
    if let Some(card) = oldest_due {
        return Next::Due {
            question_id: &card.question_id,
            reps: card.reps,
        };
    }
    let unseen = candidates
        .into_iter()
        .find(|id| !deck.iter().any(|card| card.question_id == *id));
    let started_today = new_cards_started(deck, day_start);
    match unseen {
        Some(question_id) if started_today < NEW_CARDS_PER_DAY => Next::New { question_id },
        unseen => Next::Nothing {
            next_due: deck.iter().map(|card| card.due).min(),
            new_cards_tomorrow: unseen.is_some(),
        },
    }
}

/// New cards started from `/practice` since `day_start`.
pub fn new_cards_started(deck: &[DeckCard], day_start: DateTime<Utc>) -> u32 {
    let started = deck
        .iter()
        .filter(|card| card.started_in_practice && card.introduced_at >= day_start)
        .count();
    u32::try_from(started).unwrap_or(u32::MAX)
}

/// The start of the member's practice day: midnight in `zone` (the zone of the
/// server's first daily channel, UTC without one). A midnight a DST change skips is
/// the first instant of that day.
pub fn day_start(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let date = now.with_timezone(&zone).date_naive();
    let mut time = date.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(start) = zone.from_local_datetime(&time).earliest() {
            return start.with_timezone(&Utc);
        }
        time += TimeDelta::minutes(30);
    }
    now
}

/// `/practice stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub cards: u32,
    pub due_now: u32,
    pub due_within_7_days: u32,
    pub reviewed_today: u32,
    /// Reviews of the last 30 days by rating: Again, Hard, Good, Easy.
    pub ratings_30_days: [u32; 4],
}

impl Stats {
    /// The share (0–100, rounded) of the last 30 days' reviews rated `rating`.
    pub fn percent(&self, rating: Rating) -> Option<u32> {
        let total: u32 = self.ratings_30_days.iter().sum();
        let count = self.ratings_30_days[(rating.number() - 1) as usize];
        (total > 0).then(|| (count * 100 + total / 2) / total)
    }
}

/// The stats of a deck and its reviews (`reviews`: when and how; older ones are
/// ignored). "Due within 7 days" does not count what is due now.
pub fn stats(
    deck: &[DeckCard],
    reviews: &[(DateTime<Utc>, Rating)],
    day_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Stats {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let week = now + TimeDelta::days(7);
    let month_ago = now - TimeDelta::days(30);
    let mut ratings = [0u32; 4];
    for (_, rating) in reviews.iter().filter(|(at, _)| *at > month_ago) {
        ratings[(rating.number() - 1) as usize] += 1;
    }
    Stats {
        cards: count(deck.len()),
        due_now: count(deck.iter().filter(|c| c.due <= now).count()),
        due_within_7_days: count(deck.iter().filter(|c| c.due > now && c.due <= week).count()),
        reviewed_today: count(reviews.iter().filter(|(at, _)| *at >= day_start).count()),
        ratings_30_days: ratings,
    }
}

/// The deck without the cards whose question is no longer in any bank (`known` says
/// which are): they are set aside, neither shown nor counted, until the question is
/// back.
pub fn set_aside_unknown(deck: &mut Vec<DeckCard>, known: impl Fn(&str) -> bool) {
    deck.retain(|card| known(&card.question_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_whose_question_left_the_banks_are_set_aside_and_the_rest_keep_their_order() {
        let t = "2026-06-01T09:00:00Z";
        let mut deck = vec![
            card("a", t, false, t),
            card("gone", t, false, t),
            card("b", t, true, t),
        ];
        set_aside_unknown(&mut deck, |id| id != "gone");
        let ids: Vec<&str> = deck.iter().map(|c| c.question_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn card(id: &str, due: &str, started_in_practice: bool, introduced: &str) -> DeckCard {
        DeckCard {
            question_id: id.to_owned(),
            due: at(due),
            reps: 1,
            introduced_at: at(introduced),
            started_in_practice,
        }
    }

    #[test]
    fn on_a_new_card_easy_is_further_than_good_than_hard_and_again_is_within_the_day() {
        let now = at("2026-06-01T12:00:00Z");
        let due = |rating| review(None, rating, now, Source::Practice).due;
        assert!(due(Rating::Easy) > due(Rating::Good));
        assert!(due(Rating::Good) > due(Rating::Hard));
        assert!(due(Rating::Hard) > due(Rating::Again));
        assert!(due(Rating::Again) < now + TimeDelta::hours(1));
        assert!(due(Rating::Again) > now);
    }

    #[test]
    fn on_a_card_in_review_every_rating_orders_the_same_way() {
        let start = at("2026-06-01T12:00:00Z");
        let first = review(None, Rating::Good, start, Source::Daily);
        assert_eq!(first.state, 2, "a daily answer puts the card in review");
        let now = first.due;
        let due = |rating| review(Some(&first), rating, now, Source::Practice).due;
        assert!(due(Rating::Easy) > due(Rating::Good));
        assert!(due(Rating::Good) > due(Rating::Hard));
        assert!(due(Rating::Again) < now + TimeDelta::hours(1));
    }

    #[test]
    fn a_daily_answer_brings_its_question_back_in_days_and_later_when_unaided() {
        let now = at("2026-06-01T13:05:00Z");
        let good = review(None, Rating::of_daily_answer(true), now, Source::Daily);
        let hard = review(None, Rating::of_daily_answer(false), now, Source::Daily);
        assert!(hard.due >= now + TimeDelta::days(1));
        assert!(good.due > hard.due);
        assert_eq!((good.reps, hard.reps), (1, 1));
    }

    #[test]
    fn each_review_counts_once_in_reps_so_a_stale_button_can_be_told() {
        let now = at("2026-06-01T12:00:00Z");
        let one = review(None, Rating::Good, now, Source::Practice);
        let two = review(Some(&one), Rating::Good, one.due, Source::Practice);
        assert_eq!((one.reps, two.reps), (1, 2));
    }

    #[test]
    fn a_review_dated_before_the_last_one_counts_at_the_last_one() {
        let now = at("2026-06-05T12:00:00Z");
        let card = review(None, Rating::Good, now, Source::Daily);
        let late = review(
            Some(&card),
            Rating::Good,
            now - TimeDelta::days(2),
            Source::Daily,
        );
        assert!(late.last_review >= card.last_review);
    }

    #[test]
    fn due_cards_come_first_the_one_due_longest_first() {
        let now = at("2026-06-10T12:00:00Z");
        let day = at("2026-06-10T00:00:00Z");
        let deck = [
            card("b", "2026-06-09T00:00:00Z", false, "2026-06-01T00:00:00Z"),
            card("a", "2026-06-08T00:00:00Z", false, "2026-06-01T00:00:00Z"),
            card("c", "2026-06-11T00:00:00Z", false, "2026-06-01T00:00:00Z"),
        ];
        let next = next_card(&deck, ["x", "a"], day, now);
        assert_eq!(
            next,
            Next::Due {
                question_id: "a",
                reps: 1
            }
        );
    }

    #[test]
    fn new_cards_come_from_the_asked_questions_with_a_daily_channel_and_from_the_bank_without() {
        let asked = vec!["q-7".to_owned(), "q-2".to_owned()];
        let bank = ["q-1", "q-2", "q-3"];
        let with: Vec<&str> = new_card_candidates(true, &asked, &bank).collect();
        assert_eq!(with, ["q-7", "q-2"], "never an upcoming daily question");
        let without: Vec<&str> = new_card_candidates(false, &[], &bank).collect();
        assert_eq!(without, ["q-1", "q-2", "q-3"]);
    }

    #[test]
    fn with_nothing_due_the_first_unseen_question_of_the_bank_is_new() {
        let now = at("2026-06-10T12:00:00Z");
        let deck = [card(
            "a",
            "2026-06-11T00:00:00Z",
            true,
            "2026-06-01T00:00:00Z",
        )];
        let next = next_card(&deck, ["a", "b", "c"], at("2026-06-10T00:00:00Z"), now);
        assert_eq!(next, Next::New { question_id: "b" });
    }

    #[test]
    fn five_new_cards_a_day_then_nothing_until_tomorrow() {
        let now = at("2026-06-10T12:00:00Z");
        let day = at("2026-06-10T00:00:00Z");
        let mut deck: Vec<DeckCard> = (0..5)
            .map(|i| {
                card(
                    &format!("q{i}"),
                    "2026-06-12T00:00:00Z",
                    true,
                    "2026-06-10T08:00:00Z",
                )
            })
            .collect();
        let bank = ["q0", "q1", "q2", "q3", "q4", "q5"];
        assert_eq!(
            next_card(&deck, bank, day, now),
            Next::Nothing {
                next_due: Some(at("2026-06-12T00:00:00Z")),
                new_cards_tomorrow: true
            }
        );
        // Cards a daily answer added do not use the limit.
        deck[0].started_in_practice = false;
        assert_eq!(
            next_card(&deck, bank, day, now),
            Next::New { question_id: "q5" }
        );
        // Tomorrow the limit starts again.
        deck[0].started_in_practice = true;
        let tomorrow = at("2026-06-11T00:00:00Z");
        assert_eq!(
            next_card(&deck, bank, tomorrow, tomorrow),
            Next::New { question_id: "q5" }
        );
    }

    #[test]
    fn an_empty_deck_of_a_fully_seen_bank_has_nothing_and_no_new_cards() {
        let now = at("2026-06-10T12:00:00Z");
        assert_eq!(
            next_card(&[], [], now, now),
            Next::Nothing {
                next_due: None,
                new_cards_tomorrow: false
            }
        );
    }

    #[test]
    fn the_practice_day_starts_at_local_midnight_even_when_dst_skips_it() {
        let zone: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            day_start(at("2026-06-10T03:00:00Z"), zone),
            at("2026-06-09T04:00:00Z")
        );
        // Santiago skips midnight when DST starts (2026-09-06 00:00 → 01:00).
        let santiago: Tz = "America/Santiago".parse().unwrap();
        assert_eq!(
            day_start(at("2026-09-06T12:00:00Z"), santiago),
            at("2026-09-06T04:00:00Z")
        );
    }

    #[test]
    fn stats_count_cards_due_now_this_week_today_and_the_share_of_each_rating() {
        let now = at("2026-06-10T12:00:00Z");
        let day = at("2026-06-10T00:00:00Z");
        let deck = [
            card("a", "2026-06-10T11:00:00Z", true, "2026-06-01T00:00:00Z"),
            card("b", "2026-06-12T00:00:00Z", true, "2026-06-01T00:00:00Z"),
            card("c", "2026-06-30T00:00:00Z", true, "2026-06-01T00:00:00Z"),
        ];
        let reviews = [
            (at("2026-06-10T10:00:00Z"), Rating::Good),
            (at("2026-06-10T10:01:00Z"), Rating::Easy),
            (at("2026-06-02T10:00:00Z"), Rating::Hard),
            (at("2026-06-02T10:00:00Z"), Rating::Good),
            (at("2026-04-01T10:00:00Z"), Rating::Again),
        ];
        let stats = stats(&deck, &reviews, day, now);
        assert_eq!(
            (
                stats.cards,
                stats.due_now,
                stats.due_within_7_days,
                stats.reviewed_today
            ),
            (3, 1, 1, 2)
        );
        assert_eq!(stats.ratings_30_days, [0, 1, 2, 1]);
        assert_eq!(stats.percent(Rating::Good), Some(50));
        assert_eq!(stats.percent(Rating::Hard), Some(25));
        assert_eq!(Stats::default().percent(Rating::Good), None);
    }

    #[test]
    fn ratings_round_trip_through_their_stored_numbers_and_button_names() {
        for rating in Rating::ALL {
            assert_eq!(Rating::from_number(rating.number()), Some(rating));
            assert_eq!(Rating::from_name(rating.name()), Some(rating));
        }
        assert_eq!(Rating::from_number(0), None);
        assert_eq!(Rating::from_name("meh"), None);
    }
}
