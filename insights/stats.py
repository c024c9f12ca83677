"""Confidence intervals and tests used by the backtest and the segment verdicts (SciPy)."""

import math

from scipy import stats

CONFIDENCE = 0.95


def wilson_interval(successes, trials, *, confidence=CONFIDENCE):
    """Wilson score interval for a proportion; (None, None) when there are no trials."""
    if trials <= 0:
        return None, None
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def t_interval(count, total, total_of_squares, *, confidence=CONFIDENCE):
    """Student's t interval for a mean, from the count, sum and sum of squares of the sample.

    Returns (mean, low, high); low and high are None with fewer than two values.
    """
    if count <= 0:
        return None, None, None
    mean = total / count
    if count < 2:
        return mean, None, None
    variance = max((total_of_squares - count * mean * mean) / (count - 1), 0.0)
    half_width = stats.t.ppf((1 + confidence) / 2, count - 1) * math.sqrt(variance / count)
    return mean, mean - half_width, mean + half_width


def two_proportion_z_test(successes_a, trials_a, successes_b, trials_b):
    """Two-sided p-value of a pooled two-proportion z-test; None when either side has no trials."""
    if trials_a <= 0 or trials_b <= 0:
        return None
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    if pooled in (0, 1):
        return 1.0
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    z = (successes_a / trials_a - successes_b / trials_b) / standard_error
    return float(2 * stats.norm.sf(abs(z)))


def fisher_exact_p(successes_a, trials_a, successes_b, trials_b):
    """Two-sided p-value of Fisher's exact test on the 2x2 table of successes and failures."""
    if trials_a <= 0 or trials_b <= 0:
        return None
    table = [[successes_a, trials_a - successes_a], [successes_b, trials_b - successes_b]]
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue)


def benjamini_hochberg(p_values):
    """Adjust p-values for the false discovery rate (Benjamini-Hochberg); None entries stay None."""
    present = [(index, p) for index, p in enumerate(p_values) if p is not None]
    adjusted = [None] * len(p_values)
    if not present:
        return adjusted
    corrected = stats.false_discovery_control([p for _, p in present], method="bh")
    for (index, _), value in zip(present, corrected, strict=True):
        adjusted[index] = float(value)
    return adjusted
