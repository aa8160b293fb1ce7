//! Present so that the build-dependencies (host crates) take part in feature unification.

fn main() {}
