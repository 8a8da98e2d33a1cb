//! Scrolling a list of rows of any height: the offset is kept between frames (in the
//! screen's state) and moves only when the selection would leave the window; a row taller
//! than the window is shown from its top and cut, never left out; a click maps back through
//! the offset that was drawn.

/// The first line to show of rows `heights` high in `visible` lines: `previous` (what was
/// shown last time) unless the selected row would be out of sight, then the least scroll
/// that brings it in; a row taller than the window shows from its top, and the rest of it is
/// drawn cut rather than left out.
pub fn scroll_top(heights: &[u16], selected: Option<usize>, visible: u16, previous: u16) -> u16 {
    let total: u16 = heights.iter().sum();
    let mut top = previous.min(total.saturating_sub(visible));
    if let Some(sel) = selected.filter(|&s| s < heights.len()) {
        let start: u16 = heights[..sel].iter().sum();
        let end = start + heights[sel];
        if start < top {
            top = start;
        } else if end > top + visible {
            top = if heights[sel] > visible {
                start
            } else {
                end - visible
            };
        }
    }
    top
}

/// How many rows are wholly or partly out of sight above and below a window of `visible`
/// lines starting at line `top`.
pub fn hidden_counts(heights: &[u16], top: u16, visible: u16) -> (usize, usize) {
    let (mut above, mut below, mut start) = (0, 0, 0u16);
    for &h in heights {
        let end = start + h;
        if start < top {
            above += 1;
        } else if end > top + visible {
            below += 1;
        }
        start = end;
    }
    (above, below)
}

/// The row drawn at line `line` of the list (0 = its first line inside the border) when the
/// list starts at line `top`.
pub fn row_of_line(heights: &[u16], top: u16, line: u16) -> Option<usize> {
    let target = top + line;
    let mut start = 0u16;
    for (i, &h) in heights.iter().enumerate() {
        if target >= start && target < start + h {
            return Some(i);
        }
        start += h;
    }
    None
}

#[cfg(test)]
mod scroll_tests {
    use super::*;

    #[test]
    fn the_list_scrolls_only_when_the_selection_leaves_the_window() {
        // Rows of 2, 2, 6, 2 lines shown in 5 lines.
        let h = [2, 2, 6, 2];
        assert_eq!(scroll_top(&h, Some(0), 5, 0), 0);
        assert_eq!(scroll_top(&h, Some(1), 5, 0), 0, "row 1 is in sight");
        // A row taller than the window shows from its top; the rest is cut, not left out.
        assert_eq!(scroll_top(&h, Some(2), 5, 0), 4);
        assert_eq!(
            scroll_top(&h, Some(3), 5, 4),
            7,
            "its end brought into sight"
        );
        // Going back up scrolls no further than needed, and the kept offset holds.
        assert_eq!(scroll_top(&h, Some(2), 5, 7), 4);
        assert_eq!(scroll_top(&h, Some(3), 5, 7), 7);
        assert_eq!(scroll_top(&h, Some(0), 5, 7), 0);
        // A shorter list than last time never leaves the window half empty.
        assert_eq!(scroll_top(&[1, 1], None, 5, 9), 0);
        assert_eq!(scroll_top(&[], Some(0), 5, 3), 0);
    }

    #[test]
    fn hidden_rows_and_clicks_follow_the_drawn_window() {
        let h = [2, 2, 6, 2];
        assert_eq!(hidden_counts(&h, 0, 5), (0, 2));
        assert_eq!(
            hidden_counts(&h, 4, 5),
            (2, 2),
            "row 2 is cut at the bottom"
        );
        assert_eq!(hidden_counts(&h, 7, 5), (3, 0));
        assert_eq!(row_of_line(&h, 0, 0), Some(0));
        assert_eq!(row_of_line(&h, 0, 3), Some(1));
        assert_eq!(row_of_line(&h, 4, 0), Some(2));
        assert_eq!(row_of_line(&h, 7, 4), Some(3));
        assert_eq!(row_of_line(&h, 7, 5), None);
    }
}
