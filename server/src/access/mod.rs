//! Who may do what: organisations, their API keys and scopes, and the audit trail of every
//! write. Keys are checked here, free of HTTP: `http::auth` only finds the key in a request
//! and maps [`AccessError`] to a status.

mod audit;
mod error;
mod keys;
mod limiter;

pub use audit::{AuditEntry, Outcome, list as audit_list, record as audit_record};
pub use error::AccessError;
pub use keys::{
    KeyInfo, NewKey, Organisation, add_organisation, authenticate, create_key, list_keys,
    list_organisations, revoke_key,
};
pub use limiter::FailureLimiter;

use serde::{Deserialize, Serialize};

/// What a key may do; each scope includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read the organisation's non-public data.
    Read,
    /// Publish and replace the organisation's own datasets and maps.
    Publish,
    /// Everything, catalog datasets and other organisations' data included.
    Admin,
}

impl Scope {
    /// The name stored and written in requests.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Publish => "publish",
            Self::Admin => "admin",
        }
    }

    /// Parses a stored or typed scope name.
    ///
    /// # Errors
    /// The scopes there are, when `text` is none of them.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "read" => Ok(Self::Read),
            "publish" => Ok(Self::Publish),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown scope {other:?}; scopes: read, publish, admin"
            )),
        }
    }
}

/// The holder of a valid key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The organisation the key belongs to.
    pub organisation: String,
    /// The key's public id.
    pub key_id: String,
    /// What the key may do.
    pub scope: Scope,
}

impl Principal {
    /// Whether the key's scope includes `needed`.
    #[must_use]
    pub fn may(&self, needed: Scope) -> bool {
        self.scope >= needed
    }

    /// `needed`, or [`AccessError::Forbidden`] saying what was missing.
    ///
    /// # Errors
    /// When the key's scope is below `needed`.
    pub fn require(&self, needed: Scope) -> Result<(), AccessError> {
        if self.may(needed) {
            Ok(())
        } else {
            Err(AccessError::Forbidden(format!(
                "this needs a key with scope {}; key {} of {} has scope {}",
                needed.as_str(),
                self.key_id,
                self.organisation,
                self.scope.as_str()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Principal, Scope};

    #[test]
    fn each_scope_includes_the_ones_before_it() {
        let key = |scope| Principal {
            organisation: "region-jonkoping".into(),
            key_id: "0123456789ab".into(),
            scope,
        };
        assert!(key(Scope::Admin).may(Scope::Publish) && key(Scope::Admin).may(Scope::Read));
        assert!(key(Scope::Publish).may(Scope::Read) && !key(Scope::Publish).may(Scope::Admin));
        let refused = key(Scope::Read)
            .require(Scope::Publish)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            refused.contains("scope publish") && refused.contains("has scope read"),
            "{refused}"
        );
        assert_eq!(Scope::parse("admin"), Ok(Scope::Admin));
        assert!(Scope::parse("root").is_err());
    }
}
