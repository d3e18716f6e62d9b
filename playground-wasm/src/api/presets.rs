//! Default inputs, presets and input schemas of each algorithm, as JSON text
//! (the first preset of each list is the default). Every preset is run by
//! the tests. Native only: the browser reads them from `pkg/sources/<id>.json`.

/// The presets and the input schema of the algorithm `id`.
pub fn of(id: &str) -> (&'static [Preset], &'static str) {
    match id {
        "backprop" => (BACKPROP, BACKPROP_SCHEMA),
        "softmax" => (SOFTMAX, SOFTMAX_SCHEMA),
        "conv2d" => (CONV2D, CONV2D_SCHEMA),
        "iou" => (IOU, IOU_SCHEMA),
        "nms" => (NMS, NMS_SCHEMA),
        "auc" => (AUC, AUC_SCHEMA),
        "batchnorm" => (BATCHNORM, BATCHNORM_SCHEMA),
        "attention" => (ATTENTION, ATTENTION_SCHEMA),
        _ => (&[], "[]"),
    }
}

/// A named input the widget offers.
pub struct Preset {
    pub id: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub input: &'static str,
}

macro_rules! preset {
    ($id:literal, $zh:literal, $en:literal, $input:literal) => {
        Preset {
            id: $id,
            title_zh: $zh,
            title_en: $en,
            input: $input,
        }
    };
}

pub const BACKPROP: &[Preset] = &[
    preset!(
        "relu_mse",
        "ReLU + 均方误差",
        "ReLU + MSE",
        r#"{"x":[0.5,-1.2,0.8],"y":[0,1],
"w1":{"shape":[4,3],"data":[0.1,-0.2,0.3,0.4,0.5,-0.6,-0.7,0.8,0.9,0.15,-0.25,0.35]},"b1":[0.05,-0.1,0.2,0.01],
"w2":{"shape":[2,4],"data":[0.3,-0.5,0.2,0.7,-0.4,0.6,0.1,-0.8]},"b2":[0.1,-0.2],
"activation":"relu","loss":"mse","lr":0.1}"#
    ),
    preset!(
        "sigmoid_ce",
        "Sigmoid + softmax 交叉熵",
        "Sigmoid + softmax cross-entropy",
        r#"{"x":[0.5,-1.2,0.8],"y":[0,1],
"w1":{"shape":[4,3],"data":[0.1,-0.2,0.3,0.4,0.5,-0.6,-0.7,0.8,0.9,0.15,-0.25,0.35]},"b1":[0.05,-0.1,0.2,0.01],
"w2":{"shape":[2,4],"data":[0.3,-0.5,0.2,0.7,-0.4,0.6,0.1,-0.8]},"b2":[0.1,-0.2],
"activation":"sigmoid","loss":"softmax_ce","lr":0.5}"#
    ),
    preset!(
        "tanh_3class",
        "Tanh，三分类",
        "Tanh, three classes",
        r#"{"x":[1.0,2.0],"y":[0,0,1],
"w1":{"shape":[3,2],"data":[0.5,-0.3,0.2,0.8,-0.6,0.1]},"b1":[0,0.1,-0.1],
"w2":{"shape":[3,3],"data":[0.7,-0.2,0.4,-0.5,0.3,0.9,0.2,0.6,-0.4]},"b2":[0,0,0],
"activation":"tanh","loss":"softmax_ce","lr":0.1}"#
    ),
    preset!(
        "dead_relu",
        "死亡 ReLU：负的预激活没有梯度",
        "Dead ReLU: negative pre-activations get no gradient",
        r#"{"x":[1.0,1.0],"y":[1.0],
"w1":{"shape":[2,2],"data":[0.5,0.5,-1.0,-1.0]},"b1":[0,-0.5],
"w2":{"shape":[1,2],"data":[1.0,2.0]},"b2":[0],
"activation":"relu","loss":"mse","lr":0.1}"#
    ),
];

pub const BACKPROP_SCHEMA: &str = r#"[
{"name":"x","kind":"vector","shape":["n_in"],"min":1,"max":16},
{"name":"y","kind":"vector","shape":["n_out"],"min":1,"max":16,"note_en":"target; a probability distribution (e.g. one-hot) for softmax_ce","note_zh":"目标；softmax_ce 时须是概率分布（如 one-hot）"},
{"name":"w1","kind":"matrix","shape":["n_hidden","n_in"]},
{"name":"b1","kind":"vector","shape":["n_hidden"],"min":1,"max":16},
{"name":"w2","kind":"matrix","shape":["n_out","n_hidden"]},
{"name":"b2","kind":"vector","shape":["n_out"]},
{"name":"activation","kind":"enum","options":["relu","sigmoid","tanh"]},
{"name":"loss","kind":"enum","options":["mse","softmax_ce"]},
{"name":"lr","kind":"scalar","min":0,"max":10}
]"#;

