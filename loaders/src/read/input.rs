//! Where a load reads from: a file on disk or bytes already in memory (the embedded demo data).

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::{LoadError, Result};

/// The bytes a load reads.
#[derive(Debug, Clone)]
pub enum Input {
    /// A file on disk.
    File(PathBuf),
    /// An HTTP(S) URL: an OGC API Features collection's items, a WFS 2.0 `GetFeature`, or a
    /// file in the catalog's format.
    Url(String),
    /// A file on disk received from someone (an upload): messages and provenance name it by
    /// the name it was sent under, never by where the server keeps it.
    Upload {
        /// The name it was sent under.
        name: String,
        /// Where it is on disk.
        path: PathBuf,
    },
    /// Bytes in memory, with a name for messages.
    Bytes {
        /// Shown in messages and stored as the source.
        name: String,
        /// The content.
        data: bytes::Bytes,
    },
}

impl Input {
    /// The name shown in messages and stored as provenance.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::Url(u) => u.clone(),
            Self::Bytes { name, .. } | Self::Upload { name, .. } => name.clone(),
        }
    }

    /// The SHA-256 of the content, hex encoded, read in fixed-size chunks.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn sha256(&self) -> Result<String> {
        let mut hasher = Sha256::new();
        match self {
            // A service answers page by page and may change between requests; its provenance
            // is the URL and the load time, not a digest.
            Self::Url(_) => return Ok(String::new()),
            Self::Bytes { data, .. } => hasher.update(data),
            Self::File(path) | Self::Upload { path, .. } => {
                let io = |source| LoadError::Io {
                    path: path.clone(),
                    source,
                };
                let mut file = File::open(path).map_err(io)?;
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = file.read(&mut buf).map_err(io)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
            }
        }
        Ok(hex::encode(hasher.finalize()))
    }
}
