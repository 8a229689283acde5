//! Which question a channel asks next.
//!
//! A channel walks shuffled passes through its eligible questions (the bank, or one
//! category): no question repeats until every one has been asked in the pass. The order
//! of a pass is a keyed hash of each id, so it is deterministic for a seed, and a
//! question added mid-pass simply takes its place in the order of the current pass;
//! an id removed from the bank is never eligible again.

use std::collections::HashSet;

/// What the rotation remembers about a channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationState {
    /// The current pass, from 1.
    pub pass: u32,
    /// Ids asked (or skipped) in the current pass.
    pub asked_in_pass: HashSet<String>,
    /// The id asked most recently, whatever its pass.
    pub last_asked: Option<String>,
}

/// The next question and the pass it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub question_id: String,
    pub pass: u32,
    /// True when this pick opens a new pass (the previous one was exhausted).
    pub starts_new_pass: bool,
}

/// Picks the next question among `eligible` ids, or `None` when there are none.
///
/// `channel_seed` makes each channel's order its own; the same inputs always give the
/// same pick. A new pass never opens with the question that closed the previous one.
pub fn next_question<'a>(
    eligible: impl IntoIterator<Item = &'a str>,
    state: &RotationState,
    channel_seed: u64,
) -> Option<Pick> {
    let eligible: Vec<&str> = eligible.into_iter().collect();
    let pass = state.pass.max(1);
    let unasked = eligible
        .iter()
        .copied()
        .filter(|id| !state.asked_in_pass.contains(*id));
    if let Some(id) = first_in_pass_order(unasked, channel_seed, pass) {
        return Some(Pick {
            question_id: id.to_owned(),
            pass,
            starts_new_pass: false,
        });
    }
    let next_pass = pass + 1;
    let fresh = eligible
        .iter()
        .copied()
        .filter(|id| eligible.len() == 1 || state.last_asked.as_deref() != Some(*id));
    first_in_pass_order(fresh, channel_seed, next_pass).map(|id| Pick {
        question_id: id.to_owned(),
        pass: next_pass,
        starts_new_pass: true,
    })
}

fn first_in_pass_order<'a>(
    ids: impl Iterator<Item = &'a str>,
    channel_seed: u64,
    pass: u32,
) -> Option<&'a str> {
    let pass_seed = mix(channel_seed ^ mix(u64::from(pass)));
    ids.min_by_key(|id| (order_key(pass_seed, id), *id))
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

    /// Asks `days` questions in a row, as the scheduler does.
    fn ask(ids: &[String], days: usize, seed: u64, state: &mut RotationState) -> Vec<Pick> {
        let mut picks = Vec::new();
        for _ in 0..days {
            let pick = next_question(ids.iter().map(String::as_str), state, seed).unwrap();
            if pick.starts_new_pass {
                state.pass = pick.pass;
                state.asked_in_pass.clear();
            }
            state.asked_in_pass.insert(pick.question_id.clone());
            state.last_asked = Some(pick.question_id.clone());
            picks.push(pick);
        }
        picks
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("q-{i}")).collect()
    }

    #[test]
    fn an_empty_bank_has_no_next_question() {
        assert_eq!(next_question([], &RotationState::default(), 7), None);
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
}
