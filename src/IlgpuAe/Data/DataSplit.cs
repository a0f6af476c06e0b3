namespace IlgpuAe.Data;

/// <summary>A training set, a held-out test set, and where they came from.</summary>
/// <param name="Train">Images to train on.</param>
/// <param name="Test">Images to evaluate on, disjoint from <paramref name="Train"/>.</param>
/// <param name="Source">Human-readable origin, for example a directory or "embedded Fashion-MNIST test set (8000 train / 2000 test)".</param>
public sealed record DataSplit(Dataset Train, Dataset Test, string Source);
