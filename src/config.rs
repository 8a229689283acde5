//! Configuration from the environment (and `.env`, loaded by `main`).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::core::sharding::ShardRange;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://qotd.db";
pub const DEFAULT_QUESTIONS_PATH: &str = "questions.yaml";

/// The bot token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The secret itself, for the one place that hands it to Discord.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `LOG_FORMAT`: how log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (unset or `text`).
    #[default]
    Text,
    /// One JSON object per line (`json`), for log aggregators.
    Json,
}

impl LogFormat {
    /// Reads `LOG_FORMAT` (empty or unset: text).
    pub fn from_value(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(Self::Text),
            Some(v) if v.eq_ignore_ascii_case("text") => Ok(Self::Text),
            Some(v) if v.eq_ignore_ascii_case("json") => Ok(Self::Json),
            Some(_) => Err(ConfigError::Invalid {
                key: "LOG_FORMAT",
                reason: "must be `text` or `json`".into(),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set: put it in the environment or in .env (see .env.example)")]
    Missing(&'static str),
    #[error("{key} is invalid: {reason}")]
    Invalid { key: &'static str, reason: String },
    #[error(
        "{path}:{line}: this line of the settings file cannot be read (expected KEY=value, a comment or a blank line); fix it and start again"
    )]
    DotEnvLine { path: String, line: usize },
    #[error("cannot read the settings file {path}: {reason}")]
    DotEnvUnreadable { path: String, reason: String },
}

/// Loads `path` (a `.env` file) into the environment, if it exists; variables already
/// set win. A line that cannot be parsed is an error naming its line number (never
/// its text: it may hold the token).
pub fn load_dotenv(path: &Path) -> Result<(), ConfigError> {
    if !path.exists() {
        return Ok(());
    }
    let shown = path.display().to_string();
    match dotenvy::from_path(path) {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::LineParse(bad, _)) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            Err(ConfigError::DotEnvLine {
                path: shown,
                line: line_of(&text, &bad),
            })
        }
        Err(error) => Err(ConfigError::DotEnvUnreadable {
            path: shown,
            reason: error.to_string(),
        }),
    }
}

/// The 1-based number of the line of `text` where the unparsable `bad` entry starts.
fn line_of(text: &str, bad: &str) -> usize {
    let first = bad.lines().next().unwrap_or_default().trim_end();
    text.lines()
        .position(|line| line.trim_end() == first)
        .map_or(1, |index| index + 1)
}

/// Typed settings of the environment keys (README, "Configuration"). Its `Debug`
/// shows neither the token nor the database password.
#[derive(Clone, PartialEq)]
pub struct Config {
    pub token: Option<Token>,
    pub database_url: String,
    pub questions_path: PathBuf,
    /// Base URL every REST call goes to instead of https://discord.com.
    pub api_proxy: Option<String>,
    /// Register slash commands in this guild only (development).
    pub guild_id: Option<u64>,
    /// `DISCORD_REST_RATE`: REST requests a second this process makes at most
    /// (`None`: its share of Discord's limit, `core::sharding::rest_rate`).
    pub rest_rate: Option<f64>,
    /// `DISCORD_SHARDS`: the shards this process runs (`None`: every shard, as many as
    /// Discord recommends).
    pub shards: Option<ShardRange>,
    /// `METRICS_ADDR`: where `/metrics` and `/healthz` are served (`None`: off).
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// `ANSWER_RETENTION_DAYS`: how long a private answer's text is kept after its
    /// reveal (SPEC §13).
    pub answer_retention_days: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("token", &self.token)
            .field("database_url", &without_password(&self.database_url))
            .field("questions_path", &self.questions_path)
            .field("api_proxy", &self.api_proxy)
            .field("guild_id", &self.guild_id)
            .field("shards", &self.shards)
            .field("rest_rate", &self.rest_rate)
            .field("metrics_addr", &self.metrics_addr)
            .field("answer_retention_days", &self.answer_retention_days)
            .finish()
    }
}

