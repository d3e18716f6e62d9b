//! The playground shortcode: ```` ```playground conv2d stride=2 ```` renders the
//! step-through widget in place, with a short description that stays readable
//! without JavaScript.

use super::{escape_html, Pass};
use crate::lang::Lang;

/// The algorithms of `playground-wasm`, with a one-line description in each language.
pub const ALGORITHMS: [(&str, &str, &str, &str, &str); 7] = [
    ("backprop", "反向传播", "Backpropagation", "一个小型多层感知机的前向、反向传播和一次 SGD 更新，逐步显示每个 δ 和梯度。", "Forward pass, backward pass and one SGD step of a small MLP, showing every δ and gradient."),
    ("softmax", "Softmax 与交叉熵", "Softmax and cross-entropy", "数值稳定的 softmax、log-softmax、交叉熵及其梯度 p − y，并演示朴素写法为何溢出。", "Stable softmax, log-softmax, cross-entropy and its gradient p − y, and why the naive form overflows."),
    ("conv2d", "二维卷积", "2-D convolution", "多通道二维卷积的前向（逐个窗口）与反向传播，支持步长、填充和空洞。", "Multi-channel 2-D convolution forward (window by window) and backward, with stride, padding and dilation."),
    ("iou", "IoU 系列", "IoU and friends", "两个框的 IoU、GIoU、DIoU、CIoU，包括不相交的情况。", "IoU, GIoU, DIoU and CIoU of two boxes, including boxes that do not overlap."),
    ("nms", "非极大值抑制", "Non-maximum suppression", "按分数贪心地保留框并抑制与之重叠超过阈值的框。", "Greedy NMS: keep the best box, suppress the boxes that overlap it beyond the threshold."),
    ("auc", "ROC 曲线与 AUC", "ROC curve and AUC", "按分数排序、扫过阈值画出 ROC 曲线，用梯形法和秩和公式计算 AUC（含并列分数）。", "Sort by score, sweep thresholds to draw the ROC curve, and compute AUC by trapezoids and by rank sums (with ties)."),
    ("batchnorm", "批归一化", "Batch normalization", "批归一化的训练/推理前向传播与反向传播（紧凑公式）。", "Batch-norm forward in training and inference mode, and its backward pass in the compact form."),
];

pub fn describe(algo: &str, lang: Lang) -> Option<(&'static str, &'static str)> {
    ALGORITHMS.iter().find(|a| a.0 == algo).map(|a| match lang {
        Lang::Zh => (a.1, a.3),
        Lang::En => (a.2, a.4),
    })
}

/// `args` is what follows `playground` in the fence: `conv2d stride=2 padding=1`.
pub fn render(args: &str, offset: usize, cx: &mut Pass<'_>) -> String {
    let mut words = args.split_whitespace();
    let algo = words.next().unwrap_or("");
    let Some((title, summary)) = describe(algo, cx.lang) else {
        let known: Vec<&str> = ALGORITHMS.iter().map(|a| a.0).collect();
        cx.error(
            offset,
            "playground",
            format!("unknown playground `{algo}`; known: {}", known.join(", ")),
        );
        return format!(
            "<pre class=\"code\"><code>playground {}</code></pre>",
            escape_html(args)
        );
    };
    let mut attrs = String::new();
    for word in words {
        match word.split_once('=') {
            Some((key, value))
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                attrs.push_str(&format!(
                    " {}=\"{}\"",
                    key,
                    escape_html(value.trim_matches('"'))
                ));
            }
            _ => cx.warning(
                offset,
                "playground",
                format!("ignored playground option `{word}` (expected key=value)"),
            ),
        }
    }
    cx.stats.playgrounds += 1;
    let lang = super::LANG_CODE;
    let (t_try, t_fallback, t_open) = if cx.lang == Lang::Zh {
        (
            "动手试一试",
            "交互演示需要 JavaScript；点击打开演示页。",
            "全屏打开",
        )
    } else {
        (
            "Try it yourself",
            "The interactive demo needs JavaScript; open its page.",
            "Open full page",
        )
    };
    // The standalone page in the reader's language, through the placeholders
    // (one rendering serves both languages).
    let page = format!("{}{}play/{algo}/", super::ROOT, super::LANG_PREFIX);
    let preview = format!("{}play/{algo}/preview.svg", super::ROOT);
    // The element's light children are the fallback: shown by browsers
    // without JavaScript, hidden by the widget's shadow root.
    format!(
        "<figure class=\"playground\" data-algo=\"{algo}\">\
<dlq-playground algo=\"{algo}\" lang=\"{lang}\"{attrs}>\
<a class=\"playground-fallback\" href=\"{page}\"><img src=\"{preview}\" alt=\"{title}\" width=\"640\" height=\"360\" loading=\"lazy\">\
<span>{t_fallback}</span></a></dlq-playground>\
<figcaption class=\"playground-caption\"><strong>{t_try}: {title}</strong> {summary} \
<a class=\"playground-open\" href=\"{page}\">{t_open} ↗</a></figcaption></figure>\n"
    )
}

#[cfg(test)]
mod tests {
    use crate::markdown::tests::render_page;

    #[test]
    fn the_widget_has_a_fallback_link_to_its_page_in_the_readers_language() {
        let r = render_page("```playground iou\n```\n");
        assert!(
            r.html.contains(
                "<a class=\"playground-fallback\" href=\"../play/iou/\"><img src=\"../play/iou/preview.svg\""
            ),
            "{}",
            r.html
        );
        assert!(r
            .html
            .contains("<a class=\"playground-open\" href=\"../play/iou/\">"));
    }
}
