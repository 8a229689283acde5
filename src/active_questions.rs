//! The in-memory index of daily questions members can answer right now.
//!
//! The bot sees every message of every server it is in; deciding whether one is an
//! answer must not touch the database. Each channel's latest sent question is indexed
//! by its post message (for 💡 reactions and replies) and by its thread.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::storage::DailyPost;

/// The parts of a daily post the event handlers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivePost {
    pub post_id: i64,
    pub guild_id: u64,
    pub channel_id: u64,
    pub message_id: u64,
    pub thread_id: Option<u64>,
}

#[derive(Debug, Default)]
struct Index {
    by_channel: HashMap<u64, ActivePost>,
    by_message: HashMap<u64, ActivePost>,
    by_thread: HashMap<u64, ActivePost>,
}

#[derive(Debug, Default)]
pub struct ActiveQuestions {
    index: RwLock<Index>,
}

impl ActiveQuestions {
    /// Makes `post` its channel's active question (replacing an older one). Posts not
    /// yet confirmed by Discord are ignored.
    pub fn set(&self, post: &DailyPost) {
        let Some(message_id) = post.message_id else {
            return;
        };
        let active = ActivePost {
            post_id: post.id,
            guild_id: post.guild_id,
            channel_id: post.channel_id,
            message_id,
            thread_id: post.thread_id,
        };
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        if let Some(previous) = index.by_channel.get(&post.channel_id).copied() {
            if previous.post_id > post.id {
                return; // an older post finishing late never displaces a newer one
            }
            index.by_message.remove(&previous.message_id);
            if let Some(thread) = previous.thread_id {
                index.by_thread.remove(&thread);
            }
        }
        index.by_channel.insert(post.channel_id, active);
        index.by_message.insert(message_id, active);
        if let Some(thread) = post.thread_id {
            index.by_thread.insert(thread, active);
        }
    }

    pub fn by_message(&self, message_id: u64) -> Option<ActivePost> {
        self.index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_message
            .get(&message_id)
            .copied()
    }

    pub fn by_thread(&self, thread_id: u64) -> Option<ActivePost> {
        self.index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_thread
            .get(&thread_id)
            .copied()
    }

    pub fn len(&self) -> usize {
        self.index
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_channel
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
