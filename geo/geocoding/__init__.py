"""Geocoding for Indonesian addresses as callers say them (forward and reverse)."""
