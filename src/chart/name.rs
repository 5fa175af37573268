//! Release names: Helm's rule for what a release may be called.

/// Longest release name Helm accepts: resource names built from it must stay
/// within Kubernetes' 63-character label limit.
pub const MAX_RELEASE_NAME_LEN: usize = 53;

/// Helm's pattern for release names, quoted in its error message.
pub const RELEASE_NAME_PATTERN: &str =
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// A release name Helm would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("no name provided")]
    Missing,
    #[error(
        "invalid release name, must match regex {RELEASE_NAME_PATTERN} and the length must not be longer than {MAX_RELEASE_NAME_LEN}"
    )]
    Invalid,
}

/// Helm's `ValidateReleaseName`: dot-separated DNS labels of lower-case letters,
/// digits and inner dashes, at most 53 bytes in all.
pub fn validate_release_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Missing);
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && edge(b[0])
            && edge(b[b.len() - 1])
            && b.iter().all(|&c| edge(c) || c == b'-')
    };
    if name.len() > MAX_RELEASE_NAME_LEN || !name.split('.').all(label_ok) {
        return Err(NameError::Invalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_helm() {
        for ok in ["release-name", "a", "a.b-c", "1x"] {
            assert_eq!(validate_release_name(ok), Ok(()), "{ok}");
        }
        for bad in ["Bad_Name", "-a", "a-", "a..b", ".a", &"a".repeat(54)] {
            assert_eq!(validate_release_name(bad), Err(NameError::Invalid), "{bad}");
        }
        assert_eq!(validate_release_name(""), Err(NameError::Missing));
    }
}
