import numpy as np

def attention(Q, K, V, dO, causal=False, scaled=True):
    scale = 1 / np.sqrt(Q.shape[1]) if scaled else 1.0  # @setup
    S = Q @ K.T * scale  # @scores
    if causal:  # query i sees keys j <= i
        S = np.where(np.tri(*S.shape, dtype=bool), S, -np.inf)
    e = np.exp(S - S.max(axis=1, keepdims=True))
    W = e / e.sum(axis=1, keepdims=True)  # @softmax
    O = W @ V  # @output @forward_done
    dV = W.T @ dO  # @dv
    dW = dO @ V.T  # dS[i,j] = W[i,j] * sum_k W[i,k] * (dW[i,j] - dW[i,k])
    dS = W * (W[:, None, :] * (dW[:, :, None] - dW[:, None, :])).sum(axis=2)  # @ds
    dQ, dK = dS @ K * scale, dS.T @ Q * scale  # @dqk
    return O, W, dQ, dK, dV
