//! Scratch vectors kept between labelings.
//!
//! A labeling allocates a few vectors sized by its runs and labels (tens of
//! megabytes for a noisy 256^3 image). Freed and allocated again, their
//! pages come back from the kernel, which faults and zeroes each one: a fifth
//! of the time of such a labeling. A [`Scratch`] vector goes back to a small
//! shelf when dropped and the next labeling takes it from there, its pages
//! already mapped. The shelf is bounded ([`KEEP_BYTES`] of touched memory per
//! element type), so memory stays bounded too.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};

/// Most bytes of touched memory the shelf of one element type keeps.
const KEEP_BYTES: usize = 96 << 20;
/// Vectors that touched fewer bytes are not worth keeping.
const MIN_BYTES: usize = 256 << 10;
/// Most vectors the shelf of one element type keeps.
const SLOTS: usize = 16;

/// Kept vectors of one element type, with the bytes each one touched.
pub(crate) struct Shelf<T> {
    vecs: Vec<(Vec<T>, usize)>,
    bytes: usize,
}

impl<T> Shelf<T> {
    const fn new() -> Self {
        Shelf {
            vecs: Vec::new(),
            bytes: 0,
        }
    }
}

/// Element types with a shelf.
pub(crate) trait Spare: Copy + Send + 'static {
    /// The shelf of this type.
    fn shelf() -> &'static Mutex<Shelf<Self>>;
}

macro_rules! spare {
    ($($t:ty),*) => {$(
        impl Spare for $t {
            fn shelf() -> &'static Mutex<Shelf<$t>> {
                static SHELF: Mutex<Shelf<$t>> = Mutex::new(Shelf::new());
                &SHELF
            }
        }
    )*};
}

spare!(u32, u64, usize);

fn lock<T>(m: &'static Mutex<Shelf<T>>) -> MutexGuard<'static, Shelf<T>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A vector that goes back to its shelf when dropped (dereferences to `Vec<T>`).
pub(crate) struct Scratch<T: Spare> {
    vec: Vec<T>,
    /// Bytes touched by earlier uses of the allocation.
    touched: usize,
}

impl<T: Spare> Scratch<T> {
    /// An empty vector with room for `n` elements: the smallest kept one
    /// that has it, else a new one.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut shelf = lock(T::shelf());
        let pick = shelf
            .vecs
            .iter()
            .enumerate()
            .filter(|(_, (v, _))| v.capacity() >= n)
            .min_by_key(|(_, (v, _))| v.capacity())
            .map(|(i, _)| i);
        match pick {
            Some(i) => {
                let (mut vec, touched) = shelf.vecs.swap_remove(i);
                shelf.bytes -= touched;
                drop(shelf);
                vec.clear();
                Scratch { vec, touched }
            }
            None => Scratch {
                vec: Vec::with_capacity(n),
                touched: 0,
            },
        }
    }

    /// `0, 1, .., n - 1`.
    pub(crate) fn identity(n: usize) -> Self
    where
        T: TryFrom<usize>,
    {
        let mut v = Scratch::with_capacity(n);
        v.extend((0..n).filter_map(|i| T::try_from(i).ok()));
        v
    }
}

impl<T: Spare> Drop for Scratch<T> {
    fn drop(&mut self) {
        let touched = self.touched.max(self.vec.len() * std::mem::size_of::<T>());
        if touched < MIN_BYTES {
            return;
        }
        let mut shelf = lock(T::shelf());
        if shelf.vecs.len() < SLOTS && shelf.bytes + touched <= KEEP_BYTES {
            shelf.bytes += touched;
            shelf.vecs.push((std::mem::take(&mut self.vec), touched));
        }
    }
}

impl<T: Spare> Deref for Scratch<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.vec
    }
}

impl<T: Spare> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.vec
    }
}

impl<T: Spare> From<Vec<T>> for Scratch<T> {
    fn from(vec: Vec<T>) -> Self {
        Scratch { vec, touched: 0 }
    }
}

impl<T: Spare> Default for Scratch<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: Spare> Clone for Scratch<T> {
    fn clone(&self) -> Self {
        self.vec.clone().into()
    }
}

impl<T: Spare + fmt::Debug> fmt::Debug for Scratch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.vec.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Scratch;

    #[test]
    fn kept_vectors_come_back_empty() {
        let mut a = Scratch::<u64>::with_capacity(1 << 16);
        a.extend(0..1 << 16);
        drop(a);
        let b = Scratch::<u64>::with_capacity(10);
        assert!(b.is_empty());
        assert_eq!(*Scratch::<u64>::identity(4), vec![0, 1, 2, 3]);
    }
}
