import numpy as np

def iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0])); ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)

def nms(boxes, scores, iou_threshold=0.5):
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))  # @sort
    keep, suppressed = [], set()
    for rank, i in enumerate(order):
        if i in suppressed:
            continue
        keep.append(i)  # @keep
        for j in order[rank + 1 :]:
            if j not in suppressed and iou(boxes[i], boxes[j]) > iou_threshold:
                suppressed.add(j)  # @compare
    return keep  # @done
