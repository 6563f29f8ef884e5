//! Unit tests of the `pfif` format.