pub const SOFTMAX: &[Preset] = &[
    preset!(
        "small",
        "普通的 logits",
        "Ordinary logits",
        r#"{"logits":[2.0,1.0,0.1],"target":0}"#
    ),
    preset!(
        "overflow",
        "logits 为 1000：朴素写法溢出",
        "Logits of 1000: the naive form overflows",
        r#"{"logits":[1000,999,998],"target":0}"#
    ),
    preset!(
        "underflow",
        "logits 为 −1000：朴素写法下溢得 0/0",
        "Logits of −1000: the naive form underflows to 0/0",
        r#"{"logits":[-1000,-1001,-1002],"target":2}"#
    ),
    preset!(
        "uniform",
        "全部相等：损失为 log n",
        "All equal: the loss is log n",
        r#"{"logits":[0,0,0,0],"target":1}"#
    ),
];

pub const SOFTMAX_SCHEMA: &str = r#"[
{"name":"logits","kind":"vector","shape":["n"],"min":1,"max":64},
{"name":"target","kind":"scalar","integer":true,"min":0,"max":"n-1"}
]"#;

pub const CONV2D: &[Preset] = &[
    preset!(
        "two_channels",
        "两个输入通道、两个输出通道，填充 1",
        "Two input and two output channels, padding 1",
        r#"{
"x":{"shape":[2,4,4],"data":[-1,0,1,2,3,-1,0,1,2,3,-1,0,1,2,3,-1,0,1,0.5,0,0.5,0,1,0.5,1,0.5,0,1,0,1,0.5,0]},
"weight":{"shape":[2,2,3,3],"data":[1,0,-1,1,0,-1,1,0,-1,0,0.5,0,0.5,1,0.5,0,0.5,0,0,1,0,1,-4,1,0,1,0,1,1,1,0,0,0,-1,-1,-1]},
"bias":[0.5,-1],"stride":1,"padding":1,"dilation":1,"grad_out":null}"#
    ),
    preset!(
        "by_hand",
        "3×3 输入、3×3 全 1 卷积核：可以手算",
        "3×3 input, 3×3 kernel of ones: easy by hand",
        r#"{
"x":{"shape":[1,3,3],"data":[1,2,3,4,5,6,7,8,9]},"weight":{"shape":[1,1,3,3],"data":[1,1,1,1,1,1,1,1,1]},
"bias":[0],"stride":1,"padding":1,"dilation":1,"grad_out":null}"#
    ),
    preset!(
        "stride2",
        "步长 2",
        "Stride 2",
        r#"{
"x":{"shape":[1,5,5],"data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]},
"weight":{"shape":[1,1,3,3],"data":[0,1,0,1,-4,1,0,1,0]},"bias":[0],"stride":2,"padding":1,"dilation":1,
"grad_out":{"shape":[1,3,3],"data":[1,0,0,0,1,0,0,0,1]}}"#
    ),
    preset!(
        "dilation2",
        "空洞 2：感受野 5×5",
        "Dilation 2: a 5×5 receptive field",
        r#"{
"x":{"shape":[1,6,6],"data":[0,1,2,3,4,5,1,2,3,4,5,6,2,3,4,5,6,7,3,4,5,6,7,8,4,5,6,7,8,9,5,6,7,8,9,10]},
"weight":{"shape":[1,1,3,3],"data":[1,0,1,0,1,0,1,0,1]},"bias":[0],"stride":1,"padding":0,"dilation":2,"grad_out":null}"#
    ),
];

pub const CONV2D_SCHEMA: &str = r#"[
{"name":"x","kind":"tensor","shape":["c_in","h","w"],"max":[8,64,64]},
{"name":"weight","kind":"tensor","shape":["c_out","c_in","kh","kw"],"max":[8,8,7,7]},
{"name":"bias","kind":"vector","shape":["c_out"]},
{"name":"stride","kind":"scalar","integer":true,"min":1,"max":4},
{"name":"padding","kind":"scalar","integer":true,"min":0,"max":3},
{"name":"dilation","kind":"scalar","integer":true,"min":1,"max":3},
{"name":"grad_out","kind":"tensor","shape":["c_out","out_h","out_w"],"optional":true,"note_en":"upstream gradient ∂L/∂y; null means all ones","note_zh":"上游梯度 ∂L/∂y；null 表示全 1"}
]"#;

