//! Greedy non-maximum suppression: keep the highest-scoring box, suppress
//! every remaining box whose IoU with it exceeds the threshold, repeat.

use super::iou::{iou_xyxy, validate_box, BoxFormat};
use crate::json::Num;
use crate::trace::{check, InputError, Recorder, Value};

/// Most boxes (at most n(n−1)/2 = 1,225 comparisons).
pub const MAX_BOXES: usize = 50;

/// Boxes as corners `(x1, y1, x2, y2)`, one score each.
#[derive(Clone, Debug, PartialEq)]
pub struct NmsInput {
    pub boxes: Vec<[f64; 4]>,
    pub scores: Vec<f64>,
    pub iou_threshold: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NmsResult {
    /// Indices of the kept boxes, best score first.
    pub keep: Vec<usize>,
    /// For each suppressed box, the kept box that suppressed it.
    pub suppressed_by: Vec<Option<usize>>,
}

impl NmsInput {
    pub fn validate(&self) -> Result<(), InputError> {
        check::range("boxes", self.boxes.len(), 1, MAX_BOXES)?;
        for (i, b) in self.boxes.iter().enumerate() {
            validate_box(&format!("boxes[{i}]"), b, BoxFormat::Xyxy)?;
        }
        check::len(
            "scores",
            &self.scores,
            self.boxes.len(),
            &format!("[{}]", self.boxes.len()),
        )?;
        check::numbers("scores", &self.scores)?;
        check::scalar("iou_threshold", self.iou_threshold, 0.0, 1.0)
    }
}

// ▼ playground source
pub fn nms<R: Recorder>(inp: &NmsInput, rec: &mut R) -> NmsResult {
    let n = inp.boxes.len();
    // Visit boxes from the highest score down (ties: lower index first).
    let order = super::order_by_score_desc(&inp.scores);
    step!(
        rec,
        true,
        "sort",
        "按分数从高到低排序",
        "Sort the boxes by score, highest first",
        [
            Value::vector("scores", &inp.scores),
            Value::vector(
                "order",
                &order.iter().map(|&i| i as f64).collect::<Vec<_>>()
            )
        ]
    );

    let mut keep = Vec::new();
    let mut suppressed_by: Vec<Option<usize>> = vec![None; n];
    for (rank, &i) in order.iter().enumerate() {
        if suppressed_by[i].is_some() {
            continue;
        }
        keep.push(i);
        step!(rec, true, "keep", format!("框 {i}（分数 {}）没有被抑制：保留", Num(inp.scores[i])),
            format!("Box {i} (score {}) was not suppressed: keep it", Num(inp.scores[i])),
            [Value::vector("box", &inp.boxes[i])], {"kept" => crate::trace::one(i)});
        // Suppress every lower-scored box that overlaps box i too much.
        for &j in &order[rank + 1..] {
            if suppressed_by[j].is_some() {
                continue;
            }
            let overlap = iou_xyxy(&inp.boxes[i], &inp.boxes[j]);
            if overlap > inp.iou_threshold {
                suppressed_by[j] = Some(i);
            }
            step!(rec, false, "compare",
                format!("IoU(框 {i}, 框 {j}) {ov} {} 阈值 {}：{}", if overlap > inp.iou_threshold { ">" } else { "≤" }, Num(inp.iou_threshold), if overlap > inp.iou_threshold { "抑制框 ".to_string() + &j.to_string() } else { "保留候选".into() }, ov = crate::trace::equals(overlap, inp.iou_threshold)),
                format!("IoU(box {i}, box {j}) {ov} {} threshold {}: {}", if overlap > inp.iou_threshold { ">" } else { "≤" }, Num(inp.iou_threshold), if overlap > inp.iou_threshold { format!("suppress box {j}") } else { "it stays a candidate".into() }, ov = crate::trace::equals(overlap, inp.iou_threshold)),
                [Value::scalar("IoU", overlap), Value::scalar("threshold", inp.iou_threshold)],
                {"kept" => crate::trace::one(i), "candidate" => crate::trace::one(j)});
        }
    }
    step!(rec, true, "done", "完成：保留的框（按分数从高到低）", "Done: the kept boxes, best first",
        [Value::vector("keep", &keep.iter().map(|&i| i as f64).collect::<Vec<_>>())],
        {"kept" => keep.iter().map(|&i| vec![i as i64]).collect()});

    NmsResult {
        keep,
        suppressed_by,
    }
}
// ▲ playground source

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    fn input(threshold: f64) -> NmsInput {
        NmsInput {
            boxes: vec![
                [0.0, 0.0, 10.0, 10.0],
                [1.0, 1.0, 11.0, 11.0],
                [20.0, 20.0, 30.0, 30.0],
                [0.0, 0.0, 10.0, 9.0],
                [21.0, 21.0, 29.0, 29.0],
            ],
            scores: vec![0.9, 0.8, 0.7, 0.95, 0.6],
            iou_threshold: threshold,
        }
    }

