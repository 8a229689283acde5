//! `/qotd stats` (SPEC §10): how each question of a channel did when it was posted —
//! answers per post, the share answered unaided, how and how soon its hint was
//! revealed — and the five least and five most answered, to find the weak ones.

use chrono::TimeDelta;

use super::hint_reveal::RevealReason;

/// One daily post of the channel, as the history has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRecord {
    pub question_id: String,
    pub answers: u32,
    pub unaided: u32,
    /// How the hint was revealed and how long after the post; `None` while hidden.
    pub reveal: Option<(RevealReason, TimeDelta)>,
}

/// One question over every time the channel posted it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionStats {
    pub question_id: String,
    pub posts: u32,
    pub answers: u32,
    pub unaided: u32,
    pub revealed_by_reactions: u32,
    pub revealed_by_timeout: u32,
    /// Revealed some other way (the quiz button; not on daily posts today).
    pub revealed_otherwise: u32,
    /// The median time from post to reveal, over the reveals.
    pub median_reveal_after: Option<TimeDelta>,
}

impl QuestionStats {
    pub fn answers_per_post(&self) -> f64 {
        f64::from(self.answers) / f64::from(self.posts.max(1))
    }

    /// The share (0–100, rounded) of answers given before the hint; `None` without
    /// answers.
    pub fn unaided_percent(&self) -> Option<u32> {
        (self.answers > 0).then(|| (self.unaided * 100 + self.answers / 2) / self.answers)
    }
}

/// A channel's statistics: every question posted, least answered first (per post;
/// ties by question id), and the five least and five most answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelStats {
    pub posts: u32,
    pub answers: u32,
    pub questions: Vec<QuestionStats>,
}

/// How many questions the least and most answered lists show.
pub const EXTREMES: usize = 5;

impl ChannelStats {
    pub fn least_answered(&self) -> &[QuestionStats] {
        &self.questions[..self.questions.len().min(EXTREMES)]
    }

    /// Most answered first.
    pub fn most_answered(&self) -> Vec<&QuestionStats> {
        self.questions.iter().rev().take(EXTREMES).collect()
    }
}

/// Groups `posts` by question and orders them.
pub fn channel_stats(posts: &[PostRecord]) -> ChannelStats {
    let mut by_question: Vec<(QuestionStats, Vec<TimeDelta>)> = Vec::new();
    for post in posts {
        let index = match by_question
            .iter()
            .position(|(q, _)| q.question_id == post.question_id)
        {
            Some(index) => index,
            None => {
                by_question.push((empty(&post.question_id), Vec::new()));
                by_question.len() - 1
            }
        };
        let (stats, reveal_times) = &mut by_question[index];
        stats.posts += 1;
        stats.answers += post.answers;
        stats.unaided += post.unaided.min(post.answers);
        if let Some((reason, after)) = post.reveal {
            match reason {
                RevealReason::Reactions => stats.revealed_by_reactions += 1,
                RevealReason::Timeout => stats.revealed_by_timeout += 1,
                RevealReason::Button => stats.revealed_otherwise += 1,
            }
            reveal_times.push(after);
        }
    }
    let mut questions: Vec<QuestionStats> = by_question
        .into_iter()
        .map(|(mut stats, mut times)| {
            times.sort();
            stats.median_reveal_after = times.get(times.len() / 2).copied();
            stats
        })
        .collect();
    questions.sort_by(|a, b| {
        a.answers_per_post()
            .total_cmp(&b.answers_per_post())
            .then_with(|| a.question_id.cmp(&b.question_id))
    });
    ChannelStats {
        posts: u32::try_from(posts.len()).unwrap_or(u32::MAX),
        answers: posts.iter().map(|p| p.answers).sum(),
        questions,
    }
}

fn empty(question_id: &str) -> QuestionStats {
    QuestionStats {
        question_id: question_id.to_owned(),
        posts: 0,
        answers: 0,
        unaided: 0,
        revealed_by_reactions: 0,
        revealed_by_timeout: 0,
        revealed_otherwise: 0,
        median_reveal_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(
        id: &str,
        answers: u32,
        unaided: u32,
        reveal: Option<(RevealReason, i64)>,
    ) -> PostRecord {
        PostRecord {
            question_id: id.to_owned(),
            answers,
            unaided,
            reveal: reveal.map(|(reason, minutes)| (reason, TimeDelta::minutes(minutes))),
        }
    }

    #[test]
    fn a_question_posted_twice_counts_answers_per_post_and_the_median_reveal_time() {
        let stats = channel_stats(&[
            post("a", 10, 4, Some((RevealReason::Reactions, 30))),
            post("a", 6, 2, Some((RevealReason::Timeout, 240))),
            post("a", 2, 0, Some((RevealReason::Reactions, 20))),
        ]);
        let a = &stats.questions[0];
        assert_eq!((a.posts, a.answers, a.unaided), (3, 18, 6));
        assert_eq!(a.answers_per_post(), 6.0);
        assert_eq!(a.unaided_percent(), Some(33));
        assert_eq!((a.revealed_by_reactions, a.revealed_by_timeout), (2, 1));
        assert_eq!(a.median_reveal_after, Some(TimeDelta::minutes(30)));
        assert_eq!((stats.posts, stats.answers), (3, 18));
    }

    #[test]
    fn questions_are_ordered_least_answered_first_and_the_extremes_are_five_each() {
        let posts: Vec<PostRecord> = (0..12u32)
            .map(|i| post(&format!("q{i:02}"), (i * 7) % 12, 0, None))
            .collect();
        let stats = channel_stats(&posts);
        let per_post: Vec<f64> = stats
            .questions
            .iter()
            .map(QuestionStats::answers_per_post)
            .collect();
        assert!(per_post.windows(2).all(|w| w[0] <= w[1]), "{per_post:?}");
        assert_eq!(stats.least_answered().len(), 5);
        assert_eq!(stats.least_answered()[0].answers, 0);
        let most = stats.most_answered();
        assert_eq!(most.len(), 5);
        assert_eq!(most[0].answers, 11);
        assert!(
            most.windows(2)
                .all(|w| w[0].answers_per_post() >= w[1].answers_per_post())
        );
    }

    #[test]
    fn an_unrevealed_hint_and_a_question_nobody_answered_have_no_median_or_share() {
        let stats = channel_stats(&[post("a", 0, 0, None)]);
        let a = &stats.questions[0];
        assert_eq!(a.median_reveal_after, None);
        assert_eq!(a.unaided_percent(), None);
    }

    #[test]
    fn fewer_than_five_questions_are_both_the_least_and_the_most_answered() {
        let stats = channel_stats(&[post("a", 1, 0, None), post("b", 3, 0, None)]);
        assert_eq!(stats.least_answered().len(), 2);
        assert_eq!(stats.most_answered()[0].question_id, "b");
        assert!(channel_stats(&[]).least_answered().is_empty());
    }
}
