//! Sorting large vectors of large items without the stable sort's scratch buffer.
//!
//! `slice::sort_by` (stable) allocates scratch space of up to half the slice, in items: for a
//! scan's findings or observations (hundreds of bytes each) that is megabytes at the very
//! moment memory peaks. [`stable_by`] sorts indices instead (8 bytes each) and then moves the
//! items into place along the permutation's cycles, giving exactly the order `sort_by` gives.

use std::cmp::Ordering;

/// Sorts `items` like `items.sort_by(compare)` (stable: equal items keep their order), with
/// scratch memory of a few words per item instead of half the items.
pub fn stable_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    // `order[i]`: the index of the item that belongs at position `i`.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| match (items.get(a), items.get(b)) {
        (Some(x), Some(y)) => compare(x, y),
        _ => Ordering::Equal,
    });
    // Follow each cycle of the permutation once, marking positions done (`order[i] == i`).
    for start in 0..order.len() {
        let mut current = start;
        loop {
            let next = order[current];
            order[current] = current;
            if next == start || next == current {
                break;
            }
            items.swap(current, next);
            current = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_order_as_the_stable_sort() {
        // Pseudo-random keys with many ties; the second field tells equal keys apart.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in [0usize, 1, 2, 3, 10, 100, 1000] {
            let items: Vec<(u64, usize)> = (0..len)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % 7, i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|a| a.0);
            let mut sorted = items.clone();
            stable_by(&mut sorted, |a, b| a.0.cmp(&b.0));
            assert_eq!(sorted, expected, "{len} items");
        }
    }

    #[test]
    fn reversed_and_sorted_inputs() {
        let mut v: Vec<u32> = (0..500).rev().collect();
        stable_by(&mut v, u32::cmp);
        assert_eq!(v, (0..500).collect::<Vec<_>>());
        stable_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, (0..500).rev().collect::<Vec<_>>());
    }
}
