//! Small-cell suppression: no output of a school's counts may single out a family.
//!
//! The rule, applied to every output of demand from counts ([`crate::places::counts`]) — JSON, CSV, the
//! printable report and the map layer — and to nothing else (the census tracts are the Census
//! Bureau's own published figures):
//!
//! 1. **Primary suppression.** A ZIP × language cell counting fewer than [`MIN_CELL`] families
//!    is shown as "fewer than 10", never as its number.
//! 2. **Complementary suppression against differencing.** A published total minus the cells
//!    shown would give back the cells hidden. So for the whole table, and for the families
//!    beyond and within each threshold asked (the rows carry their distances, so anyone can
//!    split them at a threshold), the hidden cells must add up to nothing or to at least
//!    [`MIN_CELL`]: while a group's hidden cells add up to 1–9, its smallest shown cell is hidden
//!    too. Subtracting then gives a sum over several hidden cells, never one cell's count.
//! 3. **Aggregates.** Every figure that adds up several cells (totals, H3 cells, counties, the
//!    coverage table, what a suggestion would bring) is shown as "fewer than 10" when it is 1–9
//!    and otherwise rounded to a multiple of [`ROUND_TO`]; shares are computed from the figures
//!    shown. Aggregates over different areas overlap (an H3 cell and a county each gather some
//!    ZIP codes), and exact figures there would let two tables be subtracted from each other;
//!    rounded, any such difference is uncertain by several families. Population-weighted mean
//!    distances are left out for the same reason (with the ZIP points public, a mean over two
//!    ZIP codes gives the ratio of their counts).
//!
//! What this does not do: stop someone who holds the original table, or who can upload
//! tables of their own (uploads answer about the uploader's own numbers).

use serde_json::{json, Value};

/// Smallest ZIP × language count shown as a number.
pub const MIN_CELL: u64 = 10;

/// Aggregates are rounded to a multiple of this.
pub const ROUND_TO: u64 = 5;

/// How a suppressed figure reads, in JSON and CSV.
pub const FEWER: &str = "fewer than 10";

/// The suppression rule (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Smallest cell shown.
    pub min_cell: u64,
    /// Rounding base of aggregates.
    pub round_to: u64,
}

impl Default for Rule {
    fn default() -> Self {
        Self { min_cell: MIN_CELL, round_to: ROUND_TO }
    }
}

impl Rule {
    /// The rule in words, for answers and the printed report.
    pub fn describe(&self) -> String {
        format!(
            "Counts of fewer than {k} families in a ZIP code and language are shown as \"fewer than {k}\", \
             with further cells hidden so that none can be worked out by subtraction; figures that add up \
             several ZIP codes are rounded to a multiple of {r}, and 1 to {k1} as \"fewer than {k}\".",
            k = self.min_cell,
            r = self.round_to,
            k1 = self.min_cell - 1,
        )
    }

    /// The `suppression` object of an answer.
    pub fn json(&self) -> Value {
        json!({
            "min_cell": self.min_cell,
            "round_to": self.round_to,
            "shown_as": FEWER,
            "rule": self.describe(),
        })
    }

    /// An aggregate as shown: 0, "fewer than 10", or rounded to [`Self::round_to`] (half up).
    pub fn aggregate(&self, n: u64) -> Value {
        match self.rounded(n) {
            Some(v) => json!(v),
            None => json!(FEWER),
        }
    }

    /// An aggregate's shown number, `None` when it is suppressed.
    pub fn rounded(&self, n: u64) -> Option<u64> {
        if n == 0 {
            Some(0)
        } else if n < self.min_cell {
            None
        } else {
            let r = self.round_to.max(1);
            Some((n + r / 2) / r * r)
        }
    }

    /// A cell as shown: its number, or "fewer than 10" when hidden.
    pub fn cell(&self, n: u64, hidden: bool) -> Value {
        if hidden {
            json!(FEWER)
        } else {
            json!(n)
        }
    }

    /// The share `part / whole` of shown aggregates; `null` when either is suppressed.
    pub fn share(&self, part: u64, whole: u64) -> Value {
        match (self.rounded(part), self.rounded(whole)) {
            (Some(_), Some(0)) => json!(0.0),
            (Some(p), Some(w)) => json!(p as f64 / w as f64),
            _ => Value::Null,
        }
    }

