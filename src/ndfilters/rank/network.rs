//! Selection networks: Batcher's odd-even merge sort pruned to the one rank
//! a filter needs, run on whole rows at once (one compare-exchange is a
//! branch-free min/max over a row, which the compiler vectorises).

/// What a step of the network writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Write {
    /// Both the minimum (into `a`) and the maximum (into `b`).
    Both,
    /// Only the minimum, into `a`.
    Min,
    /// Only the maximum, into `b`.
    Max,
}

/// One compare-exchange between value slots `a` and `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Step {
    a: usize,
    b: usize,
    write: Write,
}

/// A network selecting the value of one rank among `inputs` values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Network {
    inputs: usize,
    steps: Vec<Step>,
    output: usize,
}

/// The largest footprint a network is built for; larger ones use selection.
pub(crate) const MAX_NETWORK_INPUTS: usize = 64;

impl Network {
    /// The network whose slot [`Network::output`] ends holding the element of
    /// rank `rank` (0-based) of `inputs` values (`rank < inputs`).
    pub(crate) fn select(inputs: usize, rank: usize) -> Self {
        let wires = inputs.next_power_of_two();
        // The content of every wire: a value slot, or `None` for a padding
        // value above every input (comparisons with it are decided).
        let mut slot: Vec<Option<usize>> = (0..wires).map(|w| (w < inputs).then_some(w)).collect();
        let mut steps = Vec::new();
        for (i, j) in batcher(wires) {
            match (slot[i], slot[j]) {
                (Some(a), Some(b)) => steps.push(Step {
                    a,
                    b,
                    write: Write::Both,
                }),
                (None, Some(_)) => slot.swap(i, j),
                _ => {}
            }
        }
        let output = slot[rank].unwrap_or(0);
        // Keep only the steps the output depends on, and of those only the
        // half (minimum or maximum) that is read later.
        let mut needed = vec![false; inputs];
        needed[output] = true;
        let mut kept = Vec::new();
        for step in steps.into_iter().rev() {
            let write = match (needed[step.a], needed[step.b]) {
                (true, true) => Write::Both,
                (true, false) => Write::Min,
                (false, true) => Write::Max,
                (false, false) => continue,
            };
            needed[step.a] = true;
            needed[step.b] = true;
            kept.push(Step { write, ..step });
        }
        kept.reverse();
        Network {
            inputs,
            steps: kept,
            output,
        }
    }

    /// The slot holding the selected value after [`Network::run`].
    pub(crate) fn output(&self) -> usize {
        self.output
    }

    /// Runs the network on `values`: `inputs` rows of `len` values each, one
    /// row per slot, every column an independent selection.
    pub(crate) fn run<T: PartialOrd + Copy>(&self, values: &mut [T], len: usize) {
        debug_assert_eq!(values.len(), self.inputs * len);
        for step in &self.steps {
            let (low, high) = values.split_at_mut(step.b * len);
            let a = &mut low[step.a * len..][..len];
            let b = &mut high[..len];
            match step.write {
                Write::Both => {
                    for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                        let (u, v) = (*x, *y);
                        let swap = v < u;
                        *x = if swap { v } else { u };
                        *y = if swap { u } else { v };
                    }
                }
                Write::Min => {
                    for (x, &v) in a.iter_mut().zip(b.iter()) {
                        if v < *x {
                            *x = v;
                        }
                    }
                }
                Write::Max => {
                    for (&u, y) in a.iter().zip(b.iter_mut()) {
                        if u > *y {
                            *y = u;
                        }
                    }
                }
            }
        }
    }
}

/// The comparators `(i, j)`, `i < j`, of Batcher's odd-even merge sort of
/// `n` wires (`n` a power of two), in order.
fn batcher(n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut p = 1;
    while p < n {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < n {
                for i in 0..k.min(n - j - k) {
                    if (i + j) / (2 * p) == (i + j + k) / (2 * p) {
                        out.push((i + j, i + j + k));
                    }
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Network;

    #[test]
    fn networks_select_every_rank() {
        let mut state = 12345u64;
        for inputs in 1..=30 {
            for rank in 0..inputs {
                let network = Network::select(inputs, rank);
                for _ in 0..20 {
                    let values: Vec<u32> = (0..inputs)
                        .map(|_| {
                            state = state
                                .wrapping_mul(6364136223846793005)
                                .wrapping_add(1442695040888963407);
                            (state >> 59) as u32
                        })
                        .collect();
                    let mut sorted = values.clone();
                    sorted.sort_unstable();
                    let mut work = values.clone();
                    network.run(&mut work, 1);
                    assert_eq!(
                        work[network.output()],
                        sorted[rank],
                        "{inputs} inputs, rank {rank}"
                    );
                }
            }
        }
    }

    #[test]
    fn median_of_27_is_pruned() {
        let network = Network::select(27, 13);
        assert!(network.steps.len() < 200, "{} steps", network.steps.len());
    }
}
