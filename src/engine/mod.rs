//! The engine both faces drive: Helm's actions on charts and releases.
//!
//! Today it holds `template` (a client-only dry-run install); install, upgrade,
//! rollback and uninstall join it with cluster access.

pub mod template;

pub use template::{Rendered, TemplateOptions, render_template};
