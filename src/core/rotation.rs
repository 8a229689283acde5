//! Which question a channel asks next.
//!
//! A channel walks shuffled passes through its eligible questions (the bank, or one
//! category): no question repeats until every one has been asked in the pass. The order
//! of a pass is a keyed hash of each id, so it is deterministic for a seed, and a
//! question added mid-pass simply takes its place in the order of the current pass;
//! an id removed from the bank is never eligible again.
//!
//! **Topic spacing**: questions that share a tag are posted at least [`TOPIC_GAP`]
//! questions apart whenever the rest of the pass can still be ordered that way. The
//! pick is the first question of the first spaced order of what is left of the pass
//! (the pass's hash order, searched depth-first), so the order is the same from one
//! day to the next and a spaced order is found whenever one exists (within a search
//! budget far above any real bank's needs; past it, the pick only avoids the tags of
//! the questions just asked).

use std::collections::HashSet;

use crate::core::question_bank::{Question, QuestionBank};

/// Questions sharing a tag are at least this many posts apart: with 3, two posts in
/// between (`a x y a` is fine, `a x a` is not).
pub const TOPIC_GAP: usize = 3;

/// Nodes the spacing search may visit before it settles for a greedy pick (with its
/// memory of dead ends, the shipped bank needs at most a few thousand).
const SEARCH_BUDGET: usize = 100_000;
/// Passes longer than this are ordered greedily (fewest clashes first): the search's
/// depth is the pass's length, and long passes leave plenty of room anyway.
const MAX_SEARCHED: usize = 64;

/// What the rotation remembers about a channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationState {
    /// The current pass, from 1.
    pub pass: u32,
    /// Ids asked (or skipped) in the current pass.
    pub asked_in_pass: HashSet<String>,
    /// The ids posted most recently, newest first, whatever their pass (at least the
    /// last `TOPIC_GAP - 1`).
    pub recent: Vec<String>,
}

impl RotationState {
    /// The id posted most recently.
    pub fn last_asked(&self) -> Option<&str> {
        self.recent.first().map(String::as_str)
    }
}

/// The next question and the pass it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub question_id: String,
    pub pass: u32,
    /// True when this pick opens a new pass (the previous one was exhausted).
    pub starts_new_pass: bool,
}

/// A question the rotation may pick: its id and its topic tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub id: &'a str,
    pub tags: &'a [String],
}

impl<'a> From<&'a str> for Candidate<'a> {
    fn from(id: &'a str) -> Self {
        Candidate { id, tags: &[] }
    }
}

impl<'a> From<&'a Question> for Candidate<'a> {
    fn from(question: &'a Question) -> Self {
        Candidate {
            id: question.id.as_str(),
            tags: &question.tags,
        }
    }
}

/// The channel's next question from `bank` (only `category`, when set): the one
/// rotation lookup the daily post, `/qotd skip` and `/qotd status` share.
pub fn next_in_bank(
    bank: &QuestionBank,
    category: Option<&str>,
    state: &RotationState,
    channel_seed: u64,
) -> Option<Pick> {
    let eligible: Vec<Candidate> = bank.in_category(category).map(Candidate::from).collect();
    // The recent posts' tags come from the whole bank: the category may have changed.
    let recent = recent_tags(state, |id| bank.get_str(id).map(|q| &q.tags[..]));
    pick(&eligible, &recent, state, channel_seed)
}

/// How far a channel is through its current pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassProgress {
    /// Eligible questions not yet asked (or skipped) in the pass.
    pub left: usize,
    /// Eligible questions in all.
    pub total: usize,
}

pub fn pass_progress(
    bank: &QuestionBank,
    category: Option<&str>,
    state: &RotationState,
) -> PassProgress {
    let (mut left, mut total) = (0, 0);
    for question in bank.in_category(category) {
        total += 1;
        left += usize::from(!state.asked_in_pass.contains(question.id.as_str()));
    }
    PassProgress { left, total }
}

