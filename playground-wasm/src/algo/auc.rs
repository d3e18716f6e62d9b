//! ROC curve and its area: sort by score, sweep the threshold down through
//! each distinct score (tied scores move together, giving a diagonal
//! segment), add up trapezoids; then the rank-sum (Mann–Whitney U) formula,
//! which gives the same number.

use crate::json::Num;
use crate::trace::{check, InputError, Recorder, Value};

/// Most scored examples.
pub const MAX_ITEMS: usize = 500;

#[derive(Clone, Debug, PartialEq)]
pub struct AucInput {
    pub scores: Vec<f64>,
    /// 1 for a positive example, 0 for a negative one.
    pub labels: Vec<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AucResult {
    /// ROC points from (0, 0) to (1, 1), one per distinct score after the first.
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
    /// Threshold of each point (`score ≥ threshold` is predicted positive);
    /// +∞ for the first point.
    pub thresholds: Vec<f64>,
    pub auc: f64,
    /// Average ranks (1-based, ascending score; ties share their mean rank).
    pub ranks: Vec<f64>,
    pub auc_rank_sum: f64,
}

impl AucInput {
    pub fn validate(&self) -> Result<(), InputError> {
        check::range("scores", self.scores.len(), 1, MAX_ITEMS)?;
        check::numbers("scores", &self.scores)?;
        if self.labels.len() != self.scores.len() {
            return Err(InputError::new(
                "labels",
                format!(
                    "labels 应与 scores 一样长（{} 个），实际有 {} 个",
                    self.scores.len(),
                    self.labels.len()
                ),
                format!(
                    "labels must be as long as scores ({}), got {}",
                    self.scores.len(),
                    self.labels.len()
                ),
            ));
        }
        if self.labels.iter().all(|&l| l) || self.labels.iter().all(|&l| !l) {
            return Err(InputError::new(
                "labels",
                "AUC 需要至少一个正例和一个负例（全是同一类时 ROC 曲线没有定义）",
                "AUC needs at least one positive and one negative example (with a single class the ROC curve is undefined)",
            ));
        }
        Ok(())
    }
}

// ▼ playground source
pub fn auc<R: Recorder>(inp: &AucInput, rec: &mut R) -> AucResult {
    let (s, n) = (&inp.scores, inp.scores.len());
    let pos = inp.labels.iter().filter(|&&l| l).count();
    let neg = n - pos;
    let order = super::order_by_score_desc(s); // highest score first, ties by index
    step!(
        rec,
        true,
        "sort",
        format!("按分数从高到低排序；正例 P = {pos}，负例 N = {neg}"),
        format!("Sort by score, highest first; P = {pos} positives, N = {neg} negatives"),
        [Value::vector(
            "order",
            &order.iter().map(|&i| i as f64).collect::<Vec<_>>()
        )]
    );

    // Lower the threshold one distinct score at a time; tied scores cross it together.
    let (mut fpr, mut tpr, mut thresholds) = (vec![0.0], vec![0.0], vec![f64::INFINITY]);
    let (mut tp, mut fp, mut area) = (0usize, 0usize, 0.0);
    let mut k = 0;
    while k < n {
        let (threshold, start) = (s[order[k]], k);
        while k < n && s[order[k]] == threshold {
            if inp.labels[order[k]] {
                tp += 1
            } else {
                fp += 1
            }
            k += 1;
        }
        let (x, y) = (fp as f64 / neg as f64, tp as f64 / pos as f64);
        let (x0, y0) = (fpr[fpr.len() - 1], tpr[tpr.len() - 1]);
        area += (x - x0) * (y + y0) / 2.0; // trapezoid under the new segment
        fpr.push(x);
        tpr.push(y);
        thresholds.push(threshold);
        step!(rec, false, "sweep",
            format!("阈值 {t}：TP = {tp}，FP = {fp}，ROC 点 ({x4}, {y4})；{}", if k - start > 1 { "并列的分数一起越过阈值，线段是斜的" } else { "加上这段梯形面积" }, x4 = crate::trace::about(x), y4 = crate::trace::about(y), t = Num(threshold)),
            format!("Threshold {t}: TP = {tp}, FP = {fp}, ROC point ({x4}, {y4}); {}", if k - start > 1 { "tied scores cross together, so the segment is diagonal" } else { "add this segment's trapezoid" }, x4 = crate::trace::about(x), y4 = crate::trace::about(y), t = Num(threshold)),
            [Value::scalar("threshold", threshold), Value::scalar("TPR", y), Value::scalar("FPR", x),
             Value::scalar("trapezoid", (x - x0) * (y + y0) / 2.0), Value::scalar("area so far", area)],
            {"rows" => order[start..k].iter().map(|&i| vec![i as i64]).collect(), "point" => vec![vec![fpr.len() as i64 - 1]]});
    }
    step!(
        rec,
        true,
        "area",
        "梯形法得到 ROC 曲线下面积 AUC",
        "The trapezoids add up to the area under the ROC curve",
        [
            Value::vector("FPR", &fpr),
            Value::vector("TPR", &tpr),
            Value::scalar("AUC", area)
        ]
    );

    // Rank-sum form: AUC = (sum of positive ranks − P(P+1)/2) / (P·N), ties get mean ranks.
    let mut ranks = vec![0.0; n];
    let mut k = 0;
    while k < n {
        let mut end = k;
        while end < n && s[order[end]] == s[order[k]] {
            end += 1;
        }
        // Ascending rank of position k in `order` is n − k; the tie group's mean rank:
        let mean_rank = ((n - end + 1) + (n - k)) as f64 / 2.0;
        for &i in &order[k..end] {
            ranks[i] = mean_rank;
        }
        k = end;
    }
    let rank_sum: f64 = (0..n).filter(|&i| inp.labels[i]).map(|i| ranks[i]).sum();
    let auc_rank_sum = (rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos * neg) as f64;
    step!(rec, true, "rank", "秩和公式（Mann–Whitney U）：AUC = (正例秩和 − P(P+1)/2) / (P·N)，与梯形法相同",
        "Rank-sum formula (Mann–Whitney U): AUC = (sum of positive ranks − P(P+1)/2) / (P·N), the same as the trapezoids",
        [Value::vector("ranks", &ranks), Value::scalar("positive rank sum", rank_sum), Value::scalar("AUC (rank sum)", auc_rank_sum),
         Value::scalar("AUC (trapezoids)", area)]);

    AucResult {
        fpr,
        tpr,
        thresholds,
        auc: area,
        ranks,
        auc_rank_sum,
    }
}
// ▲ playground source

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    fn run(scores: &[f64], labels: &[u8]) -> AucResult {
        let inp = AucInput {
            scores: scores.to_vec(),
            labels: labels.iter().map(|&l| l == 1).collect(),
        };
        inp.validate().unwrap();
        auc(&inp, &mut NoTrace)
    }

