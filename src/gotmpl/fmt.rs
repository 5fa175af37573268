//! Go's `fmt` printing rules for template values.
