//! The benchmarks' memory floor, as its own process: a bare serenity client with the
//! same intents as qotd, caching off, and an event handler that only counts.
//!
//! `DISCORD_API_PROXY=http://127.0.0.1:PORT cargo run --release --example bare_client`

#[path = "../benches/support/bare.rs"]
mod bare;

#[tokio::main]
async fn main() {
    let proxy = std::env::var("DISCORD_API_PROXY").expect("DISCORD_API_PROXY is set");
    let events = std::sync::Arc::default();
    bare::run(proxy, events, std::future::pending()).await;
}
