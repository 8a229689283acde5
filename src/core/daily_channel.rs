//! Which daily channel a command is about when `channel` may be left out: the one
//! asked for (it must be one of the server's daily channels), else a fallback that
//! depends on the command.

/// What a command uses when no channel is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The server's first daily channel (`/streak`'s calendar).
    First,
    /// The channel the command runs in, if it is a daily channel, else the server's
    /// first (`/qotd stats`).
    HereOrFirst(u64),
    /// No channel: the command covers the whole server (`/leaderboard`).
    WholeServer,
}

/// Why no channel could be picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoChannel {
    /// The channel asked for is not a daily channel of this server.
    NotDaily(u64),
    /// The server has no daily channel at all.
    NoneYet,
}

/// The daily channel among `daily` (the server's, in order) for `asked` and the
/// command's `fallback`; `Ok(None)` means the whole server.
pub fn pick(
    daily: &[u64],
    asked: Option<u64>,
    fallback: Fallback,
) -> Result<Option<u64>, NoChannel> {
    if let Some(channel) = asked {
        return match daily.contains(&channel) {
            true => Ok(Some(channel)),
            false if daily.is_empty() && fallback != Fallback::WholeServer => {
                Err(NoChannel::NoneYet)
            }
            false => Err(NoChannel::NotDaily(channel)),
        };
    }
    match fallback {
        Fallback::WholeServer => Ok(None),
        Fallback::HereOrFirst(here) if daily.contains(&here) => Ok(Some(here)),
        Fallback::First | Fallback::HereOrFirst(_) => {
            daily.first().copied().map(Some).ok_or(NoChannel::NoneYet)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAILY: [u64; 2] = [10, 20];

    #[test]
    fn a_channel_asked_for_must_be_a_daily_channel_of_the_server() {
        for fallback in [
            Fallback::First,
            Fallback::HereOrFirst(20),
            Fallback::WholeServer,
        ] {
            assert_eq!(pick(&DAILY, Some(20), fallback), Ok(Some(20)));
            assert_eq!(
                pick(&DAILY, Some(30), fallback),
                Err(NoChannel::NotDaily(30))
            );
        }
        assert_eq!(
            pick(&[], Some(30), Fallback::First),
            Err(NoChannel::NoneYet)
        );
        assert_eq!(
            pick(&[], Some(30), Fallback::WholeServer),
            Err(NoChannel::NotDaily(30))
        );
    }

    #[test]
    fn left_out_each_command_falls_back_its_own_way() {
        assert_eq!(pick(&DAILY, None, Fallback::First), Ok(Some(10)));
        assert_eq!(pick(&DAILY, None, Fallback::HereOrFirst(20)), Ok(Some(20)));
        assert_eq!(pick(&DAILY, None, Fallback::HereOrFirst(99)), Ok(Some(10)));
        assert_eq!(pick(&DAILY, None, Fallback::WholeServer), Ok(None));
        assert_eq!(pick(&[], None, Fallback::First), Err(NoChannel::NoneYet));
        assert_eq!(pick(&[], None, Fallback::WholeServer), Ok(None));
    }
}
