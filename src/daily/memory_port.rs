//! An in-memory Discord for the daily workflow's own tests: it answers each call of
//! [`DiscordPort`] as Discord would, records it, and refuses or fails where a test
//! says so. The end-to-end tests (`tests/it/`) use the real client and the fake
//! Discord; these run in milliseconds.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::port::{BestAnswer, DiscordPort, HistoryMessage, PAGE, PostFailure, Reactor};
use crate::core::daily_schedule::daily_title;
use crate::core::hint_reveal::RevealReason;
use crate::core::question_bank::{Question, QuestionBank};
use crate::locks;
use crate::storage::DailyPost;

/// The bot's user id in the memory Discord.
pub const BOT_ID: u64 = 1;

#[derive(Default)]
pub struct MemoryDiscord {
    state: Mutex<State>,
}

#[derive(Default)]
pub struct State {
    next_id: u64,
    /// Messages by channel, oldest first.
    pub channels: HashMap<u64, Vec<HistoryMessage>>,
    /// Messages the bot sent (`send_question`).
    pub sent: usize,
    /// (channel, message) of every 💡 the bot added.
    pub lightbulbs: Vec<(u64, u64)>,
    /// The thread opened on each message.
    pub threads: HashMap<u64, u64>,
    /// Messages edited to show their hint.
    pub hints_shown: Vec<u64>,
    /// (thread, reason) of every hint announcement.
    pub announcements: Vec<(u64, RevealReason)>,
    /// (alerts channel, channel, problem) of every alert.
    pub alerts: Vec<(u64, u64, String)>,
    /// Refuse every send with this detail (a channel the bot may not post in).
    pub refuse_sends: Option<String>,
    /// Create the next sent message, then fail as a lost answer would.
    pub lose_next_send_answer: bool,
    /// The best answer each daily post named, in order of sending.
    pub best_answers: Vec<Option<BestAnswer>>,
    /// (thread, title, text) of every private answer's message.
    pub answers: Vec<(u64, String, String)>,
    /// Fail the private answer's send after this many more (a crash or a lost answer
    /// midway): the message is created, the answer lost.
    pub lose_answer_after: Option<usize>,
}

impl MemoryDiscord {
    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        locks::lock(&self.state)
    }

    /// A message of `author` in `channel`, as if posted at `at`; returns its id.
    pub fn post(&self, channel: u64, author: u64, at: DateTime<Utc>) -> u64 {
        self.state().push(channel, author, None, None, at)
    }
}

impl State {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        1_000 + self.next_id
    }

    fn push(
        &mut self,
        channel: u64,
        author: u64,
        nonce: Option<String>,
        title: Option<String>,
        at: DateTime<Utc>,
    ) -> u64 {
        let id = self.next_id();
        self.channels
            .entry(channel)
            .or_default()
            .push(HistoryMessage {
                id,
                author_id: author,
                from_member: author != BOT_ID,
                nonce,
                title,
                reply_to: None,
                at,
            });
        id
    }
}

impl DiscordPort for MemoryDiscord {
    async fn current_user_id(&self) -> Result<u64, PostFailure> {
        Ok(BOT_ID)
    }

    async fn send_question(
        &self,
        _bank: &QuestionBank,
        _question: &Question,
        post: &DailyPost,
        best: Option<&BestAnswer>,
    ) -> Result<u64, PostFailure> {
        let mut state = self.state();
        if let Some(detail) = state.refuse_sends.clone() {
            return Err(PostFailure::Refused(detail));
        }
        let (nonce, title) = (Some(post.nonce.clone()), Some(daily_title(post.seq)));
        let id = state.push(post.channel_id, BOT_ID, nonce, title, post.claimed_at);
        state.sent += 1;
        state.best_answers.push(best.cloned());
        if std::mem::take(&mut state.lose_next_send_answer) {
            return Err(PostFailure::Transient("the answer was lost".into()));
        }
        Ok(id)
    }

    async fn send_answer(
        &self,
        thread_id: u64,
        title: &str,
        text: &str,
    ) -> Result<u64, PostFailure> {
        let mut state = self.state();
        let at = DateTime::UNIX_EPOCH;
        let id = state.push(thread_id, BOT_ID, None, Some(title.to_owned()), at);
        state
            .answers
            .push((thread_id, title.to_owned(), text.to_owned()));
        match state.lose_answer_after {
            Some(0) => {
                state.lose_answer_after = None;
                Err(PostFailure::Transient("the answer was lost".into()))
            }
            Some(left) => {
                state.lose_answer_after = Some(left - 1);
                Ok(id)
            }
            None => Ok(id),
        }
    }

    async fn add_lightbulb(&self, channel_id: u64, message_id: u64) -> Result<(), PostFailure> {
        self.state().lightbulbs.push((channel_id, message_id));
        Ok(())
    }

