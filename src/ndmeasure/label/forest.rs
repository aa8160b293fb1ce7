//! A flat union-find over dense ids, uniting towards the smaller id, so the
//! root of every set is its smallest member.

/// The union-find forest: `parent[x]`, every parent no larger than its child.
pub(crate) struct Forest(Vec<usize>);

impl Forest {
    /// `n` singleton sets.
    pub(crate) fn new(n: usize) -> Self {
        Forest((0..n).collect())
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

    /// The root of every id.
    pub(crate) fn roots(mut self) -> Vec<usize> {
        (0..self.0.len()).map(|x| self.find(x)).collect()
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
        assert_eq!(forest.roots(), vec![0, 1, 2, 1, 2, 2]);
    }
}
