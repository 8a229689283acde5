//! Leaderboard order (README, "Slash commands"): current streak, then best streak, then total answers.
//!
//! Ties on all three share a rank (1, 2, 2, 4) and are listed by id so the order is
//! stable between calls. A team's standing sums its members' current streaks, best
//! streaks and totals (see docs/behaviour.md, "Leaderboards and teams").

use std::cmp::Ordering;

/// One row to rank: a member or a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub id: u64,
    pub current: u64,
    pub best: u64,
    pub total: u64,
}

/// A standing with its rank (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    pub rank: u64,
    pub standing: Standing,
}

/// Leaderboard order: better first, ties by id.
pub fn leaderboard_order(a: &Standing, b: &Standing) -> Ordering {
    score_order(a, b).then(a.id.cmp(&b.id))
}

/// Order by score only (equal scores share a rank).
fn score_order(a: &Standing, b: &Standing) -> Ordering {
    (b.current, b.best, b.total).cmp(&(a.current, a.best, a.total))
}

/// Sorts `standings` and numbers them with shared ranks for equal scores.
pub fn rank(mut standings: Vec<Standing>) -> Vec<Ranked> {
    standings.sort_by(leaderboard_order);
    let mut ranked: Vec<Ranked> = Vec::with_capacity(standings.len());
    for (index, standing) in standings.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some(previous) if score_order(&previous.standing, &standing) == Ordering::Equal => {
                previous.rank
            }
            _ => index as u64 + 1,
        };
        ranked.push(Ranked { rank, standing });
    }
    ranked
}

/// A team's standing from its members' standings.
pub fn team_standing(team_id: u64, members: impl IntoIterator<Item = Standing>) -> Standing {
    members.into_iter().fold(
        Standing {
            id: team_id,
            current: 0,
            best: 0,
            total: 0,
        },
        |team, member| Standing {
            id: team_id,
            current: team.current + member.current,
            best: team.best + member.best,
            total: team.total + member.total,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: u64, current: u64, best: u64, total: u64) -> Standing {
        Standing {
            id,
            current,
            best,
            total,
        }
    }

    fn order(ranked: &[Ranked]) -> Vec<(u64, u64)> {
        ranked.iter().map(|r| (r.rank, r.standing.id)).collect()
    }

    #[test]
    fn members_rank_by_current_then_best_then_total() {
        let ranked = rank(vec![
            s(1, 2, 9, 9),
            s(2, 5, 5, 5),
            s(3, 2, 9, 10),
            s(4, 2, 3, 50),
        ]);
        assert_eq!(order(&ranked), [(1, 2), (2, 3), (3, 1), (4, 4)]);
    }

    #[test]
    fn full_ties_share_a_rank_and_list_by_id() {
        let ranked = rank(vec![
            s(9, 1, 1, 1),
            s(3, 1, 1, 1),
            s(5, 4, 4, 4),
            s(1, 0, 0, 1),
        ]);
        assert_eq!(order(&ranked), [(1, 5), (2, 3), (2, 9), (4, 1)]);
    }

    #[test]
    fn ranking_is_stable_whatever_the_input_order() {
        let rows = vec![s(1, 1, 1, 1), s(2, 1, 1, 1), s(3, 1, 1, 1)];
        let mut reversed = rows.clone();
        reversed.reverse();
        assert_eq!(rank(rows), rank(reversed));
    }

    #[test]
    fn a_team_sums_its_members() {
        let team = team_standing(7, [s(1, 2, 4, 10), s(2, 3, 3, 5)]);
        assert_eq!(team, s(7, 5, 7, 15));
        let teams = rank(vec![team, team_standing(8, [s(3, 6, 6, 6)])]);
        assert_eq!(order(&teams), [(1, 8), (2, 7)]);
    }
}
