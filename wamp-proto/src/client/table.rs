//! [`Table`]: a client's maps (pending requests, running invocations, registrations,
//! subscriptions) as a `Vec` sorted by key; the session's here and `wamp-wasm`'s driver's.
//!
//! Each `BTreeMap<K, V>` instantiation adds several kilobytes to a WebAssembly build, and a
//! client has many. A sorted `Vec` behaves the same (iteration in key order), looks up by
//! binary search and inserts by shifting, which at the sizes a client sees (hundreds of
//! requests in flight at most) is as fast.

/// A map on a `Vec` of entries sorted by key.
#[derive(Debug, Clone)]
pub struct Table<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord + Copy, V> Table<K, V> {
    /// `Ok(index)` of `key`, or `Err(index)` where it would go.
    fn search(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    /// The value for `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        let index = self.search(key).ok()?;
        Some(&self.entries[index].1)
    }

    /// The value for `key`, to change.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let index = self.search(key).ok()?;
        Some(&mut self.entries[index].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &K) -> bool {
        self.search(key).is_ok()
    }

    /// Inserts or replaces.
    pub fn insert(&mut self, key: K, value: V) {
        match self.search(&key) {
            Ok(index) => self.entries[index].1 = value,
            Err(index) => self.entries.insert(index, (key, value)),
        }
    }

    /// Inserts unless `key` is present already.
    pub fn insert_if_absent(&mut self, key: K, value: V) {
        if let Err(index) = self.search(&key) {
            self.entries.insert(index, (key, value));
        }
    }

    /// Removes `key`'s entry; its value, if it had one.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let index = self.search(key).ok()?;
        Some(self.entries.remove(index).1)
    }

    /// The value for `key`, inserted as `V::default()` when absent.
    pub fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let index = match self.search(&key) {
            Ok(index) => index,
            Err(index) => {
                self.entries.insert(index, (key, V::default()));
                index
            }
        };
        &mut self.entries[index].1
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The values, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values, in key order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Removes and returns every entry, in key order.
    pub fn take(&mut self) -> Vec<(K, V)> {
        std::mem::take(&mut self.entries)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut table = Table::default();
        table.insert(5u64, "e");
        table.insert(1, "a");
        table.insert(3, "c");
        table.insert(1, "A");
        table.insert_if_absent(3, "not this");
        assert_eq!(table.get(&1), Some(&"A"));
        assert_eq!(table.get(&3), Some(&"c"));
        assert!(table.contains_key(&5));
        assert!(!table.contains_key(&2));
        assert_eq!(table.values().copied().collect::<Vec<_>>(), ["A", "c", "e"]);
        assert_eq!(table.remove(&3), Some("c"));
        assert_eq!(table.remove(&3), None);
        if let Some(value) = table.get_mut(&5) {
            *value = "E";
        }
        assert_eq!(table.iter().collect::<Vec<_>>(), [(&1, &"A"), (&5, &"E")]);
        for value in table.values_mut() {
            *value = "x";
        }
        assert_eq!(table.take(), [(1, "x"), (5, "x")]);
        assert!(table.get(&1).is_none());
        table.insert(9, "i");
        table.clear();
        assert!(!table.contains_key(&9));

        let mut lists: Table<u64, Vec<u8>> = Table::default();
        lists.get_or_default(7).push(1);
        lists.get_or_default(2).push(3);
        lists.get_or_default(7).push(2);
        assert_eq!(lists.get(&7), Some(&vec![1, 2]));
        assert_eq!(lists.values().count(), 2);
    }
}
