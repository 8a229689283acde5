//! Team names: what members type in `/team join`.

use std::fmt;

pub const MAX_TEAM_NAME_CHARS: usize = 32;

/// A trimmed, printable team name of 1 to 32 characters. Names are unique per server
/// ignoring case; [`TeamName::key`] is the form compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTeamName {
    #[error("a team name cannot be empty")]
    Empty,
    #[error("a team name can have at most {MAX_TEAM_NAME_CHARS} characters")]
    TooLong,
    #[error("a team name cannot contain line breaks or control characters")]
    ControlCharacter,
}

impl TeamName {
    pub fn parse(text: &str) -> Result<Self, InvalidTeamName> {
        let name = text.trim();
        if name.is_empty() {
            Err(InvalidTeamName::Empty)
        } else if name.chars().count() > MAX_TEAM_NAME_CHARS {
            Err(InvalidTeamName::TooLong)
        } else if name.chars().any(char::is_control) {
            Err(InvalidTeamName::ControlCharacter)
        } else {
            Ok(Self(name.split_whitespace().collect::<Vec<_>>().join(" ")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive form names are compared by.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_are_trimmed_and_compared_ignoring_case() {
        let name = TeamName::parse("  Night   Owls ").unwrap();
        assert_eq!(name.as_str(), "Night Owls");
        assert_eq!(name.key(), TeamName::parse("night owls").unwrap().key());
    }

    #[test]
    fn empty_long_and_control_character_names_are_refused() {
        assert_eq!(TeamName::parse("   "), Err(InvalidTeamName::Empty));
        assert_eq!(
            TeamName::parse(&"x".repeat(33)),
            Err(InvalidTeamName::TooLong)
        );
        assert_eq!(
            TeamName::parse("a\nb"),
            Err(InvalidTeamName::ControlCharacter)
        );
    }
}
