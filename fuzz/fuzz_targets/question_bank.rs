//! Any bytes given to the question-bank loader: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qotd::core::question_bank::QuestionBank;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(errors) = QuestionBank::parse("fuzz.yaml", text) {
            assert!(!errors.errors.is_empty());
            for error in &errors.errors {
                assert!(error.location.line >= 1 && error.location.column >= 1);
            }
        }
    }
});
