//! Argument parsers shared by the subcommands.

/// Parses a comma-separated list of positive integers, such as a chunk shape `64,256,256`.
pub fn shape(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(0) => Err(format!("'{text}': extents must be positive")),
            Ok(n) => Ok(n),
            Err(_) => Err(format!("'{text}': expected positive integers separated by commas")),
        })
        .collect()
}

/// Parses a comma-separated list of positive numbers, such as a voxel size `2,0.5,0.5`.
pub fn sizes(text: &str) -> Result<Vec<f64>, String> {
    text.split(',')
        .map(|part| match part.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
            _ => Err(format!("'{text}': expected positive numbers separated by commas")),
        })
        .collect()
}