pub const IOU: &[Preset] = &[
    preset!(
        "overlap",
        "部分重叠",
        "Partial overlap",
        r#"{"format":"xyxy","a":[0,0,4,3],"b":[2,1,6,5]}"#
    ),
    preset!(
        "disjoint",
        "不相交：IoU 为 0，GIoU 为负",
        "Disjoint: IoU is 0, GIoU is negative",
        r#"{"format":"xyxy","a":[0,0,2,2],"b":[3,1,5,3]}"#
    ),
    preset!(
        "centre_size",
        "(cx, cy, w, h) 形式",
        "The (cx, cy, w, h) form",
        r#"{"format":"cxcywh","a":[2,2,4,4],"b":[3,3,4,2]}"#
    ),
    preset!(
        "aspect",
        "宽高比不同：CIoU 的惩罚项",
        "Different aspect ratios: CIoU's penalty",
        r#"{"format":"xyxy","a":[0,0,4,1],"b":[0,0,1,4]}"#
    ),
    preset!(
        "contained",
        "一个框包含另一个",
        "One box inside the other",
        r#"{"format":"xyxy","a":[0,0,6,6],"b":[2,2,4,4]}"#
    ),
];

pub const IOU_SCHEMA: &str = r#"[
{"name":"format","kind":"enum","options":["xyxy","cxcywh"]},
{"name":"a","kind":"boxes","shape":[4]},
{"name":"b","kind":"boxes","shape":[4]}
]"#;

pub const NMS: &[Preset] = &[
    preset!(
        "two_objects",
        "两个物体、五个框，阈值 0.5",
        "Two objects, five boxes, threshold 0.5",
        r#"{
"boxes":[[0,0,10,10],[1,1,11,11],[20,20,30,30],[0,0,10,9],[21,21,29,29]],"scores":[0.9,0.8,0.7,0.95,0.6],"iou_threshold":0.5}"#
    ),
    preset!(
        "high_threshold",
        "同样的框，阈值 0.7：保留更多",
        "The same boxes, threshold 0.7: more are kept",
        r#"{
"boxes":[[0,0,10,10],[1,1,11,11],[20,20,30,30],[0,0,10,9],[21,21,29,29]],"scores":[0.9,0.8,0.7,0.95,0.6],"iou_threshold":0.7}"#
    ),
    preset!(
        "crowd",
        "拥挤的一排框",
        "A crowded row of boxes",
        r#"{
"boxes":[[0,0,4,4],[1,0,5,4],[2,0,6,4],[3,0,7,4],[4,0,8,4],[5,0,9,4],[6,0,10,4],[7,0,11,4]],
"scores":[0.6,0.9,0.5,0.8,0.7,0.95,0.3,0.85],"iou_threshold":0.4}"#
    ),
];

pub const NMS_SCHEMA: &str = r#"[
{"name":"boxes","kind":"boxes","shape":["n",4],"min":1,"max":50,"note_en":"corners [x1, y1, x2, y2]","note_zh":"角点 [x1, y1, x2, y2]"},
{"name":"scores","kind":"vector","shape":["n"]},
{"name":"iou_threshold","kind":"scalar","min":0,"max":1}
]"#;

pub const AUC: &[Preset] = &[
    preset!(
        "ties",
        "五个样本，含并列分数",
        "Five examples with tied scores",
        r#"{"scores":[0.8,0.4,0.4,0.35,0.3],"labels":[1,1,0,1,0]}"#
    ),
    preset!(
        "ten",
        "十个样本",
        "Ten examples",
        r#"{"scores":[0.95,0.9,0.85,0.7,0.6,0.55,0.5,0.4,0.3,0.1],"labels":[1,1,0,1,1,0,0,1,0,0]}"#
    ),
    preset!(
        "perfect",
        "完美排序：AUC = 1",
        "Perfect ranking: AUC = 1",
        r#"{"scores":[0.9,0.8,0.3,0.2],"labels":[1,1,0,0]}"#
    ),
    preset!(
        "all_tied",
        "分数全相同：AUC = 0.5",
        "All scores tied: AUC = 0.5",
        r#"{"scores":[0.5,0.5,0.5,0.5],"labels":[1,0,1,0]}"#
    ),
];

