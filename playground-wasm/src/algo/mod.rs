//! The algorithms. Each module holds one algorithm as a plain function on
//! small dense row-major arrays, generic over a [`crate::Recorder`], plus its
//! input type with `validate()` (every cap and shape rule, so the function
//! itself never meets an input it cannot handle).
//!
//! The text between the `▼ playground source` and `▲ playground source`
//! marker lines of each file is what the widget shows; every recorded step's
//! line lies inside it (checked by the tests in `api`).

// Index loops mirror the formulas (z1[j] = Σᵢ W1[j, i]·x[i]) and the NumPy
// version line for line; iterator chains would hide the indices readers track.
#![allow(clippy::needless_range_loop)]
// Gradient checks pair a field accessor with its gradient.
#![cfg_attr(test, allow(clippy::type_complexity))]

pub mod attention;
pub mod auc;
pub mod backprop;
pub mod batchnorm;
pub mod conv2d;
pub mod iou;
pub mod nms;
pub mod softmax;

/// Indices of `scores` (finite) from the highest score down, ties in index
/// order. Shared by NMS and ROC-AUC; an insertion sort because the inputs are
/// small (≤ 500) and the standard sort would add ~5 KB to the bundle.
pub fn order_by_score_desc(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::with_capacity(scores.len());
    for i in 0..scores.len() {
        let mut at = order.len();
        while at > 0 && scores[order[at - 1]] < scores[i] {
            at -= 1;
        }
        order.insert(at, i);
    }
    order
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_is_by_score_descending_then_index() {
        let scores = [0.5, 0.9, 0.5, -1.0, 0.9, 2.0];
        assert_eq!(super::order_by_score_desc(&scores), vec![5, 1, 4, 0, 2, 3]);
        assert!(super::order_by_score_desc(&[]).is_empty());
    }
}
