import numpy as np

def sigmoid(z):
    with np.errstate(over="ignore"):  # exp(-z) = inf for z < -709: sigmoid(z) = 0
        return 1 / (1 + np.exp(-z))

def sech2(z):
    with np.errstate(over="ignore"):  # cosh(z) = inf for |z| > 710: 1/cosh^2 = 0
        return (1 / np.cosh(z)) ** 2

# Derivatives as sigmoid(z)*sigmoid(-z) and 1/cosh^2: exact where 1 - sigmoid and
# 1 - tanh^2 round to 0, and where exp(-z)/(1+exp(-z))**2 is inf/inf = NaN.
ACT = {"relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
       "sigmoid": (sigmoid, lambda z: sigmoid(z) * sigmoid(-z)),
       "tanh": (np.tanh, sech2)}

def backprop(x, y, W1, b1, W2, b2, activation="relu", loss="mse", lr=0.1):
    f, df = ACT[activation]  # @setup
    z1 = W1 @ x + b1  # @z1
    a1 = f(z1)  # @a1
    z2 = W2 @ a1 + b2  # @z2
    if loss == "mse":
        L = np.mean((z2 - y) ** 2)  # @mse
        delta2 = 2 * (z2 - y) / len(y)  # @mse_grad
    else:
        shifted = z2 - z2.max(); s = np.exp(shifted).sum()  # @lse
        p, log_p = np.exp(shifted) / s, shifted - np.log(s)  # @softmax
        L = -(y * log_p).sum()  # @ce
        delta2 = p - y  # @ce_grad
    dW2, db2 = np.outer(delta2, a1), delta2  # @dw2
    delta1 = (W2.T @ delta2) * df(z1)  # @delta1
    dW1, db1 = np.outer(delta1, x), delta1  # @dw1
    return L, W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2  # @sgd
