//! A flat union-find over dense ids, uniting towards the smaller id, so the
//! root of every set is its smallest member.

use crate::ndmeasure::label::scratch::Scratch;

/// The union-find forest: `parent[x]`, every parent no larger than its child.
pub(crate) struct Forest(Scratch<usize>);

impl Forest {
    /// `n` singleton sets.
    pub(crate) fn new(n: usize) -> Self {
        Forest(Scratch::identity(n))
    }

    /// The root (smallest id) of `x`'s set, halving the path on the way.
    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            let up = self.0[self.0[x]];
            self.0[x] = up;
            x = up;
        }
        x
    }

    /// Unites the sets of `a` and `b` under the smaller root.
    pub(crate) fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra < rb {
            self.0[rb] = ra;
        } else {
            self.0[ra] = rb;
        }
    }

    /// Labels `1..=count` numbering the sets in the order of their smallest
    /// ids, for every id, in place, and `count`: parents precede their
    /// children, so in id order every parent holds its label already.
    pub(crate) fn number_in_order(mut self) -> (Scratch<usize>, usize) {
        let mut count = 0;
        for x in 0..self.0.len() {
            let p = self.0[x];
            self.0[x] = if p == x {
                count += 1;
                count
            } else {
                self.0[p]
            };
        }
        (self.0, count)
    }

    /// The root of every id, in place: parents precede their children, so
    /// in id order every parent already points at its root.
    pub(crate) fn roots(mut self) -> Scratch<usize> {
        for x in 0..self.0.len() {
            self.0[x] = self.0[self.0[x]];
        }
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Forest;

    #[test]
    fn roots_are_the_smallest_members() {
        let mut forest = Forest::new(6);
        forest.union(4, 2);
        forest.union(5, 4);
        forest.union(3, 1);
        assert_eq!(*forest.roots(), vec![0, 1, 2, 1, 2, 2]);
    }

    #[test]
    fn sets_are_numbered_by_smallest_id() {
        let mut forest = Forest::new(6);
        forest.union(4, 2);
        forest.union(5, 4);
        forest.union(3, 1);
        let (labels, count) = forest.number_in_order();
        assert_eq!((labels.to_vec(), count), (vec![1, 2, 3, 2, 3, 3], 3));
    }
}
