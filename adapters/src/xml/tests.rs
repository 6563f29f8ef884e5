//! Unit tests of the `xml` format.
