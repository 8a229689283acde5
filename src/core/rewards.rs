//! Role rewards (SPEC §14): a role for reaching a best streak, given once.

/// A reward: the role a best streak of `streak` earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleReward {
    pub streak: u32,
    pub role_id: u64,
}

/// The roles of `rewards` a member whose best streak (in any daily channel of the
/// server) is `best` has earned and not been given (`given`): each role once, kept
/// when the streak later breaks (a best streak never falls).
pub fn rewards_due(rewards: &[RoleReward], best: u32, given: impl Fn(u64) -> bool) -> Vec<u64> {
    rewards
        .iter()
        .filter(|reward| reward.streak <= best && !given(reward.role_id))
        .map(|reward| reward.role_id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reward_is_due_once_the_best_streak_reaches_it_until_it_is_given() {
        let reward = |streak, role_id| RoleReward { streak, role_id };
        let rewards = [reward(3, 30), reward(7, 70), reward(30, 300)];
        assert!(rewards_due(&rewards, 2, |_| false).is_empty());
        assert_eq!(rewards_due(&rewards, 3, |_| false), [30]);
        assert_eq!(
            rewards_due(&rewards, 8, |_| false),
            [30, 70],
            "a repair may jump"
        );
        assert_eq!(rewards_due(&rewards, 8, |role| role == 30), [70]);
        assert!(rewards_due(&rewards, 8, |_| true).is_empty(), "given once");
    }
}
