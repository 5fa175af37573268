//! Differences between two texts (manifests, values) as the user reviews
//! them: a line diff, unified-diff printing with context and optional
//! colour, and masking of Secret values so a diff never shows them.
//!
//! Knows nothing of releases, storage or terminals: callers hand in text and
//! get text back (the CLI's `diff revision`, later the TUI and the engine's
//! upgrade preview).

mod lines;
pub mod objects;
mod secrets;
mod unified;

pub use lines::{Edit, diff_lines};
pub use secrets::{MASK_PREFIX, mask_secret_pair};
pub use unified::{Colors, UnifiedOptions, unified};
