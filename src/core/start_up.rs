//! What an operator reads while the bot starts (SPEC §11): why Discord cannot be
//! reached, in words, how long until the next try, and the invite link of a bot that is
//! in no server yet.

use std::time::Duration;

/// The first wait before trying Discord again; each try doubles it up to
/// [`MAX_RETRY_DELAY`].
pub const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(60);

/// The bot's permissions (README, "Create the Discord application"): View Channel,
/// Send Messages, Embed Links, Add Reactions, Create Public Threads, Send Messages in
/// Threads, Read Message History; and Manage Roles, which only role rewards and the
/// season's champion role need (SPEC §14: optional, an admin may leave it out).
pub const INVITE_PERMISSIONS: u64 = 309_237_730_368 | MANAGE_ROLES;

/// Discord's Manage Roles permission bit.
pub const MANAGE_ROLES: u64 = 1 << 28;

/// The wait after `failures` failed tries (1 s, 2 s, 4 s, … 60 s).
pub fn retry_delay(failures: u32) -> Duration {
    let doubled = FIRST_RETRY_DELAY.saturating_mul(1 << failures.saturating_sub(1).min(16));
    doubled.min(MAX_RETRY_DELAY)
}

/// Why a request did not reach Discord, from its error's text (the error chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens there (or a firewall said no).
    Refused,
    /// The TLS handshake failed (a proxy intercepting, a wrong clock, plain HTTP).
    Tls,
    TimedOut,
    /// Anything else on the way.
    Network,
}

impl Unreachable {
    /// Reads the cause from the error chain's text.
    pub fn classify(chain: &str) -> Self {
        let text = chain.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
        if has(&[
            "dns error",
            "failed to lookup address",
            "name or service not known",
            "no address associated",
        ]) {
            Self::Dns
        } else if has(&["connection refused", "connectionrefused"]) {
            Self::Refused
        } else if has(&[
            "tls",
            "certificate",
            "handshake",
            "invalid peer",
            "corrupt message",
        ]) {
            Self::Tls
        } else if has(&["timed out", "timeout", "deadline"]) {
            Self::TimedOut
        } else {
            Self::Network
        }
    }

    /// The cause in words, for the log line.
    pub fn words(self) -> &'static str {
        match self {
            Self::Dns => "its name could not be resolved (DNS): check the network and DNS settings",
            Self::Refused => {
                "the connection was refused: check DISCORD_API_PROXY, the proxy, or a firewall"
            }
            Self::Tls => {
                "the secure connection (TLS) failed: check the system clock, or a proxy that intercepts HTTPS"
            }
            Self::TimedOut => "it did not answer in time",
            Self::Network => "the network failed on the way",
        }
    }
}

/// One log line for a failed try.
pub fn retry_line(target: &str, why: &str, delay: Duration) -> String {
    format!(
        "Discord cannot be reached at {target}: {why}; trying again in {} s",
        delay.as_secs()
    )
}

/// The line logged while the database cannot be opened, per try (the wait doubles
/// like Discord's: [`retry_delay`]).
pub fn database_retry_line(why: &str, delay: Duration) -> String {
    format!(
        "the database cannot be opened: {why}; trying again in {} s",
        delay.as_secs()
    )
}

/// The link that adds the bot (application `application_id`) to a server with the
/// permissions it needs.
pub fn invite_url(application_id: u64) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_a_minute() {
        let waits: Vec<u64> = (1..=9).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(0), FIRST_RETRY_DELAY);
    }

    #[test]
    fn the_cause_is_read_from_the_error_chain() {
        let cases = [
            (
                "error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known",
                Unreachable::Dns,
            ),
            (
                "error sending request for url (http://127.0.0.1:9/api/v10/users/@me): client error (Connect): tcp connect error: Connection refused (os error 111)",
                Unreachable::Refused,
            ),
            (
                "client error (Connect): received corrupt message of type InvalidContentType",
                Unreachable::Tls,
            ),
            ("invalid peer certificate: UnknownIssuer", Unreachable::Tls),
            ("operation timed out", Unreachable::TimedOut),
            ("connection reset by peer", Unreachable::Network),
        ];
        for (chain, cause) in cases {
            assert_eq!(Unreachable::classify(chain), cause, "{chain}");
        }
    }

    #[test]
    fn the_invite_carries_the_application_and_the_permissions() {
        assert_eq!(
            invite_url(42),
            "https://discord.com/oauth2/authorize?client_id=42&scope=bot+applications.commands&permissions=309506165824"
        );
        let line = retry_line(
            "https://discord.com",
            Unreachable::Dns.words(),
            retry_delay(2),
        );
        assert!(line.ends_with("trying again in 2 s"), "{line}");
    }
}
