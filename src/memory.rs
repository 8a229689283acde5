//! Handing back the memory start-up used, once the bot has settled.
//!
//! Start-up does work the running bot never does again: migrations, parsing the
//! question banks, building the slash commands, and one parsed GUILD_CREATE per
//! server. Two things keep its memory resident afterwards:
//! - glibc keeps freed heap pages in its arenas (the GUILD_CREATEs are freed, their
//!   pages are not returned);
//! - the kernel maps a program's code in 64 KiB windows around each page run, so the
//!   code run once at start-up stays mapped, and qotd's binary (SQLite, two database
//!   drivers, poise, YAML, picture rendering, metrics) is large.
//!
//! Once every server has arrived, [`hand_back_start_up_memory`] asks glibc to return
//! its free pages (`malloc_trim`) and the kernel to drop the binary's read-only pages
//! from this process (`MADV_PAGEOUT`): code the bot runs later comes back on first use,
//! from the page cache, as it would after the kernel reclaimed it under pressure.

use std::ops::Range;

/// The process's resident memory before and after, in KiB (`/proc/self/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandedBack {
    pub anon_kib: (u64, u64),
    pub file_kib: (u64, u64),
    /// Whether the kernel took the advice for every code mapping (a kernel before 5.4,
    /// or a sandbox's, refuses `MADV_PAGEOUT`: the code stays resident).
    pub code_paged_out: bool,
}

/// Returns free heap pages to the system and drops the binary's read-only mappings
/// from this process's resident set. Only ever changes what is resident, never what
/// the process can read.
pub fn hand_back_start_up_memory() -> std::io::Result<HandedBack> {
    let before = std::fs::read_to_string("/proc/self/status")?;
    trim_heap();
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    let exe = std::fs::read_link("/proc/self/exe")?;
    let regions = read_only_regions_of(&maps, &exe.to_string_lossy());
    let code_paged_out = !regions.is_empty() && regions.into_iter().all(page_out);
    let after = std::fs::read_to_string("/proc/self/status")?;
    let kib = |status: &str, key: &str| status_kib(status, key).unwrap_or(0);
    Ok(HandedBack {
        anon_kib: (kib(&before, "RssAnon"), kib(&after, "RssAnon")),
        file_kib: (kib(&before, "RssFile"), kib(&after, "RssFile")),
        code_paged_out,
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

/// True when the kernel took the advice.
#[cfg(target_os = "linux")]
fn page_out(region: Range<usize>) -> bool {
    // SAFETY: the range is a whole mapping of this process's own executable, read
    // from /proc/self/maps, and read-only: MADV_PAGEOUT only unmaps its clean pages
    // (the next access maps them again from the page cache or the file); it never
    // changes their contents. A kernel without MADV_PAGEOUT (before 5.4) answers
    // EINVAL and nothing happens.
    let answer = unsafe {
        libc::madvise(
            region.start as *mut libc::c_void,
            region.end - region.start,
            libc::MADV_PAGEOUT,
        )
    };
    answer == 0
}

#[cfg(not(target_os = "linux"))]
fn page_out(_region: Range<usize>) -> bool {
    false
}

/// The address ranges of `exe`'s mappings that cannot be written, from the text of
/// `/proc/self/maps` (`start-end perms offset dev inode path`).
fn read_only_regions_of(maps: &str, exe: &str) -> Vec<Range<usize>> {
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.splitn(6, ' ');
            let range = fields.next()?;
            let perms = fields.next()?;
            let path = fields.nth(3)?.trim_start();
            if path != exe || perms.contains('w') {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            let start = usize::from_str_radix(start, 16).ok()?;
            let end = usize::from_str_radix(end, 16).ok()?;
            (start < end).then_some(start..end)
        })
        .collect()
}

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

    const MAPS: &str = "\
55d0c0a00000-55d0c0c00000 r--p 00000000 08:01 1234 /opt/qotd/bin/qotd
55d0c0c00000-55d0c1600000 r-xp 00200000 08:01 1234 /opt/qotd/bin/qotd
55d0c1600000-55d0c1700000 r--p 00c00000 08:01 1234 /opt/qotd/bin/qotd
55d0c1700000-55d0c1710000 rw-p 00d00000 08:01 1234 /opt/qotd/bin/qotd
55d0c2000000-55d0c2100000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0000200000 r-xp 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6
7f0000300000-7f0000400000 r--p 00000000 08:01 77 /opt/qotd/bin/qotd-old
7f0000500000-7f0000501000 rw-p 00000000 00:00 0
";

    #[test]
    fn only_the_executables_read_only_mappings_are_chosen() {
        let regions = read_only_regions_of(MAPS, "/opt/qotd/bin/qotd");
        assert_eq!(
            regions,
            vec![
                0x55d0c0a00000..0x55d0c0c00000,
                0x55d0c0c00000..0x55d0c1600000,
                0x55d0c1600000..0x55d0c1700000,
            ]
        );
    }

    #[test]
    fn a_replaced_executable_is_matched_by_the_name_the_kernel_gives_it() {
        let maps = "55d0c0c00000-55d0c1600000 r-xp 00200000 08:01 1234 /opt/qotd (deleted)\n";
        assert_eq!(
            read_only_regions_of(maps, "/opt/qotd (deleted)"),
            vec![0x55d0c0c00000..0x55d0c1600000]
        );
        assert!(read_only_regions_of(maps, "/opt/qotd").is_empty());
    }

    #[test]
    fn a_path_with_spaces_is_kept_whole_and_garbage_lines_are_skipped() {
        let maps = "\
1000-2000 r-xp 00000000 08:01 5 /srv/my bots/qotd
not a mapping line
3000-2000 r-xp 00000000 08:01 5 /srv/my bots/qotd
zz-2000 r-xp 00000000 08:01 5 /srv/my bots/qotd
";
        assert_eq!(
            read_only_regions_of(maps, "/srv/my bots/qotd"),
            vec![0x1000..0x2000]
        );
    }

    #[test]
    fn status_figures_are_read_in_kib() {
        let status = "Name:\tqotd\nRssAnon:\t    6512 kB\nRssFile:\t   15360 kB\n";
        assert_eq!(status_kib(status, "RssAnon"), Some(6512));
        assert_eq!(status_kib(status, "RssFile"), Some(15360));
        assert_eq!(status_kib(status, "RssShmem"), None);
    }

    #[test]
    fn handing_back_in_this_process_keeps_its_code_runnable() {
        let handed = hand_back_start_up_memory().expect("/proc is readable");
        assert!(handed.file_kib.0 > 0, "{handed:?}");
        // The code just paged out runs again (from the page cache).
        let again = hand_back_start_up_memory().expect("/proc is readable");
        assert_eq!(again.code_paged_out, handed.code_paged_out);
    }
}