    async fn open_thread(
        &self,
        _channel_id: u64,
        message_id: u64,
        _seq: i64,
    ) -> Result<u64, PostFailure> {
        let mut state = self.state();
        if state.threads.contains_key(&message_id) {
            return Err(PostFailure::Refused(
                "a thread has already been created".into(),
            ));
        }
        let thread = state.next_id();
        state.threads.insert(message_id, thread);
        Ok(thread)
    }

    async fn thread_of(
        &self,
        _channel_id: u64,
        message_id: u64,
    ) -> Result<Option<u64>, PostFailure> {
        Ok(self.state().threads.get(&message_id).copied())
    }

    async fn show_hint(
        &self,
        _bank: &QuestionBank,
        _question: &Question,
        post: &DailyPost,
        _best: Option<&BestAnswer>,
    ) -> Result<(), PostFailure> {
        let message = post.message_id.unwrap_or_default();
        self.state().hints_shown.push(message);
        Ok(())
    }

    async fn show_quiz_hint(
        &self,
        _channel_id: u64,
        message_id: u64,
        _bank: &QuestionBank,
        _question: &Question,
    ) -> Result<(), PostFailure> {
        self.state().hints_shown.push(message_id);
        Ok(())
    }

    async fn announce_hint(
        &self,
        thread_id: u64,
        _hint: &str,
        reason: RevealReason,
    ) -> Result<(), PostFailure> {
        self.state().announcements.push((thread_id, reason));
        Ok(())
    }

    async fn send_alert(
        &self,
        alerts_channel_id: u64,
        channel_id: u64,
        problem: &str,
    ) -> Result<(), PostFailure> {
        let alert = (alerts_channel_id, channel_id, problem.to_owned());
        self.state().alerts.push(alert);
        Ok(())
    }

    async fn messages_before(
        &self,
        channel_id: u64,
        before: Option<u64>,
    ) -> Result<Vec<HistoryMessage>, PostFailure> {
        let state = self.state();
        let all = state.channels.get(&channel_id).into_iter().flatten().rev();
        let page = all.filter(|m| before.is_none_or(|before| m.id < before));
        Ok(page.take(PAGE).cloned().collect())
    }

    async fn messages_after(
        &self,
        channel_id: u64,
        after: u64,
    ) -> Result<Vec<HistoryMessage>, PostFailure> {
        let state = self.state();
        let all = state.channels.get(&channel_id).into_iter().flatten();
        Ok(all.filter(|m| m.id > after).take(PAGE).cloned().collect())
    }

    async fn lightbulb_reactors(
        &self,
        _channel_id: u64,
        _message_id: u64,
        _after: Option<u64>,
    ) -> Result<Vec<Reactor>, PostFailure> {
        Ok(Vec::new())
    }
}

/// The daily workflow's handles on a real SQLite file in a temporary folder, the
/// shipped bank and a manual clock at `now`, with one daily channel set up.
pub struct Bench {
    pub handles: crate::state::Handles,
    pub clock: crate::clock::ManualClock,
    pub schedule: crate::storage::Schedule,
    pub discord: MemoryDiscord,
    _dir: tempfile::TempDir,
}

/// The daily channel's server and channel.
pub const GUILD: u64 = 10;
pub const CHANNEL: u64 = 20;

impl Bench {
    /// The bench's schedule: channel [`CHANNEL`] posting at 09:00 UTC, the hint
    /// revealed after 240 minutes or one 💡, answers in the thread.
    pub fn settings() -> crate::storage::ScheduleSettings {
        crate::storage::ScheduleSettings {
            channel_id: CHANNEL,
            guild_id: GUILD,
            post_time: "09:00".parse().unwrap(),
            timezone: chrono_tz::UTC,
            reveal_after_minutes: 240,
            reveal_reactions: 1,
            category: None,
            bank: None,
            private_answers: false,
        }
    }

    pub async fn at(now: DateTime<Utc>) -> Self {
        use crate::core::library::Library;
        let dir = tempfile::tempdir().unwrap();
        let store = crate::storage::Store::open_path(&dir.path().join("qotd.db"))
            .await
            .unwrap();
        let text = include_str!("../../questions.yaml");
        let bank = QuestionBank::parse("questions.yaml", text).unwrap();
        let clock = crate::clock::ManualClock::new(now);
        let handles = crate::state::Handles::new(
            store,
            Library::single("questions", bank),
            std::sync::Arc::new(clock.clone()),
            crate::state::SchedulerControl::default(),
        );
        let schedule = handles
            .store
            .upsert_schedule(&Self::settings(), now)
            .await
            .unwrap();
        Self {
            handles,
            clock,
            schedule,
            discord: MemoryDiscord::default(),
            _dir: dir,
        }
    }
}
