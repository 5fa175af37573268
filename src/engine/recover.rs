//! `recover`: resolving a release stuck in `pending-*` after a crash or a
//! kill. The pending revision is marked `failed` with a description saying
//! so, which lets the next upgrade or rollback proceed, as Helm's own
//! failures do. [`Engine::stuck`] shows first what the pending revision
//! had started to change, for the confirmation.

use crate::release::{Release, Status};

use super::record::set_status;
use super::{Engine, EngineError};

/// What a stuck release left behind.
#[derive(Debug)]
pub struct Stuck {
    /// The revision in `pending-*`.
    pub pending: Release,
    /// The deployed revision it was replacing, if any.
    pub deployed: Option<Release>,
}

/// The description a recovered revision gets.
pub fn recovered_description(status: &Status) -> String {
    format!(
        "Marked failed by wheelhouse recover: the {} operation was interrupted",
        status.as_str()
    )
}

impl Engine {
    /// The release's pending revision and the deployed one, or an error when
    /// the release is not stuck.
    pub async fn stuck(&self, namespace: &str, name: &str) -> Result<Stuck, EngineError> {
        let pending = self.storage().get(namespace, name, None).await?;
        if !pending.status().is_pending() {
            return Err(EngineError::Invalid(format!(
                "release {name:?} is not stuck: its latest revision {} is {}",
                pending.version,
                pending.status().as_str()
            )));
        }
        let deployed = match self.storage().deployed(namespace, name).await {
            Ok(r) => Some(r),
            Err(crate::storage::StorageError::NoDeployed { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(Stuck { pending, deployed })
    }

    /// Marks the pending revision `failed`. Returns the updated record.
    pub async fn recover(&self, stuck: Stuck) -> Result<Release, EngineError> {
        let mut release = stuck.pending;
        let description = recovered_description(&release.status());
        set_status(&mut release, Status::Failed, &description);
        release.stored_as = self.storage().update(&release).await?;
        Ok(release)
    }
}
