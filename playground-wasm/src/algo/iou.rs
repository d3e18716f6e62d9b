//! Intersection over union of two axis-aligned boxes, given as corners
//! `(x1, y1, x2, y2)` or as centre and size `(cx, cy, w, h)`, with the
//! non-overlapping case, and its refinements GIoU, DIoU and CIoU.

use crate::trace::{check, InputError, Recorder, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoxFormat {
    /// `(x1, y1, x2, y2)`: top-left and bottom-right corners.
    Xyxy,
    /// `(cx, cy, w, h)`: centre, width and height.
    Cxcywh,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IouInput {
    pub a: [f64; 4],
    pub b: [f64; 4],
    pub format: BoxFormat,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IouResult {
    pub a: [f64; 4],
    pub b: [f64; 4],
    pub intersection: f64,
    pub union: f64,
    pub iou: f64,
    pub giou: f64,
    pub diou: f64,
    pub ciou: f64,
}

/// Checks one box (its own format) and returns it as corners.
pub fn validate_box(field: &str, v: &[f64; 4], format: BoxFormat) -> Result<[f64; 4], InputError> {
    check::numbers(field, v)?;
    let corners = to_xyxy(*v, format);
    if corners[2] <= corners[0] || corners[3] <= corners[1] {
        return Err(InputError::new(
            field,
            format!("{field} 不是有效的框：需要 x2 > x1 且 y2 > y1（宽和高为正）"),
            format!("{field} is not a valid box: it needs x2 > x1 and y2 > y1 (positive width and height)"),
        ));
    }
    Ok(corners)
}

impl IouInput {
    pub fn validate(&self) -> Result<(), InputError> {
        validate_box("a", &self.a, self.format)?;
        validate_box("b", &self.b, self.format)?;
        Ok(())
    }
}

pub fn to_xyxy(v: [f64; 4], format: BoxFormat) -> [f64; 4] {
    match format {
        BoxFormat::Xyxy => v,
        BoxFormat::Cxcywh => [
            v[0] - v[2] / 2.0,
            v[1] - v[3] / 2.0,
            v[0] + v[2] / 2.0,
            v[1] + v[3] / 2.0,
        ],
    }
}

/// Plain IoU of two corner boxes (what NMS calls).
pub fn iou_xyxy(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
}

// ▼ playground source
pub fn iou<R: Recorder>(inp: &IouInput, rec: &mut R) -> IouResult {
    // Centre and size → corners: x1 = cx − w/2, x2 = cx + w/2 (same for y).
    let (a, b) = (to_xyxy(inp.a, inp.format), to_xyxy(inp.b, inp.format));
    step!(rec, true, "corners", "两个框都写成角点形式 (x1, y1, x2, y2)", "Both boxes as corners (x1, y1, x2, y2)",
        [Value::vector("a", &a), Value::vector("b", &b)], {"boxes" => vec![vec![0], vec![1]]});

    // Intersection: the larger of the left/top edges, the smaller of the right/bottom ones.
    let (ix1, iy1, ix2, iy2) = (
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].min(b[3]),
    );
    let (iw, ih) = ((ix2 - ix1).max(0.0), (iy2 - iy1).max(0.0)); // 0 when they do not overlap
    let inter = iw * ih;
    step!(rec, true, "inter",
        if iw * ih > 0.0 { "交集：左上取较大者，右下取较小者" } else { "交集：两框不重叠，宽或高截断为 0，交集为 0" },
        if iw * ih > 0.0 { "Intersection: max of the top-left corners, min of the bottom-right ones" } else { "Intersection: the boxes do not overlap, so a width or height clamps to 0" },
        [Value::vector("intersection box", &[ix1, iy1, ix2, iy2]), Value::scalar("w", iw), Value::scalar("h", ih), Value::scalar("intersection", inter)],
        {"intersection" => if inter > 0.0 { vec![vec![0]] } else { vec![] }});
    let area_a = (a[2] - a[0]) * (a[3] - a[1]);
    let area_b = (b[2] - b[0]) * (b[3] - b[1]);
    let union = area_a + area_b - inter;
    let iou = inter / union;
    step!(
        rec,
        true,
        "iou",
        "并集 = 面积 A + 面积 B − 交集；IoU = 交集 / 并集",
        "Union = area A + area B − intersection; IoU = intersection / union",
        [
            Value::scalar("area A", area_a),
            Value::scalar("area B", area_b),
            Value::scalar("union", union),
            Value::scalar("IoU", iou)
        ]
    );

    // GIoU: subtract the part of the smallest enclosing box C that the union leaves empty.
    let (cx1, cy1, cx2, cy2) = (
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    );
    let c_area = (cx2 - cx1) * (cy2 - cy1);
    let giou = iou - (c_area - union) / c_area;
    step!(rec, true, "giou", "GIoU = IoU − (C − 并集)/C，C 是同时包住两框的最小框", "GIoU = IoU − (C − union)/C, with C the smallest box enclosing both",
        [Value::vector("C", &[cx1, cy1, cx2, cy2]), Value::scalar("area C", c_area), Value::scalar("GIoU", giou)],
        {"enclosing" => vec![vec![0]]});

    // DIoU: subtract the squared centre distance over the squared diagonal of C.
    let rho2 = ((a[0] + a[2]) / 2.0 - (b[0] + b[2]) / 2.0).powi(2)
        + ((a[1] + a[3]) / 2.0 - (b[1] + b[3]) / 2.0).powi(2);
    let diag2 = (cx2 - cx1).powi(2) + (cy2 - cy1).powi(2);
    let diou = iou - rho2 / diag2;
    step!(rec, true, "diou", "DIoU = IoU − ρ²/c²：ρ 是两框中心距离，c 是 C 的对角线长", "DIoU = IoU − ρ²/c²: ρ is the distance between the centres, c the diagonal of C",
        [Value::scalar("ρ²", rho2), Value::scalar("c²", diag2), Value::scalar("DIoU", diou)], {"centres" => vec![vec![0], vec![1]]});

    // CIoU: also penalise different aspect ratios, weighted by α.
    let pi2 = std::f64::consts::PI * std::f64::consts::PI;
    let (ratio_a, ratio_b) = ((a[2] - a[0]) / (a[3] - a[1]), (b[2] - b[0]) / (b[3] - b[1]));
    let v = 4.0 / pi2 * (ratio_b.atan() - ratio_a.atan()).powi(2);
    let alpha = if v == 0.0 { 0.0 } else { v / (1.0 - iou + v) };
    let ciou = diou - alpha * v;
    step!(
        rec,
        true,
        "ciou",
        "CIoU = DIoU − αv：v 度量宽高比的差异，α = v/(1 − IoU + v)",
        "CIoU = DIoU − αv: v measures the difference in aspect ratio, α = v/(1 − IoU + v)",
        [
            Value::scalar("v", v),
            Value::scalar("α", alpha),
            Value::scalar("IoU", iou),
            Value::scalar("GIoU", giou),
            Value::scalar("DIoU", diou),
            Value::scalar("CIoU", ciou)
        ]
    );

    IouResult {
        a,
        b,
        intersection: inter,
        union,
        iou,
        giou,
        diou,
        ciou,
    }
}
// ▲ playground source

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NoTrace, Trace};

    fn run(a: [f64; 4], b: [f64; 4], format: BoxFormat) -> IouResult {
        let inp = IouInput { a, b, format };
        inp.validate().unwrap();
        iou(&inp, &mut NoTrace)
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-15
    }

    #[test]
    fn overlapping_squares_by_hand() {
        let r = run([0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0], BoxFormat::Xyxy);
        assert_eq!((r.intersection, r.union), (1.0, 7.0));
        assert!(close(r.iou, 1.0 / 7.0));
        assert!(close(r.giou, 1.0 / 7.0 - 2.0 / 9.0));
        assert!(close(r.diou, 1.0 / 7.0 - 2.0 / 18.0));
        assert!(close(r.ciou, r.diou), "same aspect ratio: v = 0");
        assert!(close(iou_xyxy(&r.a, &r.b), r.iou));
    }

    #[test]
    fn disjoint_boxes_have_zero_iou_and_negative_giou() {
        let r = run([0.0, 0.0, 1.0, 1.0], [2.0, 0.0, 3.0, 1.0], BoxFormat::Xyxy);
        assert_eq!((r.intersection, r.iou), (0.0, 0.0));
        assert!(close(r.giou, -1.0 / 3.0));
        assert!(close(r.diou, -4.0 / 10.0));
    }

    #[test]
    fn centre_size_form_and_ciou_aspect_penalty() {
        let r = run(
            [1.0, 1.0, 2.0, 2.0],
            [2.0, 2.0, 2.0, 2.0],
            BoxFormat::Cxcywh,
        );
        assert_eq!(r.a, [0.0, 0.0, 2.0, 2.0]);
        assert!(close(r.iou, 1.0 / 7.0));
        // 2×1 and 1×2 boxes sharing a corner: IoU 1/3, v = 4/π²·(atan 2 − atan ½)².
        let r = run([0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 2.0], BoxFormat::Xyxy);
        let v = 4.0 / std::f64::consts::PI.powi(2) * (2f64.atan() - 0.5f64.atan()).powi(2);
        let alpha = v / (1.0 - 1.0 / 3.0 + v);
        assert!(close(r.iou, 1.0 / 3.0));
        assert!((r.ciou - (r.diou - alpha * v)).abs() < 1e-15 && r.ciou < r.diou);
        // Identical boxes: everything is 1.
        let r = run([0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], BoxFormat::Xyxy);
        assert_eq!((r.iou, r.giou, r.diou, r.ciou), (1.0, 1.0, 1.0, 1.0));
    }

    #[test]
    fn traced_equals_untraced_and_validation() {
        let inp = IouInput {
            a: [0.0, 0.0, 4.0, 3.0],
            b: [1.0, 2.0, 5.0, 6.0],
            format: BoxFormat::Xyxy,
        };
        let mut t = Trace::default();
        let r = iou(&inp, &mut t);
        assert_eq!(r, iou(&inp, &mut NoTrace));
        assert_eq!(t.steps.last().unwrap().values[5].data, vec![r.ciou]);
        let bad = IouInput {
            a: [2.0, 0.0, 1.0, 1.0],
            ..inp.clone()
        };
        assert_eq!(bad.validate().unwrap_err().field, "a");
        let bad = IouInput {
            b: [0.0, 0.0, f64::INFINITY, 1.0],
            ..inp
        };
        assert_eq!(bad.validate().unwrap_err().field, "b");
    }
}
