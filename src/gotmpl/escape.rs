//! Go's `html`, `js` and `urlquery` escapers.
