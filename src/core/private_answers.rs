//! Private answers, revealed together (SPEC §13): what a member may submit, how a
//! revealed answer is laid out within Discord's limits, which answer was the best,
//! and how long its text is kept.
//!
//! An answer is member-written text: hostile until checked. It is shown in an embed
//! (embeds never ping, and the message's `allowed_mentions` is empty too), one answer
//! per message, so its markdown cannot reach the answers around it; line-leading
//! headings are escaped and an unclosed code block is closed, so it cannot take over
//! the answer's own layout either.

use chrono::{DateTime, TimeDelta, Utc};

/// Discord's limit on a modal's text input: the longest answer.
pub const MAX_ANSWER_CHARS: usize = 4000;
/// Discord's limit on an embed's description: the most one message of an answer shows.
pub const EMBED_DESCRIPTION_CHARS: usize = 4096;
/// Discord's limit on an embed's title.
const EMBED_TITLE_CHARS: usize = 256;
/// The longest member name shown in a title (Discord's display names are at most 32).
const NAME_CHARS: usize = 80;
/// How many days an answer's text is kept after its reveal (`ANSWER_RETENTION_DAYS`).
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// The fewest ⭐ that make an answer the best of its question.
pub const MIN_STARS_FOR_BEST: u32 = 2;
/// How long a process revealing a post's answers holds the reveal without a sign of
/// life: one silent this long has crashed, and another process carries on. The holder
/// renews it as each answer is sent and shown, and one answer takes seconds at most
/// (its messages [`MESSAGE_SPACING`] apart, each call retried within 2 s).
pub const SHOW_LEASE: TimeDelta = TimeDelta::minutes(1);
/// The pause before each message of the reveal. Discord lets a bot create about 5
/// messages per 5 s in a channel (a window opened by the first); one message every
/// 1.1 s keeps every window within it, with a margin for a message delayed on its way
/// and for the one before the reveal (the hint's announcement in the same thread).
pub const MESSAGE_SPACING: std::time::Duration = std::time::Duration::from_millis(1_100);
/// The most answers one scheduler pass shows for one post: about 11 s at
/// [`MESSAGE_SPACING`], so other channels' work is not held back; the next pass goes
/// on at once.
pub const ANSWERS_PER_PASS: usize = 10;

/// What a member submitted in the answer modal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// Their answer, cleaned.
    Answer(String),
    /// An empty answer: take back the one submitted before.
    Withdraw,
}

/// Why a submission was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionProblem {
    #[error("Your answer is {chars} characters long; the most is {MAX_ANSWER_CHARS}.")]
    TooLong { chars: usize },
}

/// Reads what a member typed: line ends made `\n`, control characters (but tabs and
/// line ends) dropped, blank lines at either end trimmed. Empty means withdraw.
pub fn read_submission(typed: &str) -> Result<Submission, SubmissionProblem> {
    let cleaned: String = typed
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c.is_whitespace());
    let chars = cleaned.chars().count();
    if chars == 0 {
        return Ok(Submission::Withdraw);
    }
    if chars > MAX_ANSWER_CHARS {
        return Err(SubmissionProblem::TooLong { chars });
    }
    Ok(Submission::Answer(cleaned.to_owned()))
}

/// The descriptions of the messages that show `answer`, in order: each at most
/// [`EMBED_DESCRIPTION_CHARS`], split between lines or words where it can be, and
/// nothing left out.
pub fn shown_parts(answer: &str) -> Vec<String> {
    let escaped = escape_layout(answer);
    let mut parts = Vec::new();
    let mut rest = escaped.as_str();
    // Room for closing a code block in one part and opening it in the next.
    const FENCE_ROOM: usize = 8;
    let mut open_fence = false;
    while !rest.is_empty() {
        let budget = EMBED_DESCRIPTION_CHARS - FENCE_ROOM;
        let (part, after) = split_at_chars(rest, budget);
        let mut shown = String::new();
        if open_fence {
            shown.push_str("```\n");
        }
        shown.push_str(part);
        open_fence ^= part.matches("```").count() % 2 == 1;
        if open_fence && !after.is_empty() {
            shown.push_str("\n```");
        }
        parts.push(shown);
        rest = after;
    }
    if parts.is_empty() {
        parts.push(String::new());
    }
    parts
}

