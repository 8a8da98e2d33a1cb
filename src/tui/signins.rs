//! The sign-in table: what is failing across a sign-in log export, one row per group, in every
//! grouping (`Tab`/`g` cycles them) with and without the expected codes (`x`). The counting is
//! [`crate::signins`]; this is only the state of the screen that shows it.

use crate::signins::{CodeInfo, GroupBy, Options, Row, Summary, Tally};
use crate::tui::app::Data;

/// How many rows PgUp/PgDn move.
pub const PAGE: usize = 10;

/// The table screen: the views of one reading and where the user is in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigninsState {
    /// The files read, as the title names them.
    pub source: String,
    /// Every view, from [`Tally::finish_views`]: the one shown first at index 0.
    pub views: Vec<Summary>,
    /// The view on screen.
    pub view: usize,
    /// The selected row of each view, so coming back to a grouping finds it as it was left.
    pub selected: Vec<usize>,
    /// The first row as last drawn, and of which view (kept by the view; see `view::scroll`).
    pub top: std::cell::Cell<(usize, u16)>,
}

impl SigninsState {
    /// The table of a finished reading, on the grouping it was counted for.
    pub fn new(data: &Data, source: String, tally: Tally) -> SigninsState {
        let views = tally.finish_views(|code| CodeInfo::of(&data.catalog, &data.library, code));
        SigninsState {
            source,
            selected: vec![0; views.len()],
            views,
            view: 0,
            top: std::cell::Cell::new((0, 0)),
        }
    }

    /// The first row as last drawn for the view on screen (0 for another view).
    pub fn top_now(&self) -> u16 {
        match self.top.get() {
            (view, top) if view == self.view => top,
            _ => 0,
        }
    }

    pub fn summary(&self) -> Option<&Summary> {
        self.views.get(self.view)
    }

    pub fn rows(&self) -> &[Row] {
        self.summary().map_or(&[], |s| &s.rows)
    }

    pub fn selected(&self) -> usize {
        self.selected.get(self.view).copied().unwrap_or(0)
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows().get(self.selected())
    }

    pub fn by(&self) -> GroupBy {
        self.summary().map_or(GroupBy::Code, |s| s.by)
    }

    /// Whether the expected codes (interrupts, polling) are counted in the view on screen.
    pub fn shows_expected(&self) -> bool {
        self.summary().is_some_and(|s| s.include_expected)
    }

    /// Select row `i`, kept within the rows.
    pub fn select(&mut self, i: usize) {
        let last = self.rows().len().saturating_sub(1);
        if let Some(s) = self.selected.get_mut(self.view) {
            *s = i.min(last);
        }
    }

    /// Move the selection by `delta` rows (negative: up), stopping at either end.
    pub fn step(&mut self, delta: isize) {
        let now = self.selected();
        self.select(now.saturating_add_signed(delta));
    }

    fn find(&self, by: GroupBy, include_expected: bool) -> Option<usize> {
        self.views
            .iter()
            .position(|v| v.by == by && v.include_expected == include_expected)
    }

    /// The next grouping (or the previous one), keeping the expected-codes rule.
    pub fn cycle(&mut self, forward: bool) {
        let all = GroupBy::ALL;
        let at = all.iter().position(|b| *b == self.by()).unwrap_or(0);
        let inc = self.shows_expected();
        for step in 1..all.len() {
            let i = if forward {
                (at + step) % all.len()
            } else {
                (at + all.len() - step) % all.len()
            };
            if let Some(v) = self.find(all[i], inc) {
                self.view = v;
                return;
            }
        }
    }

    /// Show or hide the expected codes, staying on the same group when it is still there.
    /// `false` when the reading has no such view (it was counted for one view only).
    pub fn toggle_expected(&mut self) -> bool {
        let key = self.selected_row().map(|r| r.key.clone());
        let Some(v) = self.find(self.by(), !self.shows_expected()) else {
            return false;
        };
        self.view = v;
        if let Some(i) = key.and_then(|k| self.rows().iter().position(|r| r.key == k)) {
            self.select(i);
        } else {
            let now = self.selected();
            self.select(now);
        }
        true
    }
}

/// What the table counts when an export is opened from the search screen: every view, the
/// latest event of each group, by code first, without the expected codes first.
pub fn options(data: &Data) -> Options {
    Options {
        by: GroupBy::Code,
        since: None,
        until: None,
        include_expected: false,
        expected: data
            .catalog
            .entries()
            .iter()
            .filter(|e| e.expected)
            .map(|e| e.code)
            .collect(),
        table: true,
    }
}

/// "GROUP" for the column header and title.
pub fn group_label(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Code => "code",
        GroupBy::App => "app",
        GroupBy::User => "user",
        GroupBy::Ip => "IP",
        GroupBy::Resource => "resource",
        GroupBy::Policy => "failed CA policy",
    }
}