pub const AUC_SCHEMA: &str = r#"[
{"name":"scores","kind":"vector","shape":["n"],"min":1,"max":500},
{"name":"labels","kind":"vector","shape":["n"],"values":[0,1],"note_en":"needs at least one 0 and one 1","note_zh":"至少要有一个 0 和一个 1"}
]"#;

pub const BATCHNORM: &[Preset] = &[
    preset!(
        "train",
        "训练模式",
        "Training mode",
        r#"{
"x":{"shape":[5,3],"data":[1,-2,0.5,3,0,1.5,-1,4,2.5,0.5,1,-0.5,2,-3,0]},
"gamma":[1.5,0.5,-1],"beta":[0.1,-0.2,0.3],"running_mean":[0.2,0.1,-0.1],"running_var":[1.2,0.8,2],
"momentum":0.1,"eps":1e-5,"mode":"train",
"grad_out":{"shape":[5,3],"data":[0.1,-0.3,0.2,0.7,0.05,-0.4,-0.2,0.6,0.3,0.45,-0.15,0.25,-0.5,0.35,0.1]}}"#
    ),
    preset!(
        "eval",
        "推理模式：用滑动统计量",
        "Eval mode: running statistics",
        r#"{
"x":{"shape":[5,3],"data":[1,-2,0.5,3,0,1.5,-1,4,2.5,0.5,1,-0.5,2,-3,0]},
"gamma":[1.5,0.5,-1],"beta":[0.1,-0.2,0.3],"running_mean":[0.2,0.1,-0.1],"running_var":[1.2,0.8,2],
"momentum":0.1,"eps":1e-5,"mode":"eval",
"grad_out":{"shape":[5,3],"data":[0.1,-0.3,0.2,0.7,0.05,-0.4,-0.2,0.6,0.3,0.45,-0.15,0.25,-0.5,0.35,0.1]}}"#
    ),
    preset!(
        "by_hand",
        "两个样本、一个特征：可以手算",
        "Two samples, one feature: easy by hand",
        r#"{
"x":{"shape":[2,1],"data":[1,3]},"gamma":[2],"beta":[0.5],"running_mean":[0],"running_var":[1],
"momentum":0.5,"eps":1e-5,"mode":"train","grad_out":{"shape":[2,1],"data":[1,-1]}}"#
    ),
];

pub const BATCHNORM_SCHEMA: &str = r#"[
{"name":"x","kind":"matrix","shape":["n","d"],"max":[64,16],"note_en":"n ≥ 2 in training mode","note_zh":"训练模式下 n ≥ 2"},
{"name":"gamma","kind":"vector","shape":["d"]},
{"name":"beta","kind":"vector","shape":["d"]},
{"name":"running_mean","kind":"vector","shape":["d"]},
{"name":"running_var","kind":"vector","shape":["d"],"min_value":0},
{"name":"momentum","kind":"scalar","min":0,"max":1},
{"name":"eps","kind":"scalar","min":1e-12,"max":1},
{"name":"mode","kind":"enum","options":["train","eval"]},
{"name":"grad_out","kind":"matrix","shape":["n","d"],"optional":true,"note_en":"upstream gradient ∂L/∂y; null means all ones","note_zh":"上游梯度 ∂L/∂y；null 表示全 1"}
]"#;

