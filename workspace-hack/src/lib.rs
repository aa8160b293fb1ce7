//! Feature unification for the tesserae workspace; see `Cargo.toml`.
