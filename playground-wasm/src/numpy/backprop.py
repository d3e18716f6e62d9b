import numpy as np

ACT = {"relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
       "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
       "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}

def backprop(x, y, W1, b1, W2, b2, activation="relu", loss="mse", lr=0.1):
    f, df = ACT[activation]  # @setup
    z1 = W1 @ x + b1  # @z1
    a1 = f(z1)  # @a1
    z2 = W2 @ a1 + b2  # @z2
    if loss == "mse":
        L = np.mean((z2 - y) ** 2)  # @mse
        delta2 = 2 * (z2 - y) / len(y)  # @mse_grad
    else:
        lse = z2.max() + np.log(np.exp(z2 - z2.max()).sum())  # @lse
        p = np.exp(z2 - lse)  # @softmax
        L = -(y * (z2 - lse)).sum()  # @ce
        delta2 = p - y  # @ce_grad
    dW2, db2 = np.outer(delta2, a1), delta2  # @dw2
    delta1 = (W2.T @ delta2) * df(z1)  # @delta1
    dW1, db1 = np.outer(delta1, x), delta1  # @dw1
    return L, W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2  # @sgd