    /// Probability that a random positive outscores a random negative (ties ½).
    fn pairwise(scores: &[f64], labels: &[u8]) -> f64 {
        let (mut wins, mut pairs) = (0.0, 0.0);
        for (i, &si) in scores.iter().enumerate() {
            for (j, &sj) in scores.iter().enumerate() {
                if labels[i] == 1 && labels[j] == 0 {
                    pairs += 1.0;
                    wins += if si > sj {
                        1.0
                    } else if si == sj {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        wins / pairs
    }

    #[test]
    fn small_set_with_ties_by_hand() {
        // Pairs (pos, neg): 0.8>0.4, 0.8>0.3, 0.4=0.4 (½), 0.4>0.3, 0.35<0.4, 0.35>0.3 → 4.5/6.
        let (scores, labels) = ([0.8, 0.4, 0.4, 0.35, 0.3], [1, 1, 0, 1, 0]);
        let r = run(&scores, &labels);
        assert!((r.auc - 0.75).abs() < 1e-15 && (r.auc_rank_sum - 0.75).abs() < 1e-15);
        assert_eq!(r.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(r.tpr, vec![0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0, 1.0]);
        assert_eq!(r.ranks, vec![5.0, 3.5, 3.5, 2.0, 1.0]);
    }

    #[test]
    fn trapezoids_rank_sum_and_pairs_agree() {
        let mut seed = 7u64;
        for trial in 0..50 {
            let n = 2 + trial % 40;
            let mut scores = Vec::new();
            let mut labels = Vec::new();
            for i in 0..n {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                scores.push(((seed >> 33) % 7) as f64 / 7.0); // many ties
                labels.push(u8::from((seed >> 20).is_multiple_of(3) || i == 0) * u8::from(i != 1));
            }
            let r = run(&scores, &labels);
            let p = pairwise(&scores, &labels);
            assert!(
                (r.auc - p).abs() < 1e-12 && (r.auc_rank_sum - p).abs() < 1e-12,
                "{scores:?} {labels:?}"
            );
        }
    }

    #[test]
    fn traced_equals_untraced_and_validation() {
        let inp = AucInput {
            scores: vec![0.1, 0.9, 0.5],
            labels: vec![false, true, true],
        };
        let mut t = Trace::default();
        let r = auc(&inp, &mut t);
        assert_eq!(r, auc(&inp, &mut NoTrace));
        assert_eq!(r.auc, 1.0);
        assert_eq!(t.steps.last().unwrap().values[2].data, vec![r.auc_rank_sum]);
        let all_pos = AucInput {
            scores: vec![0.1, 0.2],
            labels: vec![true, true],
        };
        assert_eq!(all_pos.validate().unwrap_err().field, "labels");
        let empty = AucInput {
            scores: vec![],
            labels: vec![],
        };
        assert_eq!(empty.validate().unwrap_err().field, "scores");
    }
}