/// Escapes what would change the layout of the whole answer: headings and subtext
/// at the start of a line; and closes a code block left open at the end.
fn escape_layout(answer: &str) -> String {
    let mut escaped: String = answer
        .split('\n')
        .map(|line| {
            let body = line.trim_start();
            if body.starts_with('#') || body.starts_with("-#") {
                format!("{}\\{body}", &line[..line.len() - body.len()])
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    if escaped.matches("```").count() % 2 == 1 {
        escaped.push_str("\n```");
    }
    escaped
}

/// Splits `text` after at most `limit` characters: at the last line end in their
/// second half, else the last space there, else exactly at the limit. Returns the part and the rest.
fn split_at_chars(text: &str, limit: usize) -> (&str, &str) {
    let Some((end, _)) = text.char_indices().nth(limit) else {
        return (text, "");
    };
    let head = &text[..end];
    let late = |at: &usize| *at > end / 2;
    let cut = head
        .rfind('\n')
        .filter(late)
        .or_else(|| head.rfind(' ').filter(late))
        .unwrap_or(end);
    let (part, rest) = text.split_at(cut);
    (part, rest.strip_prefix(['\n', ' ']).unwrap_or(rest))
}

/// The title of part `part` (from 1) of `parts` of the answer in place `place` (from 1,
/// the order of submission): unique in the thread, so a message sent before a crash
/// is found again by it.
pub fn answer_title(place: usize, name: &str, part: usize, parts: usize) -> String {
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(NAME_CHARS)
        .collect();
    let title = match parts {
        0 | 1 => format!("{place}. {name} answered:"),
        _ => format!("{place}. {name} answered (part {part} of {parts}):"),
    };
    title.chars().take(EMBED_TITLE_CHARS).collect()
}

/// A revealed answer, as the best-answer rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: u64,
    /// Distinct members who starred it (not its author, not bots).
    pub stars: u32,
    pub submitted_at: DateTime<Utc>,
}

/// The best answer of a question: the most stars, at least [`MIN_STARS_FOR_BEST`];
/// between equals, the earliest submitted.
pub fn best_answer(candidates: &[Candidate]) -> Option<&Candidate> {
    candidates
        .iter()
        .filter(|c| c.stars >= MIN_STARS_FOR_BEST)
        .min_by_key(|c| (std::cmp::Reverse(c.stars), c.submitted_at, c.user_id))
}

/// Answers revealed before this moment have their text deleted at `now`.
pub fn text_kept_since(now: DateTime<Utc>, retention_days: u32) -> DateTime<Utc> {
    now - TimeDelta::days(i64::from(retention_days))
}

/// A reveal taken before this moment, and not finished, is abandoned at `now`.
pub fn show_lease_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - SHOW_LEASE
}

/// Whether a post's private answers are still open at `now`: submitted, edited or
/// withdrawn until the reveal timeout.
pub fn open_at(reveal_due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < reveal_due_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_submission_withdraws_and_a_long_one_is_refused() {
        assert_eq!(read_submission(" \n\t "), Ok(Submission::Withdraw));
        assert_eq!(
            read_submission("\r\n  a\r\nb\u{7}  \n"),
            Ok(Submission::Answer("a\nb".into()))
        );
        let long = "é".repeat(MAX_ANSWER_CHARS + 1);
        assert_eq!(
            read_submission(&long),
            Err(SubmissionProblem::TooLong {
                chars: MAX_ANSWER_CHARS + 1
            })
        );
        let longest = "é".repeat(MAX_ANSWER_CHARS);
        assert_eq!(read_submission(&longest), Ok(Submission::Answer(longest)));
    }

    #[test]
    fn every_part_fits_an_embed_and_together_they_hold_every_word() {
        let words: Vec<String> = (0..1500).map(|i| format!("w{i}")).collect();
        let answer = words.join(" ");
        let parts = shown_parts(&answer);
        assert!(parts.len() > 1);
        for part in &parts {
            assert!(part.chars().count() <= EMBED_DESCRIPTION_CHARS);
        }
        let shown: Vec<&str> = parts.iter().flat_map(|p| p.split(' ')).collect();
        assert_eq!(shown, words, "split between words, nothing lost");
    }

    #[test]
    fn escaping_that_outgrows_one_embed_splits_and_keeps_every_character() {
        // 2,000 one-character headings: 4,000 typed, 6,000 once escaped.
        let answer = "#\n".repeat(2000);
        let parts = shown_parts(answer.trim_end());
        assert!(parts.len() > 1);
        let hashes: usize = parts.iter().map(|p| p.matches('#').count()).sum();
        assert_eq!(hashes, 2000);
        assert!(parts.iter().all(|p| p.starts_with("\\#")));
        // No space or line end at all: cut exactly at the limit.
        let solid = "x".repeat(5000);
        let parts = shown_parts(&solid);
        assert_eq!(parts.concat(), solid);
        for part in &parts {
            assert!(part.chars().count() <= EMBED_DESCRIPTION_CHARS);
        }
    }

    #[test]
    fn headings_are_escaped_and_an_open_code_block_is_closed() {
        let parts = shown_parts("# Big\n  -# small\nnot # a heading\n```rust\nfn x() {}");
        assert_eq!(
            parts,
            ["\\# Big\n  \\-# small\nnot # a heading\n```rust\nfn x() {}\n```"]
        );
    }

    #[test]
    fn a_code_block_split_between_parts_is_closed_and_reopened() {
        let code = "let x = 1;\n".repeat(500);
        let parts = shown_parts(&format!("```\n{code}```"));
        assert!(parts.len() > 1);
        for part in &parts {
            assert_eq!(part.matches("```").count() % 2, 0, "{part:.40}…");
            assert!(part.chars().count() <= EMBED_DESCRIPTION_CHARS);
        }
    }

    #[test]
    fn titles_number_the_answers_and_fit_discords_limit() {
        assert_eq!(answer_title(3, "Ada", 1, 1), "3. Ada answered:");
        assert_eq!(
            answer_title(3, "Ada", 2, 3),
            "3. Ada answered (part 2 of 3):"
        );
        let title = answer_title(1, &"n\u{0}".repeat(500), 1, 1);
        assert!(title.chars().count() <= EMBED_TITLE_CHARS);
        assert!(!title.chars().any(char::is_control));
    }

    #[test]
    fn the_best_answer_has_the_most_stars_at_least_two_and_ties_go_to_the_earliest() {
        let at = |minute: i64| DateTime::UNIX_EPOCH + TimeDelta::minutes(minute);
        let candidate = |user_id, stars, minute| Candidate {
            user_id,
            stars,
            submitted_at: at(minute),
        };
        let one_star = [candidate(1, 1, 0), candidate(2, 0, 1)];
        assert_eq!(best_answer(&one_star), None);
        let tie = [
            candidate(1, 1, 0),
            candidate(2, 3, 5),
            candidate(3, 3, 2),
            candidate(4, 2, 1),
        ];
        assert_eq!(best_answer(&tie).map(|c| c.user_id), Some(3));
    }

    #[test]
    fn answers_are_open_until_the_reveal_timeout() {
        let due = DateTime::UNIX_EPOCH + TimeDelta::hours(4);
        assert!(open_at(due, due - TimeDelta::seconds(1)));
        assert!(!open_at(due, due));
    }
}
