import numpy as np

def roc_auc(scores, labels):
    scores, labels = np.asarray(scores, float), np.asarray(labels, bool)
    P, N = labels.sum(), (~labels).sum()
    order = np.argsort(-scores, kind="stable")  # @sort
    fpr, tpr, area, tp, fp, k = [0.0], [0.0], 0.0, 0, 0, 0
    while k < len(order):
        t = scores[order[k]]
        while k < len(order) and scores[order[k]] == t:
            tp += labels[order[k]]; fp += not labels[order[k]]; k += 1
        fpr.append(fp / N); tpr.append(tp / P)
        area += (fpr[-1] - fpr[-2]) * (tpr[-1] + tpr[-2]) / 2  # @sweep
    auc = area  # @area
    ranks = np.empty(len(scores))
    for v in np.unique(scores):  # ties share their mean rank
        ranks[scores == v] = (scores < v).sum() + ((scores == v).sum() + 1) / 2
    auc_rank = (ranks[labels].sum() - P * (P + 1) / 2) / (P * N)  # @rank
    return np.array(fpr), np.array(tpr), auc, auc_rank