    #[test]
    fn greedy_by_hand() {
        // IoU(3, 0) = 0.9, IoU(3, 1) = 72/(90+100−72) ≈ 0.61, IoU(2, 4) = 0.64.
        let inp = input(0.5);
        inp.validate().unwrap();
        let r = nms(&inp, &mut NoTrace);
        assert_eq!(r.keep, vec![3, 2]);
        assert_eq!(r.suppressed_by, vec![Some(3), Some(3), None, None, Some(2)]);
        // A higher threshold keeps box 1 (0.61 ≤ 0.7) and box 4 (0.64 ≤ 0.7).
        assert_eq!(nms(&input(0.7), &mut NoTrace).keep, vec![3, 1, 2, 4]);
        // Threshold 1 suppresses nothing; threshold 0 suppresses every overlap.
        assert_eq!(nms(&input(1.0), &mut NoTrace).keep, vec![3, 0, 1, 2, 4]);
        assert_eq!(nms(&input(0.0), &mut NoTrace).keep, vec![3, 2]);
    }

    #[test]
    fn equal_scores_keep_the_lower_index() {
        let inp = NmsInput {
            boxes: vec![[0.0, 0.0, 1.0, 1.0]; 3],
            scores: vec![0.5; 3],
            iou_threshold: 0.5,
        };
        assert_eq!(nms(&inp, &mut NoTrace).keep, vec![0]);
    }

    #[test]
    fn traced_equals_untraced_and_validation() {
        let inp = input(0.5);
        let mut t = Trace::default();
        assert_eq!(nms(&inp, &mut t), nms(&inp, &mut NoTrace));
        assert_eq!(t.steps.last().unwrap().values[0].data, vec![3.0, 2.0]);
        let empty = NmsInput {
            boxes: vec![],
            scores: vec![],
            iou_threshold: 0.5,
        };
        assert_eq!(empty.validate().unwrap_err().field, "boxes");
        let mut bad = input(0.5);
        bad.boxes[2] = [5.0, 5.0, 4.0, 6.0];
        assert_eq!(bad.validate().unwrap_err().field, "boxes[2]");
        let mut bad = input(0.5);
        bad.scores.pop();
        assert_eq!(bad.validate().unwrap_err().field, "scores");
        assert_eq!(input(1.5).validate().unwrap_err().field, "iou_threshold");
    }

    /// Issue #16, defect 6: the sentence rounded IoU = 0.5000375 to "0.5 >
    /// threshold 0.5". By hand: box 1 lies inside box 0, so IoU is the ratio
    /// of their areas, 0.5000375 / 1.
    #[test]
    fn the_comparison_sentence_never_rounds_onto_the_threshold() {
        let inp = NmsInput {
            boxes: vec![[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.5000375]],
            scores: vec![0.9, 0.8],
            iou_threshold: 0.5,
        };
        let mut t = Trace::default();
        nms(&inp, &mut t);
        let compare = t.steps.iter().find(|s| s.tag == "compare").unwrap();
        assert!((compare.values[0].data[0] - 0.5000375).abs() < 1e-15);
        assert_eq!(
            compare.en,
            "IoU(box 0, box 1) ≈ 0.50004 > threshold 0.5: suppress box 1"
        );
    }
}
