//! Reading releases for a face: the latest revision of every release, one
//! release's history, one revision. Records that can't be decoded are
//! passed on by name so a face can say which were skipped.

use crate::release::Release;
use crate::storage::Skipped;

use super::{Engine, EngineError};

/// Releases and the records that could not be read.
pub struct Listing {
    pub releases: Vec<Release>,
    pub skipped: Vec<Skipped>,
}

impl Engine {
    /// The latest revision of every release in `namespace` (all when
    /// `None`), sorted by namespace then name.
    pub async fn releases(&self, namespace: Option<&str>) -> Result<Listing, EngineError> {
        let (releases, skipped) = self.storage().latest(namespace).await?;
        Ok(Listing { releases, skipped })
    }

    /// Every revision of one release, oldest first.
    pub async fn history(&self, namespace: &str, name: &str) -> Result<Listing, EngineError> {
        let (releases, skipped) = self.storage().history(namespace, name).await?;
        Ok(Listing { releases, skipped })
    }

    /// One revision, or the latest.
    pub async fn release(
        &self,
        namespace: &str,
        name: &str,
        revision: Option<i64>,
    ) -> Result<Release, EngineError> {
        Ok(self.storage().get(namespace, name, revision).await?)
    }
}
