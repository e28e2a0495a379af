"""Load-shed verification: baselines, verification, settlement."""
