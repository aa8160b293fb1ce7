//! [`RegionTable`]: the columns of `regionprops_table`, one row per object.

/// The values of one column.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Labels.
    UInt(Vec<u64>),
    /// Integer properties (`bbox`, `num_pixels`, …).
    Int(Vec<i64>),
    /// Every other property.
    Float(Vec<f64>),
}

impl Column {
    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(tesserae::ndmeasure::Column::Int(vec![3, -1]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Column::UInt(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
        }
    }

    /// True for a column without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of row `row` as text for a CSV file (`NaN`, `inf`, `-inf`
    /// for the non-finite floats, as pandas reads them); `None` past the end.
    ///
    /// ```
    /// use tesserae::ndmeasure::Column;
    /// let c = Column::Float(vec![0.5, f64::NAN, 1e-9, 2e20]);
    /// let text: Vec<_> = (0..4).map(|r| c.text(r).unwrap()).collect();
    /// assert_eq!(text, ["0.5", "NaN", "1e-9", "2e20"]);
    /// ```
    pub fn text(&self, row: usize) -> Option<String> {
        Some(match self {
            Column::UInt(v) => v.get(row)?.to_string(),
            Column::Int(v) => v.get(row)?.to_string(),
            Column::Float(v) => float_text(*v.get(row)?),
        })
    }
}

/// Shortest round-trip text of a float, in exponent notation when very large or small.
fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else if v != 0.0 && !(1e-5..1e16).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// A table of region properties: named columns of equal length, one row per
/// object in ascending label order, with `regionprops_table`'s column names.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{Column, RegionProps};
/// use tesserae::{ArraySource, Executor};
///
/// let labels = ArraySource::new(array![[0u32, 5, 5], [0, 0, 5]].into_dyn());
/// let table = RegionProps::new().run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)?;
/// assert_eq!(table.names(), ["label", "bbox-0", "bbox-1", "bbox-2", "bbox-3"]);
/// assert_eq!(table.len(), 1);
/// assert_eq!(table.column("label"), Some(&Column::UInt(vec![5])));
/// assert_eq!(table.row_text(0), ["5", "0", "1", "2", "3"]);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionTable {
    names: Vec<String>,
    columns: Vec<Column>,
}

impl RegionTable {
    pub(crate) fn push(&mut self, name: String, column: Column) {
        self.names.push(name);
        self.columns.push(column);
    }

    pub(crate) fn append(&mut self, column: usize, value: f64) {
        match &mut self.columns[column] {
            Column::UInt(v) => v.push(value as u64),
            Column::Int(v) => v.push(value as i64),
            Column::Float(v) => v.push(value),
        }
    }

    pub(crate) fn append_uint(&mut self, column: usize, value: u64) {
        match &mut self.columns[column] {
            Column::UInt(v) => v.push(value),
            Column::Int(v) => v.push(value as i64),
            Column::Float(v) => v.push(value as f64),
        }
    }

    /// The column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The columns, in the order of [`RegionTable::names`].
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        let i = self.names.iter().position(|n| n == name)?;
        self.columns.get(i)
    }

    /// The values of the float column named `name`.
    pub fn float(&self, name: &str) -> Option<&[f64]> {
        match self.column(name)? {
            Column::Float(v) => Some(v),
            _ => None,
        }
    }

    /// Number of rows (objects).
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// True for a table without rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `row` as CSV fields (empty past the end).
    pub fn row_text(&self, row: usize) -> Vec<String> {
        if row >= self.len() {
            return Vec::new();
        }
        self.columns
            .iter()
            .map(|c| c.text(row).unwrap_or_default())
            .collect()
    }
}