pub const ATTENTION: &[Preset] = &[
    preset!(
        "by_hand",
        "两个词、d = 2：可以手算",
        "Two tokens, d = 2: easy by hand",
        r#"{"q":[[1,0],[0,2]],"k":[[1,0],[0,1]],"v":[[1,2],[3,4]],"mask":"none","scale":"sqrt_d",
"grad_out":[[1,0],[0,1]]}"#
    ),
    preset!(
        "causal",
        "因果掩码：每个词只看它自己和之前的词",
        "Causal mask: each token sees only itself and earlier ones",
        r#"{"q":[[1,0,1],[0,1,1],[1,1,0],[0.5,-1,1]],"k":[[1,1,0],[0,1,1],[1,0,1],[-1,0.5,0]],
"v":[[1,0],[0,1],[1,1],[-1,0.5]],"mask":"causal","scale":"sqrt_d","grad_out":null}"#
    ),
    preset!(
        "scaled_d16",
        "d = 16，除以 √d：权重平缓",
        "d = 16, divided by √d: soft weights",
        r#"{
"q":[[1.2,-0.3,1.0,0.6,-0.8,-0.6,1.4,-0.1,-0.4,0.5,-2.3,0.1,-0.4,-0.8,-0.7,0.3],[-1.7,-0.2,-2.9,0.4,-0.8,1.5,1.3,0.1,-2.1,0.7,-0.6,1.0,1.1,0.2,0.7,-1.0],[1.4,0.4,-1.1,0.1,-1.7,-2.1,0.8,-0.8,-2.0,-1.1,2.1,-0.9,1.0,1.3,-1.1,-1.5]],
"k":[[0.5,0.5,0.1,1.3,0.3,-0.3,0.9,-0.2,-1.8,-0.1,-1.1,1.1,-0.4,-0.6,-0.9,0],[-0.5,1.1,1.4,2.3,-0.6,0.1,-1.8,0.4,0.9,1.8,-1.1,1.9,-0.5,1.0,0.7,-2.3],[-0.9,-0.8,-1.2,-0.2,-0.1,-2.4,0,-0.3,-0.6,1.3,-0.8,1.2,3.5,-0.7,-1.6,-0.1],[-0.4,-0.3,1.1,0.4,1.0,-0.2,0.8,1.3,1.1,0.2,0.9,0.3,-1.4,-0.7,0.6,-0.1],[-1.5,0.4,-0.2,-1.0,1.4,-2.1,1.7,-0.1,-0.3,0.5,0.5,-0.7,-0.2,-0.1,1.2,-0.7]],
"v":[[0.3,0.8],[0.6,-0.5],[-0.4,0.7],[-1.0,0.6],[0.6,-0.1]],"mask":"none","scale":"sqrt_d","grad_out":null}"#
    ),
    preset!(
        "unscaled_d16",
        "同样的 Q、K，不除以 √d：softmax 饱和，梯度消失",
        "The same Q and K, not divided by √d: the softmax saturates, gradients vanish",
        r#"{
"q":[[1.2,-0.3,1.0,0.6,-0.8,-0.6,1.4,-0.1,-0.4,0.5,-2.3,0.1,-0.4,-0.8,-0.7,0.3],[-1.7,-0.2,-2.9,0.4,-0.8,1.5,1.3,0.1,-2.1,0.7,-0.6,1.0,1.1,0.2,0.7,-1.0],[1.4,0.4,-1.1,0.1,-1.7,-2.1,0.8,-0.8,-2.0,-1.1,2.1,-0.9,1.0,1.3,-1.1,-1.5]],
"k":[[0.5,0.5,0.1,1.3,0.3,-0.3,0.9,-0.2,-1.8,-0.1,-1.1,1.1,-0.4,-0.6,-0.9,0],[-0.5,1.1,1.4,2.3,-0.6,0.1,-1.8,0.4,0.9,1.8,-1.1,1.9,-0.5,1.0,0.7,-2.3],[-0.9,-0.8,-1.2,-0.2,-0.1,-2.4,0,-0.3,-0.6,1.3,-0.8,1.2,3.5,-0.7,-1.6,-0.1],[-0.4,-0.3,1.1,0.4,1.0,-0.2,0.8,1.3,1.1,0.2,0.9,0.3,-1.4,-0.7,0.6,-0.1],[-1.5,0.4,-0.2,-1.0,1.4,-2.1,1.7,-0.1,-0.3,0.5,0.5,-0.7,-0.2,-0.1,1.2,-0.7]],
"v":[[0.3,0.8],[0.6,-0.5],[-0.4,0.7],[-1.0,0.6],[0.6,-0.1]],"mask":"none","scale":"none","grad_out":null}"#
    ),
];

pub const ATTENTION_SCHEMA: &str = r#"[
{"name":"q","kind":"matrix","shape":["n_q","d"],"max":[16,16],"note_en":"queries, one per row","note_zh":"查询，每行一个"},
{"name":"k","kind":"matrix","shape":["n_k","d"],"max":[16,16],"note_en":"keys, one per row","note_zh":"键，每行一个"},
{"name":"v","kind":"matrix","shape":["n_k","d_v"],"max":[16,16],"note_en":"values, one per key","note_zh":"值，每个键一行"},
{"name":"mask","kind":"enum","options":["none","causal"],"note_en":"causal: query i sees keys j ≤ i","note_zh":"causal：第 i 个查询只看 j ≤ i 的键"},
{"name":"scale","kind":"enum","options":["sqrt_d","none"],"note_en":"divide the scores by √d, or not","note_zh":"分数是否除以 √d"},
{"name":"grad_out","kind":"matrix","shape":["n_q","d_v"],"optional":true,"note_en":"upstream gradient ∂L/∂O; null means all ones","note_zh":"上游梯度 ∂L/∂O；null 表示全 1"}
]"#;
