//! [`Table`]: a small map on a `Vec`.
//!
//! The driver keeps a handful of maps with few entries each (pending requests, running
//! invocations, registrations, subscriptions). Every `BTreeMap<K, V>` instantiation adds
//! several kilobytes of WebAssembly; a linear scan over a `Vec` adds a few hundred bytes and
//! is as fast at these sizes.

/// A map with linear lookup, in insertion order.
pub(crate) struct Table<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            entries: Vec::new(),
        }
    }
}

impl<K: PartialEq + Copy, V> Table<K, V> {
    fn position(&self, key: &K) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.position(key).is_some()
    }

    /// Inserts or replaces.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.entries.push((key, value)),
        }
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let index = self.position(key)?;
        Some(self.entries.remove(index).1)
    }

    /// The value for `key`, inserted as `V::default()` when absent.
    pub(crate) fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let index = match self.position(&key) {
            Some(index) => index,
            None => {
                self.entries.push((key, V::default()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[index].1
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Removes and returns every entry.
    pub(crate) fn take(&mut self) -> Vec<(K, V)> {
        std::mem::take(&mut self.entries)
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn behaves_like_a_map() {
        let mut table = Table::default();
        table.insert(1u64, "a");
        table.insert(2, "b");
        table.insert(1, "c");
        assert_eq!(table.get(&1), Some(&"c"));
        assert!(table.contains_key(&2));
        assert_eq!(table.remove(&2), Some("b"));
        assert_eq!(table.remove(&2), None);
        table.get_or_default(3u64);
        assert_eq!(table.iter().count(), 2);
        assert_eq!(table.take().len(), 2);
        assert!(table.get(&1).is_none());
        let mut lists: Table<u64, Vec<u8>> = Table::default();
        lists.get_or_default(7).push(1);
        lists.get_or_default(7).push(2);
        assert_eq!(lists.get(&7), Some(&vec![1, 2]));
    }
}