/// Picks the next question among `eligible`, or `None` when there are none.
///
/// `channel_seed` makes each channel's order its own; the same inputs always give the
/// same pick. A new pass never opens with the question that closed the previous one.
/// The tags of the recent posts are looked up among `eligible`.
pub fn next_question<'a, C: Into<Candidate<'a>>>(
    eligible: impl IntoIterator<Item = C>,
    state: &RotationState,
    channel_seed: u64,
) -> Option<Pick> {
    let eligible: Vec<Candidate<'a>> = eligible.into_iter().map(Into::into).collect();
    let tags_of = |id: &str| eligible.iter().find(|c| c.id == id).map(|c| c.tags);
    let recent = recent_tags(state, tags_of);
    pick(&eligible, &recent, state, channel_seed)
}

/// The tags of the latest posts that spacing looks back on, oldest first (a question
/// no longer in the bank has none).
fn recent_tags<'a>(
    state: &RotationState,
    tags_of: impl Fn(&str) -> Option<&'a [String]>,
) -> Vec<&'a [String]> {
    let mut recent: Vec<&[String]> = state
        .recent
        .iter()
        .take(TOPIC_GAP - 1)
        .map(|id| tags_of(id).unwrap_or(&[]))
        .collect();
    recent.reverse();
    recent
}

fn pick(
    eligible: &[Candidate<'_>],
    recent: &[&[String]],
    state: &RotationState,
    channel_seed: u64,
) -> Option<Pick> {
    let pass = state.pass.max(1);
    let unasked: Vec<Candidate> = eligible
        .iter()
        .filter(|c| !state.asked_in_pass.contains(c.id))
        .copied()
        .collect();
    if let Some(id) = first_in_spaced_order(unasked, recent, channel_seed, pass, None) {
        return Some(Pick {
            question_id: id.to_owned(),
            pass,
            starts_new_pass: false,
        });
    }
    let next_pass = pass + 1;
    let not_first = state.last_asked().filter(|_| eligible.len() > 1);
    let candidates = eligible.to_vec();
    first_in_spaced_order(candidates, recent, channel_seed, next_pass, not_first).map(|id| Pick {
        question_id: id.to_owned(),
        pass: next_pass,
        starts_new_pass: true,
    })
}

/// The first question of the pass's spaced order of `candidates` after `recent`.
fn first_in_spaced_order<'a>(
    mut candidates: Vec<Candidate<'a>>,
    recent: &[&[String]],
    channel_seed: u64,
    pass: u32,
    not_first: Option<&str>,
) -> Option<&'a str> {
    let pass_seed = mix(channel_seed ^ mix(u64::from(pass)));
    candidates.sort_by_key(|c| (order_key(pass_seed, c.id), c.id));
    let allowed_first = |c: &Candidate| Some(c.id) != not_first;
    if candidates.len() <= MAX_SEARCHED {
        let mut search = SpacingSearch::new(&candidates, recent);
        let first = (0..candidates.len())
            .filter(|&i| allowed_first(&candidates[i]))
            .find(|&i| search.place(i));
        if let Some(index) = first {
            return Some(candidates[index].id);
        }
    }
    // No spaced order (or the budget ran out): the fewest clashes, in pass order.
    candidates
        .iter()
        .filter(|c| allowed_first(c))
        .min_by_key(|c| clashes(c.tags, recent))
        .map(|c| c.id)
}

/// How many of the `recent` posts share a tag with `tags`.
fn clashes(tags: &[String], recent: &[&[String]]) -> usize {
    recent
        .iter()
        .filter(|other| tags.iter().any(|tag| other.contains(tag)))
        .count()
}

/// Depth-first search, in pass order, for the first order of all candidates in which
/// no question shares a tag with the `TOPIC_GAP - 1` before it. Dead ends are
/// remembered (the rest of the search only depends on what is placed and the last
/// `TOPIC_GAP - 1` of it), and a branch is cut as soon as some tag has more questions
/// left than the remaining places can space out.
struct SpacingSearch {
    /// Each candidate's tags, as small numbers.
    tags: Vec<Vec<usize>>,
    /// The recent posts' tags, oldest first.
    recent: Vec<Vec<usize>>,
    /// Questions not placed yet, per tag.
    left_per_tag: Vec<usize>,
    used: u64,
    order: Vec<usize>,
    dead_ends: HashSet<(u64, [usize; TOPIC_GAP - 1])>,
    budget: usize,
}