    /// Rewrites an area row (`population`, `population_beyond`, `share_beyond`,
    /// `mean_distance_m` — a cell or a county) as shown, and marks it `suppressed` when a
    /// figure of it is hidden (the map hatches those).
    pub fn area_row(&self, v: &mut Value) {
        let p = v["population"].as_u64().unwrap_or(0);
        let b = v["population_beyond"].as_u64().unwrap_or(0);
        v["population"] = self.aggregate(p);
        v["population_beyond"] = self.aggregate(b);
        v["share_beyond"] = self.share(b, p);
        v["mean_distance_m"] = Value::Null;
        v["suppressed"] = json!(self.rounded(p).is_none() || self.rounded(b).is_none());
    }

    /// Rewrites a threshold row (`population_within`, `population_beyond` and their shares) of
    /// a total `total` as shown.
    pub fn threshold_row(&self, v: &mut Value, total: u64) {
        let w = v["population_within"].as_u64().unwrap_or(0);
        let b = v["population_beyond"].as_u64().unwrap_or(0);
        v["population_within"] = self.aggregate(w);
        v["population_beyond"] = self.aggregate(b);
        v["share_within"] = self.share(w, total);
        v["share_beyond"] = self.share(b, total);
    }

    /// Which cells to hide: `weights[i]` is cell `i`'s count, and `groups` are the published
    /// sums over cells (each the list of its cells). Primary suppression first, then
    /// complementary suppression until every group's hidden cells add up to 0 or at least
    /// [`Self::min_cell`]. Each round costs the total size of the groups.
    pub fn hide(&self, weights: &[u64], groups: &[Vec<usize>]) -> Vec<bool> {
        let k = self.min_cell;
        let mut hidden: Vec<bool> = weights.iter().map(|&w| w > 0 && w < k).collect();
        // Each group's members smallest first; ties by position, so the answer depends on
        // nothing else.
        let groups: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| {
                let mut g: Vec<usize> = g.iter().copied().filter(|&i| weights[i] > 0).collect();
                g.sort_by_key(|&i| (weights[i], i));
                g
            })
            .collect();
        loop {
            let mut changed = false;
            for g in &groups {
                let sum: u64 = g.iter().filter(|&&i| hidden[i]).map(|&i| weights[i]).sum();
                if sum == 0 || sum >= k {
                    continue;
                }
                if let Some(&i) = g.iter().find(|&&i| !hidden[i]) {
                    hidden[i] = true;
                    changed = true;
                }
            }
            if !changed {
                return hidden;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_round_and_small_ones_read_fewer_than_ten() {
        let r = Rule::default();
        assert_eq!(r.aggregate(0), json!(0));
        assert_eq!(r.aggregate(1), json!(FEWER));
        assert_eq!(r.aggregate(9), json!(FEWER));
        assert_eq!(r.aggregate(10), json!(10));
        assert_eq!(r.aggregate(12), json!(10));
        assert_eq!(r.aggregate(13), json!(15));
        assert_eq!(r.share(3, 100), Value::Null);
        assert_eq!(r.share(50, 100), json!(0.5));
    }

    #[test]
    fn a_lone_small_cell_takes_a_partner_so_subtraction_gives_nothing_away() {
        let r = Rule::default();
        let w = [3, 40, 12, 25];
        let all = vec![0, 1, 2, 3];
        let hidden = r.hide(&w, std::slice::from_ref(&all));
        // 3 alone would be total − shown; the smallest shown cell (12) is hidden with it.
        assert_eq!(hidden, vec![true, false, true, false]);
        // Two small cells adding up to 10 or more need no partner.
        assert_eq!(r.hide(&[4, 6, 50], &[vec![0, 1, 2]]), vec![true, true, false]);
        // A group of its own: beyond = {0, 1}; the 3 needs a partner there too.
        let beyond = vec![0, 1];
        let hidden = r.hide(&[3, 40, 12, 25], &[all.clone(), beyond.clone()]);
        assert_eq!(hidden, vec![true, true, true, false]);
        for g in [&all, &beyond] {
            let s: u64 = g.iter().filter(|&&i| hidden[i]).map(|&i| [3, 40, 12, 25][i]).sum();
            assert!(s == 0 || s >= 10);
        }
    }
}
