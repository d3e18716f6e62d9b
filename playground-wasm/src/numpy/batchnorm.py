import numpy as np

def batchnorm(x, gamma, beta, running_mean, running_var, dy, momentum=0.1, eps=1e-5, training=True):
    n = x.shape[0]  # @setup
    if training:
        mu = x.mean(axis=0); mu = mu + (x - mu).mean(axis=0)  # a correction pass: a constant column gets var 0
        var = ((x - mu) ** 2).mean(axis=0)  # @stats
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)  # @running
    else:
        mu, var = running_mean, running_var
    x_hat = (x - mu) / np.sqrt(var + eps)
    y = gamma * x_hat + beta  # @normalize
    dbeta, dgamma = dy.sum(axis=0), (dy * x_hat).sum(axis=0)  # @dgamma
    dx = (gamma / (n * np.sqrt(var + eps)) * (n * dy - dbeta - x_hat * dgamma) if training
          else gamma * dy / np.sqrt(var + eps))  # @dx
    return y, dx, dgamma, dbeta, running_mean, running_var
