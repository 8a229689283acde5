//! What the bot logs, and what it keeps out of its logs because it costs too much.

use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Leaves out serenity's spans: every event from the gateway passes through functions
/// serenity instruments at `info` with their arguments recorded by `Debug`, so with
/// any subscriber at `info` each message was formatted in full twice before the bot
/// saw it (the profile of the ingest benchmark: a quarter of its time). serenity's
/// log *events* (warnings about the connection, say) still pass.
///
/// A layer that vetoes for the whole subscriber (add it beside the output layers, not
/// as one's filter), decided once per call site, so a span left out costs nothing at
/// run time.
///
/// It must also say the most verbose level the other layers want
/// ([`NoDependencySpans::up_to`]): a layer without a level hint makes the whole
/// subscriber's hint unknown, which turns every `log` record and `trace!` of every
/// dependency into a filter check (`qotd check` of 100,000 questions took twice as
/// long).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDependencySpans {
    max_level: Option<tracing_subscriber::filter::LevelFilter>,
}

impl NoDependencySpans {
    /// Leaves serenity's spans out; the other layers want nothing more verbose than
    /// `max_level`.
    pub fn up_to(max_level: Option<tracing_subscriber::filter::LevelFilter>) -> Self {
        Self { max_level }
    }

    fn keeps(metadata: &Metadata<'_>) -> bool {
        !(metadata.is_span() && metadata.target().starts_with("serenity"))
    }
}

impl<S: Subscriber> Layer<S> for NoDependencySpans {
    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        Self::keeps(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing_subscriber::filter::LevelFilter> {
        self.max_level
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if Self::keeps(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt as _;

    /// A layer that counts the spans and events it is given.
    #[derive(Default, Clone)]
    struct Seen(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Seen {
        fn on_new_span(
            &self,
            attrs: &tracing::span::Attributes<'_>,
            _: &tracing::span::Id,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            let meta = attrs.metadata();
            self.0
                .lock()
                .unwrap()
                .push(format!("span {} {}", meta.target(), meta.name()));
        }

        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            self.0
                .lock()
                .unwrap()
                .push(format!("event {}", event.metadata().target()));
        }
    }

    #[test]
    fn serenity_spans_are_left_out_and_its_events_and_our_spans_kept() {
        let seen = Seen::default();
        let subscriber = tracing_subscriber::registry()
            .with(NoDependencySpans::up_to(Some(
                tracing_subscriber::filter::LevelFilter::TRACE,
            )))
            .with(seen.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(target: "serenity::gateway::shard", "handle_event");
            let _entered = span.enter();
            tracing::warn!(target: "serenity::gateway::shard", "connection lost");
            let ours = tracing::info_span!("post");
            let _ours = ours.enter();
        });
        assert_eq!(
            *seen.0.lock().unwrap(),
            vec![
                "event serenity::gateway::shard".to_owned(),
                format!("span {} post", module_path!()),
            ]
        );
    }
}