/// `ANSWER_RETENTION_DAYS`: 1 to 3650 days, 90 when unset.
fn retention_days(value: Option<String>) -> Result<u32, ConfigError> {
    let Some(text) = value else {
        return Ok(crate::core::private_answers::DEFAULT_RETENTION_DAYS);
    };
    text.parse::<u32>()
        .ok()
        .filter(|days| (1..=3650).contains(days))
        .ok_or(ConfigError::Invalid {
            key: "ANSWER_RETENTION_DAYS",
            reason: "must be a number of days from 1 to 3650, e.g. 90".into(),
        })
}

/// `url` with the password of its `user:password@` part replaced by `***`.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{path}")
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests). Empty
    /// values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let api_proxy = match get("DISCORD_API_PROXY") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_owned())
            }
            Some(_) => {
                return Err(ConfigError::Invalid {
                    key: "DISCORD_API_PROXY",
                    reason: "must be an http:// or https:// base URL, e.g. http://127.0.0.1:3000"
                        .into(),
                });
            }
            None => None,
        };
        let guild_id = get("DISCORD_GUILD_ID")
            .map(|id| {
                id.parse::<u64>()
                    .ok()
                    .filter(|&id| id > 0)
                    .ok_or(ConfigError::Invalid {
                        key: "DISCORD_GUILD_ID",
                        reason: "must be a server id (a number)".into(),
                    })
            })
            .transpose()?;
        let shards = get("DISCORD_SHARDS")
            .map(|text| {
                text.parse::<ShardRange>()
                    .map_err(|error| ConfigError::Invalid {
                        key: "DISCORD_SHARDS",
                        reason: error.to_string(),
                    })
            })
            .transpose()?;
        let metrics_addr = get("METRICS_ADDR")
            .map(|text| {
                text.parse().map_err(|_| ConfigError::Invalid {
                    key: "METRICS_ADDR",
                    reason: "must be an address and port, e.g. 127.0.0.1:9100".into(),
                })
            })
            .transpose()?;
        let rest_rate = get("DISCORD_REST_RATE")
            .map(|text| {
                text.parse::<f64>()
                    .ok()
                    .filter(|rate| rate.is_finite() && *rate > 0.0)
                    .ok_or(ConfigError::Invalid {
                        key: "DISCORD_REST_RATE",
                        reason: "must be a number of requests a second above 0, e.g. 45".into(),
                    })
            })
            .transpose()?;
        let answer_retention_days = retention_days(get("ANSWER_RETENTION_DAYS"))?;
        Ok(Self {
            token: get("DISCORD_TOKEN").map(Token),
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            questions_path: get("QUESTIONS_PATH")
                .unwrap_or_else(|| DEFAULT_QUESTIONS_PATH.to_owned())
                .into(),
            api_proxy,
            guild_id,
            shards,
            metrics_addr,
            rest_rate,
            answer_retention_days,
        })
    }

    /// The token, required by `qotd run`.
    pub fn require_token(&self) -> Result<&Token, ConfigError> {
        self.token
            .as_ref()
            .ok_or(ConfigError::Missing("DISCORD_TOKEN"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|key| map.get(key).cloned())
    }

    #[test]
    fn defaults_apply_when_keys_are_unset() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://qotd.db");
        assert_eq!(config.questions_path, PathBuf::from("questions.yaml"));
        assert_eq!(config.api_proxy, None);
        assert_eq!(
            config.require_token(),
            Err(ConfigError::Missing("DISCORD_TOKEN"))
        );
    }

    #[test]
    fn answer_text_is_kept_90_days_unless_a_number_of_days_is_set() {
        assert_eq!(config(&[]).unwrap().answer_retention_days, 90);
        let set = config(&[("ANSWER_RETENTION_DAYS", "7")]).unwrap();
        assert_eq!(set.answer_retention_days, 7);
        for bad in ["0", "-1", "ninety", "99999"] {
            let error = config(&[("ANSWER_RETENTION_DAYS", bad)]).unwrap_err();
            assert!(
                error.to_string().contains("ANSWER_RETENTION_DAYS"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_rest_rate_is_a_number_of_requests_a_second_above_zero() {
        assert_eq!(config(&[]).unwrap().rest_rate, None);
        let set = config(&[("DISCORD_REST_RATE", "22.5")]).unwrap();
        assert_eq!(set.rest_rate, Some(22.5));
        for bad in ["0", "-3", "fast", "inf", "NaN"] {
            assert!(
                matches!(
                    config(&[("DISCORD_REST_RATE", bad)]),
                    Err(ConfigError::Invalid {
                        key: "DISCORD_REST_RATE",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_database_password_never_shows_in_debug_output() {
        let url = "postgres://qotd:p%40ss:w0rd@db.internal:5432/qotd";
        let config = config(&[("DATABASE_URL", url)]).unwrap();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("w0rd") && !shown.contains("p%40ss"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://qotd:***@db.internal:5432/qotd"),
            "{shown}"
        );
        assert_eq!(without_password("sqlite://qotd.db"), "sqlite://qotd.db");
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let config = config(&[("DISCORD_TOKEN", "super-secret-token")]).unwrap();
        let shown = format!(
            "{config:?} {:?} {}",
            config.token,
            config.require_token().unwrap()
        );
        assert!(!shown.contains("super-secret-token"), "{shown}");
        assert_eq!(
            config.require_token().unwrap().expose(),
            "super-secret-token"
        );
    }

    #[test]
    fn a_malformed_dotenv_line_is_an_error_naming_its_line_and_not_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# settings\nQOTD_TEST_OK=1\nDISCORD_TOKEN secret-in-a-bad-line\n",
        )
        .unwrap();
        let error = load_dotenv(&path).unwrap_err();
        assert!(
            matches!(error, ConfigError::DotEnvLine { line: 3, .. }),
            "{error:?}"
        );
        assert!(!error.to_string().contains("secret"), "{error}");
        assert!(load_dotenv(&dir.path().join("missing.env")).is_ok());
    }

    #[test]
    fn discord_shards_is_read_and_a_bad_value_names_the_key() {
        let config = config(&[("DISCORD_SHARDS", "1/2")]).unwrap();
        assert_eq!(config.shards.map(|s| s.to_string()).as_deref(), Some("1/2"));
        let error = config_error(&[("DISCORD_SHARDS", "2/2")]);
        assert!(
            error.starts_with("DISCORD_SHARDS is invalid: shard 2 does not exist"),
            "{error}"
        );
    }

    fn config_error(pairs: &[(&str, &str)]) -> String {
        config(pairs).unwrap_err().to_string()
    }

    #[test]
    fn log_format_is_text_unless_json_and_anything_else_is_refused() {
        assert_eq!(LogFormat::from_value(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::from_value(Some(" ")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::from_value(Some("JSON")), Ok(LogFormat::Json));
        assert_eq!(LogFormat::from_value(Some("text")), Ok(LogFormat::Text));
        let error = LogFormat::from_value(Some("xml")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "LOG_FORMAT is invalid: must be `text` or `json`"
        );
    }

    #[test]
    fn proxy_and_guild_id_are_checked() {
        let ok = config(&[
            ("DISCORD_API_PROXY", "http://127.0.0.1:3000/"),
            ("DISCORD_GUILD_ID", "42"),
        ])
        .unwrap();
        assert_eq!(ok.api_proxy.as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(ok.guild_id, Some(42));
        assert!(config(&[("DISCORD_API_PROXY", "127.0.0.1:3000")]).is_err());
        assert!(config(&[("DISCORD_GUILD_ID", "my-server")]).is_err());
    }
}
