//! crates/stridegate-alloc sets mimalloc's purge delay (the binary sets 100 ms at start-up):
//! the option it writes is the one mimalloc reads back, and the environment variable wins.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

#[test]
fn purge_delay_is_set_and_read_back() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        // The variable wins: nothing is written.
        let before = stridegate_alloc::purge_delay_ms();
        stridegate_alloc::set_purge_delay_ms(123);
        assert_eq!(stridegate_alloc::purge_delay_ms(), before);
        return;
    }
    // mimalloc 3's default: the option at this index is the purge delay.
    assert_eq!(stridegate_alloc::purge_delay_ms(), 1000);
    stridegate_alloc::set_purge_delay_ms(123);
    assert_eq!(stridegate_alloc::purge_delay_ms(), 123);
    stridegate_alloc::set_purge_delay_ms(100);
    assert_eq!(stridegate_alloc::purge_delay_ms(), 100);
}
