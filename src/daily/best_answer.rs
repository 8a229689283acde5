//! The best answer to a channel's previous question (SPEC §13), named in its next
//! post and kept when the post's hint is shown.

use tracing::warn;

use super::port::BestAnswer;
use crate::core::private_answers;
use crate::state::Handles;
use crate::storage::DailyPost;

/// The best answer to the channel's previous question, if it had private answers
/// and one of them stands out (SPEC §13). The post matters more: a database error
/// leaves the best answer out.
pub async fn of_previous(handles: &Handles, post: &DailyPost) -> Option<BestAnswer> {
    if post.seq < 2 {
        return None;
    }
    let found = handles
        .store
        .shown_answers(post.channel_id, post.seq - 1)
        .await;
    let (previous, shown) = match found {
        Ok(found) => found?,
        Err(error) => {
            warn!(%error, "cannot read the previous question's answers; the post names no best answer");
            return None;
        }
    };
    let candidates: Vec<_> = shown.iter().map(|s| s.candidate.clone()).collect();
    let best = private_answers::best_answer(&candidates)?;
    let answer = shown.iter().find(|s| s.candidate.user_id == best.user_id)?;
    Some(BestAnswer {
        seq: previous.seq,
        name: answer
            .author_name
            .clone()
            .unwrap_or_else(|| "A member".to_owned()),
        stars: best.stars,
        guild_id: previous.guild_id,
        thread_id: previous.thread_id?,
        message_id: answer.message_id,
    })
}