impl SpacingSearch {
    fn new(candidates: &[Candidate<'_>], recent: &[&[String]]) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut intern = |tags: &[String]| -> Vec<usize> {
            let mut ids: Vec<usize> = tags
                .iter()
                .map(|tag| match names.iter().position(|n| n == tag) {
                    Some(index) => index,
                    None => {
                        names.push(tag.clone());
                        names.len() - 1
                    }
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let tags: Vec<Vec<usize>> = candidates.iter().map(|c| intern(c.tags)).collect();
        let recent: Vec<Vec<usize>> = recent.iter().map(|t| intern(t)).collect();
        let mut left_per_tag = vec![0; names.len()];
        for tag in tags.iter().flatten() {
            left_per_tag[*tag] += 1;
        }
        Self {
            tags,
            recent,
            left_per_tag,
            used: 0,
            order: Vec::new(),
            dead_ends: HashSet::new(),
            budget: SEARCH_BUDGET,
        }
    }

    /// The tags of the last `TOPIC_GAP - 1` posts: recent ones, then placed ones.
    fn window(&self) -> impl Iterator<Item = &Vec<usize>> {
        let placed = self.order.iter().map(|&i| &self.tags[i]);
        let all = self.recent.iter().chain(placed);
        all.skip((self.recent.len() + self.order.len()).saturating_sub(TOPIC_GAP - 1))
    }

    /// The last `TOPIC_GAP - 1` placed candidates (plus one: 0 is none).
    fn key(&self) -> (u64, [usize; TOPIC_GAP - 1]) {
        let mut last = [0; TOPIC_GAP - 1];
        for (slot, index) in last.iter_mut().zip(self.order.iter().rev()) {
            *slot = index + 1;
        }
        (self.used, last)
    }

    /// Whether every tag's remaining questions can still be spaced out in the places
    /// left: k questions of one tag need `(k - 1) * TOPIC_GAP + 1` places.
    fn can_still_space(&self) -> bool {
        let places = self.tags.len() - self.order.len();
        self.left_per_tag
            .iter()
            .all(|&k| k == 0 || (k - 1) * TOPIC_GAP < places)
    }

    /// Places candidate `i` next; true when the rest can follow it, spaced.
    fn place(&mut self, i: usize) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let tags = &self.tags[i];
        if self
            .window()
            .any(|other| tags.iter().any(|t| other.contains(t)))
        {
            return false;
        }
        self.used |= 1 << i;
        self.order.push(i);
        for &tag in &self.tags[i] {
            self.left_per_tag[tag] -= 1;
        }
        let done = self.order.len() == self.tags.len() || self.place_rest();
        for &tag in &self.tags[i] {
            self.left_per_tag[tag] += 1;
        }
        self.order.pop();
        self.used &= !(1 << i);
        done
    }

    /// Places the rest after what is placed, if it can be done.
    fn place_rest(&mut self) -> bool {
        let key = self.key();
        if !self.can_still_space() || self.dead_ends.contains(&key) {
            return false;
        }
        let found =
            (0..self.tags.len()).any(|next| self.used & (1 << next) == 0 && self.place(next));
        if !found && self.budget > 0 {
            self.dead_ends.insert(key);
        }
        found
    }
}

/// The position of `id` in the shuffled order of the pass with `pass_seed`.
fn order_key(pass_seed: u64, id: &str) -> u64 {
    // FNV-1a over the id, then a splitmix64 finish with the pass seed: stable across
    // Rust versions and platforms (std's hashers are not), which keeps stored
    // rotations meaningful after an upgrade.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    mix(hash ^ pass_seed)
}

/// splitmix64's finalizer: a fast bijective mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What posting `pick` does to the rotation (as storage records it).
    fn record(state: &mut RotationState, pick: &Pick) {
        if pick.starts_new_pass {
            state.pass = pick.pass;
            state.asked_in_pass.clear();
        }
        state.asked_in_pass.insert(pick.question_id.clone());
        state.recent.insert(0, pick.question_id.clone());
    }

    /// Asks `days` questions in a row, as the scheduler does.
    fn ask(ids: &[String], days: usize, seed: u64, state: &mut RotationState) -> Vec<Pick> {
        let mut picks = Vec::new();
        for _ in 0..days {
            let pick = next_question(ids.iter().map(String::as_str), state, seed).unwrap();
            record(state, &pick);
            picks.push(pick);
        }
        picks
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("q-{i}")).collect()
    }

