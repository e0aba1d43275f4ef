//! The summary's bar charts: the geometry only (lengths and offsets in SVG units); the
//! template draws the rectangles. No data reaches an attribute other than these numbers
//! and fixed class names.

use crate::model::Bar;

/// The longest bar, in SVG units.
pub const BAR_MAX: u32 = 220;

/// The height of one row, in SVG units.
pub const ROW: u32 = 26;

/// Bars for `(label, count, class)` rows, scaled to the largest count.
pub fn bars(rows: Vec<(String, usize, &'static str)>) -> Vec<Bar> {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0);
    rows.into_iter()
        .enumerate()
        .map(|(i, (label, count, class))| {
            let width = if max == 0 || count == 0 {
                0
            } else {
                // At least a sliver for any non-zero count.
                let w = (count as u64 * u64::from(BAR_MAX)) / max as u64;
                u32::try_from(w).unwrap_or(BAR_MAX).max(3)
            };
            Bar {
                label,
                count,
                width,
                class,
                y: u32::try_from(i).unwrap_or(0) * ROW,
            }
        })
        .collect()
}

/// The height of a chart of `n` rows.
pub fn height(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(0) * ROW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_keep_small_ones_visible() {
        let b = bars(vec![
            ("a".into(), 100, "x"),
            ("b".into(), 1, "x"),
            ("c".into(), 0, "x"),
        ]);
        assert_eq!(b[0].width, BAR_MAX);
        assert_eq!(b[1].width, 3);
        assert_eq!(b[2].width, 0);
        assert_eq!(b[2].y, 2 * ROW);
        assert!(bars(vec![("a".into(), 0, "x")])[0].width == 0);
    }
}
