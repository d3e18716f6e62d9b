import numpy as np

def conv2d(x, W, b, dy, stride=1, padding=0, dilation=1):
    C, H, Wd = x.shape; O, _, KH, KW = W.shape
    s, p, d = stride, padding, dilation
    OH = (H + 2 * p - d * (KH - 1) - 1) // s + 1; OW = (Wd + 2 * p - d * (KW - 1) - 1) // s + 1  # @setup
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    y = np.zeros((O, OH, OW))
    for o in range(O):
        for i in range(OH):
            for j in range(OW):
                win = xp[:, i * s : i * s + d * (KH - 1) + 1 : d, j * s : j * s + d * (KW - 1) + 1 : d]
                y[o, i, j] = (win * W[o]).sum() + b[o]  # @fwd @fwd_done
    dxp = np.zeros_like(xp); dW = np.zeros_like(W); db = dy.sum(axis=(1, 2))
    for o in range(O):
        for i in range(OH):
            for j in range(OW):
                rows = slice(i * s, i * s + d * (KH - 1) + 1, d); cols = slice(j * s, j * s + d * (KW - 1) + 1, d)
                dxp[:, rows, cols] += dy[o, i, j] * W[o]
                dW[o] += dy[o, i, j] * xp[:, rows, cols]  # @bwd
    dx = dxp[:, p : p + H, p : p + Wd]  # @bwd_done
    return y, dx, dW, db
