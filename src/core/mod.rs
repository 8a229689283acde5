//! Pure rules: no Discord, no database, no clock. Everything takes `now` as an argument.

pub mod answering;
pub mod calendar;
pub mod daily_channel;
pub mod daily_schedule;
pub mod hint_reveal;
pub mod lease;
pub mod library;
pub mod practice;
pub mod privacy;
pub mod private_answers;
pub mod question_bank;
pub mod question_stats;
pub mod quiz_cooldown;
pub mod ranking;
pub mod refusals;
pub mod reminders;
pub mod rewards;
pub mod rotation;
pub mod schedule_options;
pub mod seasons;
pub mod sharding;
pub mod start_up;
pub mod streak_rules;
pub mod suggestion;
pub mod team_name;
pub mod yaml_positions;
