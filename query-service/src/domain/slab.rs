//! Storage for records with a u64 id: fixed-size chunks of slots, reused after removal, and an
//! id index that holds only slot numbers.
//!
//! Chunks keep growth from over-allocating (a doubling `Vec` can hold twice what it needs), and an
//! index of bare `u32` slots hashed by the id stored in the slot costs about 5 bytes per record
//! instead of the 17 a `HashMap<u64, u32>` needs.

use hashbrown::HashTable;

const CHUNK: usize = 4096;

/// A record stored in a [`Slab`].
pub trait Keyed {
    fn id(&self) -> u64;
}

fn hash_id(id: u64) -> u64 {
    let mixed = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    mixed ^ (mixed >> 29)
}

pub struct Slab<T> {
    chunks: Vec<Box<[Option<T>]>>,
    /// Slots handed out so far, live or free.
    high_water: u32,
    free: Vec<u32>,
    by_id: HashTable<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            high_water: 0,
            free: Vec::new(),
            by_id: HashTable::new(),
        }
    }
}

impl<T: Keyed> Slab<T> {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// One more than the highest slot ever used.
    pub fn slot_bound(&self) -> u32 {
        self.high_water
    }

    pub fn get(&self, slot: u32) -> Option<&T> {
        let slot = slot as usize;
        self.chunks.get(slot / CHUNK)?.get(slot % CHUNK)?.as_ref()
    }

    fn cell(&mut self, slot: u32) -> &mut Option<T> {
        let slot = slot as usize;
        &mut self.chunks[slot / CHUNK][slot % CHUNK]
    }

    pub fn find(&self, id: u64) -> Option<u32> {
        self.by_id
            .find(hash_id(id), |&slot| {
                self.get(slot).is_some_and(|record| record.id() == id)
            })
            .copied()
    }

    /// Stores a record whose id is not stored yet.
    pub fn insert(&mut self, record: T) -> u32 {
        let id = record.id();
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                if self.high_water as usize == self.chunks.len() * CHUNK {
                    self.chunks.push(
                        (0..CHUNK)
                            .map(|_| None)
                            .collect::<Vec<_>>()
                            .into_boxed_slice(),
                    );
                }
                self.high_water += 1;
                self.high_water - 1
            }
        };
        *self.cell(slot) = Some(record);
        let Self { chunks, by_id, .. } = self;
        let id_at = |slot: &u32| {
            let slot = *slot as usize;
            chunks[slot / CHUNK][slot % CHUNK]
                .as_ref()
                .map_or(0, |record| hash_id(record.id()))
        };
        by_id.insert_unique(hash_id(id), slot, id_at);
        slot
    }

    pub fn remove(&mut self, slot: u32) -> Option<T> {
        let id = self.get(slot)?.id();
        if let Ok(entry) = self.by_id.find_entry(hash_id(id), |&s| s == slot) {
            entry.remove();
        }
        let record = self.cell(slot).take();
        self.free.push(slot);
        record
    }

    /// The live records in slots `start..end`.
    pub fn range(&self, start: u32, end: u32) -> impl Iterator<Item = &T> {
        (start..end.min(self.high_water)).filter_map(|slot| self.get(slot))
    }

    pub fn heap_bytes(&self) -> usize {
        self.chunks.len() * CHUNK * size_of::<Option<T>>()
            + self.chunks.capacity() * size_of::<usize>() * 2
            + self.free.capacity() * size_of::<u32>()
            + self.by_id.capacity() * (size_of::<u32>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Record(u64);

    impl Keyed for Record {
        fn id(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn slots_are_found_by_id_and_reused() {
        let mut slab = Slab::default();
        let slots: Vec<u32> = (0..10_000u64)
            .map(|id| slab.insert(Record(id * 3)))
            .collect();
        assert_eq!(slab.len(), 10_000);
        assert_eq!(slab.find(300), Some(slots[100]));
        assert_eq!(slab.find(301), None);
        assert_eq!(slab.remove(slots[100]), Some(Record(300)));
        assert_eq!(slab.find(300), None);
        assert_eq!(slab.get(slots[100]), None);
        let reused = slab.insert(Record(7));
        assert_eq!(reused, slots[100]);
        assert_eq!(slab.find(7), Some(reused));
        assert_eq!(slab.find(303), Some(slots[101]));
        assert_eq!(slab.range(0, 3).count(), 3);
        assert_eq!(slab.slot_bound(), 10_000);
    }
}
