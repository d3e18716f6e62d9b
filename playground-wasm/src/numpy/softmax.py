import numpy as np

def softmax_cross_entropy(z, target):
    p_naive = np.exp(z) / np.exp(z).sum()  # @naive
    shifted = z - z.max()  # @shift
    e = np.exp(shifted); s = e.sum()  # @exp
    log_p = shifted - np.log(s)  # @log_softmax
    p = e / s  # @p
    loss = -log_p[target]  # @loss
    grad = p.copy(); grad[target] -= 1  # @grad
    return loss, grad
