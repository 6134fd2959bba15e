"""losslint: find final activations that do not fit the loss in PyTorch classifiers."""

__version__ = "0.1.0"
