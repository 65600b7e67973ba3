//! Per-slot `<msgID>` allocation (D33): 1-65535 in a cycle, skipping values in flight, so
//! an id is never reused while its previous use is outstanding. An id whose command ended
//! without the module saying the exchange is over (result 2 of a QoS 2 publish, or no
//! result in time) is held until the slot closes (D60): the module keeps it reserved until
//! a late PUBCOMP the host never sees.

use std::collections::BTreeSet;

/// The msgIDs of one slot.
#[derive(Debug, Clone)]
pub(crate) struct MsgIds {
    next: u16,
    in_use: BTreeSet<u16>,
    /// The subset of `in_use` held until the slot closes (D60).
    held: BTreeSet<u16>,
}

impl Default for MsgIds {
    fn default() -> Self {
        MsgIds {
            next: 1,
            in_use: BTreeSet::new(),
            held: BTreeSet::new(),
        }
    }
}

impl MsgIds {
    /// The next free id after the last one handed out, or `None` when all 65535 are in use.
    pub(crate) fn allocate(&mut self) -> Option<u16> {
        if self.in_use.len() >= usize::from(u16::MAX) {
            return None;
        }
        loop {
            let id = self.next;
            self.next = if id == u16::MAX { 1 } else { id + 1 };
            if self.in_use.insert(id) {
                return Some(id);
            }
        }
    }

    /// Undoes the allocation that just returned `id` (its request was refused), so that
    /// a refused request does not use up an id.
    pub(crate) fn give_back(&mut self, id: u16) {
        self.in_use.remove(&id);
        self.next = id;
    }

    /// Frees `id` for reuse.
    pub(crate) fn release(&mut self, id: u16) {
        self.in_use.remove(&id);
    }

    /// Keeps `id` out of use until [`MsgIds::release_held`] (D60).
    pub(crate) fn hold(&mut self, id: u16) {
        if self.in_use.contains(&id) {
            self.held.insert(id);
        }
    }

    /// The slot closed: the module's session for it is gone, so held ids are free (D60).
    pub(crate) fn release_held(&mut self) {
        for id in std::mem::take(&mut self.held) {
            self.in_use.remove(&id);
        }
    }

    /// The held ids (D60), ascending.
    pub(crate) fn held(&self) -> impl Iterator<Item = u16> + '_ {
        self.held.iter().copied()
    }

    /// The ids in use, ascending.
    pub(crate) fn in_use(&self) -> impl Iterator<Item = u16> + '_ {
        self.in_use.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cycle_from_one_and_wrap_after_65535() {
        let mut ids = MsgIds::default();
        assert_eq!(ids.allocate(), Some(1));
        ids.release(1);
        ids.next = u16::MAX;
        assert_eq!(ids.allocate(), Some(u16::MAX));
        assert_eq!(ids.allocate(), Some(1));
    }

    #[test]
    fn ids_in_flight_are_skipped() {
        let mut ids = MsgIds::default();
        let a = ids.allocate().unwrap();
        ids.next = a;
        assert_eq!(ids.allocate(), Some(a + 1));
    }

    #[test]
    fn held_ids_are_skipped_until_the_slot_closes_d60() {
        let mut ids = MsgIds::default();
        let a = ids.allocate().unwrap();
        ids.hold(a);
        ids.next = a;
        assert_eq!(ids.allocate(), Some(a + 1));
        ids.release(a + 1);
        ids.release_held();
        ids.next = a;
        assert_eq!(ids.allocate(), Some(a));
        assert_eq!(ids.in_use().collect::<Vec<_>>(), [a]);
    }

    #[test]
    fn exhaustion_is_reported() {
        let mut ids = MsgIds::default();
        for _ in 0..u16::MAX {
            assert!(ids.allocate().is_some());
        }
        assert_eq!(ids.allocate(), None);
        ids.release(77);
        assert_eq!(ids.allocate(), Some(77));
    }
}
