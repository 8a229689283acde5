//! Role rewards (SPEC §14): a role for reaching a best streak, given once.

/// The streak milestones of `rewards` (streak, role) reached by a best streak that
/// went from `before` to `after`: each role is given once, when its streak is first
/// reached.
pub fn rewards_reached(rewards: &[(u32, u64)], before: u32, after: u32) -> Vec<u64> {
    rewards
        .iter()
        .filter(|(streak, _)| before < *streak && *streak <= after)
        .map(|(_, role)| *role)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reward_is_reached_once_when_the_best_streak_first_gets_there() {
        let rewards = [(3, 30), (7, 70), (30, 300)];
        assert_eq!(rewards_reached(&rewards, 2, 3), [30]);
        assert!(rewards_reached(&rewards, 3, 3).is_empty(), "already had it");
        assert_eq!(
            rewards_reached(&rewards, 0, 8),
            [30, 70],
            "a repair may jump"
        );
        assert!(rewards_reached(&rewards, 8, 8).is_empty());
    }
}
