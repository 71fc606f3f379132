//! stridegate's one allocator setting, kept apart because it is a C call: the stridegate crate
//! itself compiles under `unsafe_code = "forbid"`.
//!
//! mimalloc 3 keeps the pages a thread frees for a second (`purge_delay`, 1,000 ms) before it
//! returns them to the OS, and only checks when that thread next allocates. A scan frees large
//! trees in bursts on every worker (a rendered Helm chart, a parsed CRD), so at two threads
//! the process held ~50 MB of empty pages at its peak (mixed corpus of docs/performance.md:
//! 250 MB at the default, 200-215 MB at 100 ms, with the same CPU time within the noise; at 0 ms
//! every emptied page costs a system call, ~10 % more CPU).

#![deny(missing_docs)]

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_e` of mimalloc 3's
/// `mimalloc.h`, which libmimalloc-sys 0.1.49 does not name).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc return freed pages to the OS after `ms` milliseconds instead of 1,000.
/// Call it at start-up; it can be called at any time and affects later purges. The
/// `MIMALLOC_PURGE_DELAY` environment variable, when set, wins (for measurements).
pub fn set_purge_delay_ms(ms: u32) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores a number in mimalloc's option table (an atomic store);
    // it has no pointer arguments and is valid at any point of the process' life.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, std::ffi::c_long::from(ms));
    }
}

/// The purge delay mimalloc uses now, in milliseconds.
pub fn purge_delay_ms() -> i64 {
    // SAFETY: `mi_option_get` reads a number from mimalloc's option table; no arguments other
    // than the option's index, valid at any time.
    #[allow(unsafe_code)]
    let value = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
    i64::from(value)
}
