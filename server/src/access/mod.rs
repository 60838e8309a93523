//! Who may do what: organisations, their API keys and scopes, and the audit trail of every
//! write. Keys are checked here, free of HTTP: `http::auth` only finds the key in a request
//! and maps [`AccessError`] to a status.

mod audit;
mod error;
mod keys;
mod limiter;
mod visibility;

pub use audit::{AuditEntry, Outcome, list as audit_list, record as audit_record};
pub use error::AccessError;
pub use keys::{
    KeyInfo, NewKey, Organisation, add_organisation, authenticate, create_key, list_keys,
    list_organisations, revoke_key,
};
pub use limiter::FailureLimiter;
pub use visibility::set_visibility;

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

/// Who may see a dataset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone, without a key: open data.
    #[default]
    Public,
    /// Any key of the owning organisation, and admin keys.
    Org,
    /// The owning organisation's publish keys, and admin keys.
    Private,
}

impl Visibility {
    /// The name stored and typed.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Org => "org",
            Self::Private => "private",
        }
    }

    /// Parses a stored or typed name.
    ///
    /// # Errors
    /// The names there are, when `text` is none of them.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "public" => Ok(Self::Public),
            "org" => Ok(Self::Org),
            "private" => Ok(Self::Private),
            other => Err(format!(
                "unknown visibility {other:?}; one of public, org, private"
            )),
        }
    }

    /// Whether `viewer` (a key's holder, or nobody) may see a dataset of `owner` with this
    /// visibility.
    #[must_use]
    pub fn lets(self, owner: Option<&str>, viewer: Option<&Principal>) -> bool {
        let own = |p: &Principal| owner == Some(p.organisation.as_str());
        match self {
            Self::Public => true,
            Self::Org => viewer.is_some_and(|p| p.scope == Scope::Admin || own(p)),
            Self::Private => {
                viewer.is_some_and(|p| p.scope == Scope::Admin || own(p) && p.may(Scope::Publish))
            }
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

    #[test]
    fn org_data_is_seen_by_the_owners_keys_and_private_data_by_its_publishers() {
        use super::Visibility;
        let key = |org: &str, scope| Principal {
            organisation: org.into(),
            key_id: "0123456789ab".into(),
            scope,
        };
        let owner = Some("region-jonkoping");
        let reader = key("region-jonkoping", Scope::Read);
        let publisher = key("region-jonkoping", Scope::Publish);
        let neighbour = key("region-kalmar", Scope::Publish);
        let admin = key("rummet-drift", Scope::Admin);
        assert!(Visibility::Public.lets(owner, None));
        assert!(!Visibility::Org.lets(owner, None));
        assert!(Visibility::Org.lets(owner, Some(&reader)));
        assert!(!Visibility::Org.lets(owner, Some(&neighbour)));
        assert!(Visibility::Org.lets(owner, Some(&admin)));
        assert!(!Visibility::Private.lets(owner, Some(&reader)));
        assert!(Visibility::Private.lets(owner, Some(&publisher)));
        assert!(!Visibility::Private.lets(owner, Some(&neighbour)));
        assert!(Visibility::Private.lets(owner, Some(&admin)));
    }
}
