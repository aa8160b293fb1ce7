//! [`Executor`]: parallel execution of chunk tasks on rayon, with a bounded
//! number of chunks in flight and progress reporting.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Receives progress reports of long-running work (the CLI shows them with indicatif).
///
/// A stage starts with [`Progress::start`], advances one task at a time and
/// ends with [`Progress::finish`]. Implementations must be cheap: `advance` is
/// called from worker threads once per chunk.
pub trait Progress: Send + Sync {
    /// A new stage named `stage` with `total` tasks begins.
    fn start(&self, stage: &str, total: u64);
    /// `done` more tasks of the current stage are finished.
    fn advance(&self, done: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// Runs chunk tasks in parallel.
///
/// Tasks are handed out in order (C order of chunks, when the caller numbers
/// them so) to at most [`Executor::num_threads`] workers, so at most that many
/// chunks are in flight and streaming sinks receive their data nearly in order.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use tesserae::Executor;
///
/// let exec = Executor::new().threads(2).unwrap();
/// let sum = AtomicUsize::new(0);
/// exec.for_each("add", 100, |i| {
///     sum.fetch_add(i, Ordering::Relaxed);
///     Ok(())
/// })
/// .unwrap();
/// assert_eq!(sum.into_inner(), 4950);
/// ```
#[derive(Clone, Default)]
pub struct Executor {
    pool: Option<Arc<rayon::ThreadPool>>,
    progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("threads", &self.num_threads())
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Executor {
    /// An executor on rayon's global pool (all cores, or `RAYON_NUM_THREADS`).
    pub fn new() -> Self {
        Executor::default()
    }

    /// The same executor on a pool of its own with `threads` workers (0 = all cores).
    pub fn threads(mut self, threads: usize) -> Result<Self> {
        if threads == 0 {
            self.pool = None;
            return Ok(self);
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Failed(format!("cannot start {threads} threads: {e}")))?;
        self.pool = Some(Arc::new(pool));
        Ok(self)
    }

    /// The same executor reporting to `progress`.
    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Number of worker threads.
    pub fn num_threads(&self) -> usize {
        match &self.pool {
            Some(pool) => pool.current_num_threads(),
            None => rayon::current_num_threads(),
        }
    }

    /// Runs `f` inside this executor's thread pool (so nested rayon work uses it too).
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let mut f = Some(f);
        let mut result = None;
        self.install_dyn(&mut || result = f.take().map(|f| f()));
        result.expect("the installed work runs exactly once")
    }

    /// [`Executor::install`] behind one non-generic call, so that rayon's
    /// machinery is compiled once rather than once per caller's closure.
    fn install_dyn(&self, work: &mut (dyn FnMut() + Send)) {
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// Runs `task(i)` for `i` in `0..n`, handing tasks out in increasing order to
    /// the workers; stops at the first error and returns it.
    pub fn for_each<F>(&self, stage: &str, n: usize, task: F) -> Result<()>
    where
        F: Fn(usize) -> Result<()> + Sync,
    {
        self.for_each_dyn(stage, n, &task)
    }

    /// [`Executor::for_each`] on a task behind a reference: one compiled copy
    /// of the scheduling for every caller.
    fn for_each_dyn(
        &self,
        stage: &str,
        n: usize,
        task: &(dyn Fn(usize) -> Result<()> + Sync),
    ) -> Result<()> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error = Mutex::new(None);
        self.stage(stage, n, &mut || {
            let workers = self.num_threads().min(n).max(1);
            rayon::scope(|scope| {
                for _ in 0..workers {
                    scope.spawn(|_| {
                        loop {
                            if failed.load(Ordering::Relaxed) {
                                break;
                            }
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= n {
                                break;
                            }
                            match task(i) {
                                Ok(()) => self.advance(),
                                Err(e) => {
                                    failed.store(true, Ordering::Relaxed);
                                    first_error
                                        .lock()
                                        .unwrap_or_else(|p| p.into_inner())
                                        .get_or_insert(e);
                                }
                            }
                        }
                    });
                }
            });
        });
        match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Maps every task `0..n` to a value and merges the values pairwise in a
    /// tree; `None` when `n == 0`. `merge` must be associative.
    ///
    /// ```
    /// let exec = tesserae::Executor::new();
    /// let max = exec.map_reduce("max", 10, |i| Ok((i * 7) % 10), |a, b| a.max(b)).unwrap();
    /// assert_eq!(max, Some(9));
    /// ```
    pub fn map_reduce<A, M, R>(&self, stage: &str, n: usize, map: M, merge: R) -> Result<Option<A>>
    where
        A: Send,
        M: Fn(usize) -> Result<A> + Sync,
        R: Fn(A, A) -> A + Sync,
    {
        let failed = AtomicBool::new(false);
        let mut result = Ok(None);
        self.stage(stage, n, &mut || {
            result = self.tree(0, n, &map, &merge, &failed);
        });
        result
    }

    /// Maps the tasks `lo..hi` and merges their values in a balanced binary
    /// tree, the two halves in parallel. Generic only in the value: the map
    /// and merge functions come behind references. After a failure the tasks
    /// not yet started are skipped, and the failure is what returns.
    fn tree<A: Send>(
        &self,
        lo: usize,
        hi: usize,
        map: &(dyn Fn(usize) -> Result<A> + Sync),
        merge: &(dyn Fn(A, A) -> A + Sync),
        failed: &AtomicBool,
    ) -> Result<Option<A>> {
        match hi - lo {
            0 => Ok(None),
            1 if failed.load(Ordering::Relaxed) => Ok(None),
            1 => match map(lo) {
                Ok(value) => {
                    self.advance();
                    Ok(Some(value))
                }
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    Err(e)
                }
            },
            len => {
                let mid = lo + len / 2;
                let (left, right) = rayon::join(
                    || self.tree(lo, mid, map, merge, failed),
                    || self.tree(mid, hi, map, merge, failed),
                );
                Ok(match (left?, right?) {
                    (Some(a), Some(b)) => Some(merge(a, b)),
                    (a, b) => a.or(b),
                })
            }
        }
    }

    /// Runs `work` in the pool as the stage `stage` of `n` tasks, reporting it.
    fn stage(&self, stage: &str, n: usize, work: &mut (dyn FnMut() + Send)) {
        if let Some(p) = &self.progress {
            p.start(stage, n as u64);
        }
        self.install_dyn(work);
        if let Some(p) = &self.progress {
            p.finish();
        }
    }

    fn advance(&self) {
        if let Some(p) = &self.progress {
            p.advance(1);
        }
    }
}
