"""Sufficient statistics: what estimators are fed (ordinal thresholds, polychorics and their Γ, ...)."""