    #[test]
    fn an_empty_bank_has_no_next_question() {
        assert_eq!(
            next_question::<&str>([], &RotationState::default(), 7),
            None
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_order_and_another_seed_another() {
        let bank = ids(20);
        let a = ask(&bank, 20, 1, &mut RotationState::default());
        let b = ask(&bank, 20, 1, &mut RotationState::default());
        let c = ask(&bank, 20, 2, &mut RotationState::default());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let sorted: Vec<&str> = bank.iter().map(String::as_str).collect();
        let asked: Vec<&str> = a.iter().map(|p| p.question_id.as_str()).collect();
        assert_ne!(asked, sorted, "the pass is shuffled, not in file order");
    }

    #[test]
    fn a_question_added_mid_pass_joins_the_current_pass() {
        let mut bank = ids(5);
        let mut state = RotationState::default();
        ask(&bank, 3, 9, &mut state);
        bank.push("brand-new".to_owned());
        let rest = ask(&bank, 3, 9, &mut state);
        assert!(rest.iter().all(|p| p.pass == 1), "{rest:?}");
        assert!(rest.iter().any(|p| p.question_id == "brand-new"));
    }

    #[test]
    fn a_removed_question_is_never_asked_again() {
        let mut bank = ids(6);
        let mut state = RotationState::default();
        ask(&bank, 2, 3, &mut state);
        bank.retain(|id| id != "q-4");
        let later = ask(&bank, 20, 3, &mut state);
        assert!(later.iter().all(|p| p.question_id != "q-4"));
    }

    #[test]
    fn a_new_pass_does_not_open_with_the_question_that_closed_the_last() {
        for seed in 0..50 {
            let bank = ids(4);
            let picks = ask(&bank, 40, seed, &mut RotationState::default());
            for pair in picks.windows(2) {
                assert_ne!(pair[0].question_id, pair[1].question_id, "seed {seed}");
            }
        }
    }

    #[test]
    fn a_single_question_bank_repeats_it_every_pass() {
        let bank = ids(1);
        let picks = ask(&bank, 3, 0, &mut RotationState::default());
        assert!(picks.iter().all(|p| p.question_id == "q-0"));
        assert_eq!(picks[2].pass, 3);
    }

    proptest! {
        #[test]
        fn every_pass_asks_every_question_exactly_once(n in 1usize..60, passes in 1usize..4, seed: u64) {
            let bank = ids(n);
            let picks = ask(&bank, n * passes, seed, &mut RotationState::default());
            for (index, chunk) in picks.chunks(n).enumerate() {
                let distinct: HashSet<&str> = chunk.iter().map(|p| p.question_id.as_str()).collect();
                prop_assert_eq!(distinct.len(), n);
                prop_assert!(chunk.iter().all(|p| p.pass as usize == index + 1));
            }
        }
    }

    /// A bank whose questions carry `tags[i]` (tag names are single letters).
    fn tagged(tags: &[&[&str]]) -> Vec<(String, Vec<String>)> {
        tags.iter()
            .enumerate()
            .map(|(i, t)| (format!("q-{i}"), t.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn candidates(bank: &[(String, Vec<String>)]) -> Vec<Candidate<'_>> {
        bank.iter()
            .map(|(id, tags)| Candidate { id, tags })
            .collect()
    }

    /// Asks `days` questions of a tagged bank, as the scheduler does.
    fn ask_tagged(
        bank: &[(String, Vec<String>)],
        days: usize,
        seed: u64,
        state: &mut RotationState,
    ) -> Vec<String> {
        let mut asked = Vec::new();
        for _ in 0..days {
            let pick = next_question(candidates(bank), state, seed).unwrap();
            record(state, &pick);
            asked.push(pick.question_id);
        }
        asked
    }

    fn tags_of<'b>(bank: &'b [(String, Vec<String>)], id: &str) -> &'b [String] {
        &bank.iter().find(|(q, _)| q == id).unwrap().1
    }

    /// Whether no two questions within `TOPIC_GAP` of each other share a tag.
    fn spaced(bank: &[(String, Vec<String>)], order: &[String]) -> bool {
        order.iter().enumerate().all(|(i, id)| {
            order[i.saturating_sub(TOPIC_GAP - 1)..i]
                .iter()
                .all(|earlier| clashes(tags_of(bank, id), &[tags_of(bank, earlier)]) == 0)
        })
    }

    /// Whether any order of `ids` after `before` is spaced (brute force).
    /// A new pass may not open with the question that closed the one before.
    fn some_order_is_spaced(
        bank: &[(String, Vec<String>)],
        before: &[String],
        ids: &mut Vec<String>,
        k: usize,
    ) -> bool {
        if k == ids.len() {
            let repeats = ids.len() > 1 && before.last() == ids.first();
            let order: Vec<String> = before.iter().chain(ids.iter()).cloned().collect();
            return !repeats && spaced(bank, &order);
        }
        (k..ids.len()).any(|i| {
            ids.swap(k, i);
            let found = some_order_is_spaced(bank, before, ids, k + 1);
            ids.swap(k, i);
            found
        })
    }

    #[test]
    fn questions_sharing_a_tag_are_posted_at_least_three_apart() {
        // Three fairness questions among eight: a spaced order exists (f o o f o o f o,
        // among others), so it must be found.
        let bank = tagged(&[
            &["fairness"],
            &["fairness", "bias"],
            &["fairness"],
            &[],
            &[],
            &["llm"],
            &["sarcasm"],
            &["mental-health"],
        ]);
        for seed in 0..200 {
            let order = ask_tagged(&bank, 8, seed, &mut RotationState::default());
            assert!(spaced(&bank, &order), "seed {seed}: {order:?}");
            let distinct: HashSet<&String> = order.iter().collect();
            assert_eq!(distinct.len(), 8, "still one pass, each question once");
        }
    }

    #[test]
    fn a_pass_that_cannot_be_spaced_still_asks_every_question_once() {
        let bank = tagged(&[&["llm"], &["llm"], &["llm"]]);
        let order = ask_tagged(&bank, 3, 5, &mut RotationState::default());
        let distinct: HashSet<&String> = order.iter().collect();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn a_long_pass_is_ordered_greedily_without_running_out_of_stack() {
        let tags: Vec<Vec<&str>> = (0..5_000)
            .map(|i| if i % 3 == 0 { vec!["a"] } else { vec![] })
            .collect();
        let slices: Vec<&[&str]> = tags.iter().map(Vec::as_slice).collect();
        let bank = tagged(&slices);
        let order = ask_tagged(&bank, 50, 1, &mut RotationState::default());
        assert!(spaced(&bank, &order), "{order:?}");
    }

    proptest! {
        #[test]
        fn a_spaced_order_is_found_whenever_one_exists(
            tags in proptest::collection::vec(proptest::collection::vec(0u8..4, 0..3), 1..8),
            seed: u64,
            passes in 1usize..3,
        ) {
            let names: Vec<Vec<String>> = tags
                .iter()
                .map(|t| t.iter().map(|n| ["fairness", "llm", "sarcasm", "mental-health"][*n as usize].to_owned()).collect())
                .collect();
            let bank: Vec<(String, Vec<String>)> = names
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("q-{i}"), t))
                .collect();
            let n = bank.len();
            let mut state = RotationState::default();
            let mut history: Vec<String> = Vec::new();
            for _ in 0..passes {
                let before: Vec<String> = history.iter().rev().take(TOPIC_GAP - 1).rev().cloned().collect();
                let mut ids: Vec<String> = bank.iter().map(|(id, _)| id.clone()).collect();
                let possible = some_order_is_spaced(&bank, &before, &mut ids, 0);
                let pass = ask_tagged(&bank, n, seed, &mut state);
                let distinct: HashSet<&String> = pass.iter().collect();
                prop_assert_eq!(distinct.len(), n);
                let order: Vec<String> = before.iter().chain(pass.iter()).cloned().collect();
                if possible {
                    prop_assert!(spaced(&bank, &order), "{:?} {:?}", bank, pass);
                }
                history.extend(pass);
            }
        }
    }

    /// Whether the questions `left` (indexes into `tags`) can follow `history` (the
    /// tags of the posts before, oldest first) spaced, the first not being
    /// `not_first`: an exhaustive search written apart from the one under test.
    fn exists_spaced(
        tags: &[Vec<String>],
        history: &[Vec<String>],
        left: u64,
        not_first: Option<usize>,
        dead: &mut HashSet<(u64, Vec<Vec<String>>)>,
    ) -> bool {
        if left == 0 {
            return true;
        }
        let window: Vec<Vec<String>> = history.iter().rev().take(TOPIC_GAP - 1).cloned().collect();
        if dead.contains(&(left, window.clone())) {
            return false;
        }
        let found = (0..tags.len())
            .filter(|&i| left & (1 << i) != 0 && Some(i) != not_first)
            .any(|i| {
                let fits = window
                    .iter()
                    .all(|other| !tags[i].iter().any(|t| other.contains(t)));
                let mut next = history.to_vec();
                next.push(tags[i].clone());
                fits && exists_spaced(tags, &next, left & !(1 << i), None, dead)
            });
        if !found {
            dead.insert((left, window));
        }
        found
    }

    #[test]
    fn the_shipped_bank_is_spaced_in_every_category_and_as_a_whole_whenever_it_can_be() {
        let text = include_str!("../../questions.yaml");
        let bank = QuestionBank::parse("questions.yaml", text).unwrap();
        let mut scopes: Vec<Option<&str>> = vec![None];
        scopes.extend(bank.categories().iter().map(|c| Some(c.id.as_str())));
        let mut checked = 0;
        for category in scopes {
            let tagged: Vec<(String, Vec<String>)> = bank
                .in_category(category)
                .map(|q| (q.id.as_str().to_owned(), q.tags.clone()))
                .collect();
            let tags: Vec<Vec<String>> = tagged.iter().map(|(_, t)| t.clone()).collect();
            let index_of = |id: &str| tagged.iter().position(|(q, _)| q == id).unwrap();
            for seed in 0..25 {
                let mut state = RotationState::default();
                let mut asked: Vec<String> = Vec::new();
                for _ in 0..2 {
                    let history: Vec<Vec<String>> =
                        asked.iter().map(|id| tags[index_of(id)].clone()).collect();
                    let not_first = asked
                        .last()
                        .map(|id| index_of(id))
                        .filter(|_| tags.len() > 1);
                    let all = (1u64 << tags.len()) - 1;
                    let possible =
                        exists_spaced(&tags, &history, all, not_first, &mut HashSet::new());
                    let before = asked.len();
                    for _ in 0..tagged.len() {
                        let pick = next_in_bank(&bank, category, &state, seed).unwrap();
                        record(&mut state, &pick);
                        asked.push(pick.question_id);
                    }
                    let distinct: HashSet<&String> = asked[before..].iter().collect();
                    assert_eq!(distinct.len(), tagged.len(), "one pass, each question once");
                    if possible {
                        checked += 1;
                        assert!(
                            spaced(&tagged, &asked),
                            "{category:?}, seed {seed}: {asked:?}"
                        );
                    }
                }
            }
        }
        assert!(
            checked >= 250,
            "most passes of the shipped bank can be spaced: {checked}"
        );
    }
}
