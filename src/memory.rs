//! Handing back the heap start-up used, once the bot has settled.
//!
//! Start-up does work the running bot never does again: migrations, parsing the
//! question banks, building the slash commands, and one parsed GUILD_CREATE per
//! server. glibc keeps the freed pages of that work in its arenas; once every server
//! has arrived, [`hand_back_start_up_heap`] asks it to return them (`malloc_trim`).
//! The bot's anonymous memory (`RssAnon`) drops, and stays lower after a day's work:
//! the running bot does not need those pages again (docs/performance.md, footprint).
//!
//! What it does not do: drop the binary's code from the resident set. Code pages the
//! kernel maps are shared with the page cache and come back the moment the code runs,
//! so that would lower the idle figure without lowering what the bot uses.

/// The process's anonymous resident memory before and after, in KiB
/// (`/proc/self/status`, `RssAnon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandedBack {
    pub anon_kib: (u64, u64),
}

/// Returns glibc's free heap pages to the system. Only ever changes what is resident,
/// never what the process can read.
pub fn hand_back_start_up_heap() -> std::io::Result<HandedBack> {
    let before = std::fs::read_to_string("/proc/self/status")?;
    trim_heap();
    let after = std::fs::read_to_string("/proc/self/status")?;
    let anon = |status: &str| status_kib(status, "RssAnon").unwrap_or(0);
    Ok(HandedBack {
        anon_kib: (anon(&before), anon(&after)),
    })
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_heap() {
    // SAFETY: malloc_trim only returns free memory of glibc's own arenas to the
    // kernel; it is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}

/// A `/proc/*/status` figure in KiB (`RssAnon:     6512 kB`), from that file's text.
pub fn status_kib(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_figures_are_read_in_kib() {
        let status = "Name:\tqotd\nRssAnon:\t    6512 kB\nRssFile:\t   15360 kB\n";
        assert_eq!(status_kib(status, "RssAnon"), Some(6512));
        assert_eq!(status_kib(status, "RssFile"), Some(15360));
        assert_eq!(status_kib(status, "RssShmem"), None);
    }

    #[test]
    fn handing_back_freed_heap_pages_lowers_the_anonymous_memory() {
        // 32 MiB touched, then freed in small blocks: glibc keeps them in its arena.
        let blocks: Vec<Vec<u8>> = (0..8192).map(|_| vec![1u8; 4096]).collect();
        let kept = blocks.iter().map(|b| b[0] as usize).sum::<usize>();
        drop(blocks);
        let handed = hand_back_start_up_heap().expect("/proc is readable");
        assert!(kept > 0 && handed.anon_kib.0 > 0, "{handed:?}");
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        assert!(handed.anon_kib.1 < handed.anon_kib.0, "{handed:?}");
    }
}
