"""Loading the reference layers from fixtures/pekanbaru (or a city's own files)."""

from geo.loading.common import FIXTURES, FixtureError, LoadResult

__all__ = ["FIXTURES", "FixtureError", "LoadResult"]
