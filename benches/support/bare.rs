//! A bare serenity 0.12 client: the same intents as qotd, guild/channel/user caching
//! off, and an event handler that only counts message and reaction events. It is the
//! floor the benchmarks compare qotd with.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use poise::serenity_prelude as serenity;

struct Counter(Arc<AtomicU64>);

#[serenity::async_trait]
impl serenity::EventHandler for Counter {
    async fn message(&self, _ctx: serenity::Context, _message: serenity::Message) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    async fn reaction_add(&self, _ctx: serenity::Context, _reaction: serenity::Reaction) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Runs until `shutdown` resolves, counting events into `events`.
pub async fn run(
    proxy: String,
    events: Arc<AtomicU64>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let http = serenity::HttpBuilder::new("bare")
        .proxy(proxy)
        .ratelimiter_disabled(true)
        .client(client)
        .build();
    let mut cache = serenity::cache::Settings::default();
    cache.cache_guilds = false;
    cache.cache_channels = false;
    cache.cache_users = false;
    cache.max_messages = 0;
    let mut client = serenity::ClientBuilder::new_with_http(http, qotd::discord::intents())
        .event_handler(Counter(events))
        .cache_settings(cache)
        .await
        .expect("client builds");
    let shards = client.shard_manager.clone();
    tokio::select! {
        result = client.start() => result.expect("client runs"),
        () = shutdown => shards.shutdown_all().await,
    }
}
