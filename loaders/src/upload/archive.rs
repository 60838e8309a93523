//! What an uploaded zip may hold: members inside the archive, within a total size and a
//! compression ratio, so a zip bomb or a path like `../../etc/cron.d/x` is refused before
//! anything is unpacked.

use std::fs::File;
use std::path::Path;

use super::Limits;
use crate::{LoadError, Result};

/// Compressed members smaller than this are not held to the ratio: a tiny text file (a
/// `.cpg`, a `.prj`) compresses well past any sensible ratio.
const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// Most members an uploaded zip may have: a dataset's files are a handful, and each member
/// unpacked is a file on the server's disk.
const MAX_MEMBERS: usize = 10_000;

/// The member names of the zip at `path`, once it has passed the checks.
///
/// # Errors
/// [`LoadError::Rejected`] for a member pointing outside the archive or a link;
/// [`LoadError::TooLarge`] when the declared sizes pass the caps.
pub(super) fn checked_members(path: &Path, input: &str, limits: &Limits) -> Result<Vec<String>> {
    let reject = |message: String| LoadError::Rejected {
        input: input.to_owned(),
        message,
    };
    let file = File::open(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| reject(format!("not a readable zip: {e}")))?;
    if zip.len() > MAX_MEMBERS {
        return Err(LoadError::TooLarge {
            input: input.to_owned(),
            message: format!(
                "the zip holds {} files, more than the {MAX_MEMBERS} an upload may; nothing was unpacked",
                zip.len()
            ),
        });
    }
    let mut total = 0u64;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let member = zip
            .by_index_raw(i)
            .map_err(|e| reject(format!("zip member {i}: {e}")))?;
        let name = member
            .name()
            .map_err(|e| reject(format!("zip member {i}: {e}")))?
            .into_owned();
        if member.enclosed_name().is_none() || name.contains('\\') {
            return Err(reject(format!(
                "zip member {name:?} points outside the archive; nothing was unpacked"
            )));
        }
        if member.is_symlink() {
            return Err(reject(format!(
                "zip member {name:?} is a symbolic link; nothing was unpacked"
            )));
        }
        let (size, packed) = (member.size(), member.compressed_size());
        total = total.saturating_add(size);
        if total > limits.max_unpacked_bytes {
            return Err(LoadError::TooLarge {
                input: input.to_owned(),
                message: format!(
                    "the zip unpacks to more than {} bytes (the server's limit); nothing was unpacked",
                    limits.max_unpacked_bytes
                ),
            });
        }
        if size > RATIO_FLOOR_BYTES && size / packed.max(1) > limits.max_ratio {
            return Err(LoadError::TooLarge {
                input: input.to_owned(),
                message: format!(
                    "zip member {name:?} unpacks {}-fold ({packed} to {size} bytes), past the limit of {}: a zip bomb is refused",
                    size / packed.max(1),
                    limits.max_ratio
                ),
            });
        }
        if !member.is_dir() {
            names.push(name);
        }
    }
    Ok(names)
}
