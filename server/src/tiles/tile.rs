//! A rendered tile, kept compressed: gzip and brotli are made once when the tile is rendered,
//! so no response compresses anything, and each encoding has its own stable `ETag` derived
//! from the uncompressed bytes alone (the same on every replica and after every restart).

use std::io::Write;

use bytes::Bytes;

/// A content coding a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Uncompressed.
    Identity,
    /// `gzip`.
    Gzip,
    /// `br`.
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` value, `None` for identity.
    #[must_use]
    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }

    /// The best coding `accept` (an `Accept-Encoding` value) allows: brotli, then gzip, then
    /// identity. A coding with `q=0` is refused.
    #[must_use]
    pub fn negotiate(accept: Option<&str>) -> Self {
        let accepts = |name: &str| accepts_coding(accept, name);
        if accepts("br") {
            Self::Brotli
        } else if accepts("gzip") {
            Self::Gzip
        } else {
            Self::Identity
        }
    }
}

/// Whether an `Accept-Encoding` value takes content coding `name` (by name or `*`, with a
/// weight above zero).
#[must_use]
pub fn accepts_coding(accept: Option<&str>, name: &str) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let q_zero = parts.any(|p| {
                p.replace(' ', "")
                    .strip_prefix("q=")
                    .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            (coding.eq_ignore_ascii_case(name) || coding == "*") && !q_zero
        })
    })
}

/// Brotli's window for `len` bytes of input: the smallest power of two holding it, within
/// brotli's 16–22 bits.
fn window_bits(len: usize) -> i32 {
    let bits = usize::BITS - len.max(1).leading_zeros();
    i32::try_from(bits.clamp(16, 22)).unwrap_or(22)
}

/// The bytes without the spare capacity of the buffer they were written into, which the
/// cache would otherwise keep (and not weigh).
fn exact(mut v: Vec<u8>) -> Bytes {
    v.shrink_to_fit();
    Bytes::from(v)
}

/// One tile in every encoding.
#[derive(Debug, Clone)]
pub struct Tile {
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    hash: u64,
}

impl Tile {
    /// Wraps rendered MVT bytes and compresses them.
    #[must_use]
    pub fn new(data: Bytes) -> Self {
        let hash = xxhash_rust::xxh3::xxh3_64(&data);
        if data.is_empty() {
            return Self {
                identity: data.clone(),
                gzip: data.clone(),
                brotli: data,
                hash,
            };
        }
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(data.len() / 2),
            flate2::Compression::new(6),
        );
        // Writing to a Vec cannot fail.
        let gzip = gz
            .write_all(&data)
            .and_then(|()| gz.finish())
            .unwrap_or_default();
        let mut brotli = Vec::with_capacity(data.len() / 2);
        // A window no larger than the tile: brotli's ring buffer and hash tables are sized
        // by it, and a 4 MiB window for a 10 KB tile is megabytes allocated and freed per
        // render, which fragments the heap under the long-lived cache entries.
        let params = brotli::enc::BrotliEncoderParams {
            quality: 5,
            lgwin: window_bits(data.len()),
            size_hint: data.len(),
            ..Default::default()
        };
        let brotli = brotli::BrotliCompress(&mut &data[..], &mut brotli, &params)
            .map(|_| brotli)
            .unwrap_or_default();
        Self {
            identity: data,
            gzip: exact(gzip),
            brotli: exact(brotli),
            hash,
        }
    }

    /// A tile as L2 keeps it: gzip and brotli bytes; the uncompressed bytes are unzipped
    /// from the gzip (far cheaper than compressing again).
    ///
    /// # Errors
    /// When `gzip` is not a valid gzip stream.
    pub fn from_stored(gzip: Bytes, brotli: Bytes) -> std::io::Result<Self> {
        let mut identity = Vec::with_capacity(gzip.len() * 4);
        if !gzip.is_empty() {
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(&gzip[..]),
                &mut identity,
            )?;
        }
        let identity = Bytes::from(identity);
        Ok(Self {
            hash: xxhash_rust::xxh3::xxh3_64(&identity),
            identity,
            gzip,
            brotli,
        })
    }

    /// Whether no feature touches the tile.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
    }

    /// The body in `encoding`.
    #[must_use]
    pub fn body(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => self.identity.clone(),
            Encoding::Gzip => self.gzip.clone(),
            Encoding::Brotli => self.brotli.clone(),
        }
    }

    /// The uncompressed size.
    #[must_use]
    pub fn len(&self) -> usize {
        self.identity.len()
    }

    /// Bytes held in memory, for the cache's weigher.
    #[must_use]
    pub fn weight(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.brotli.len()
    }

    /// The strong `ETag` of the tile in `encoding` (each representation its own tag).
    #[must_use]
    pub fn etag(&self, encoding: Encoding) -> String {
        match encoding.header() {
            None => format!("\"{:016x}\"", self.hash),
            Some(coding) => format!("\"{:016x}-{coding}\"", self.hash),
        }
    }

    /// Whether an `If-None-Match` value names this tile in `encoding` (a weak comparison, as
    /// RFC 9110 asks for `If-None-Match`). The gzip bytes are not the brotli bytes: a client
    /// holding one encoding must not be told it holds the other.
    #[must_use]
    pub fn matches(&self, if_none_match: &str, encoding: Encoding) -> bool {
        let etag = self.etag(encoding);
        if_none_match.split(',').any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_then_gzip_and_q_zero_refuses() {
        assert_eq!(
            Encoding::negotiate(Some("gzip, deflate, br")),
            Encoding::Brotli
        );
        assert_eq!(
            Encoding::negotiate(Some("gzip;q=1.0, br;q=0")),
            Encoding::Gzip
        );
        assert_eq!(Encoding::negotiate(Some("identity")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("*")), Encoding::Brotli);
    }

    #[test]
    fn every_encoding_has_its_own_tag_and_matches_only_its_own_encoding() {
        let tile = Tile::new(Bytes::from_static(b"\x1a\x02hi"));
        let encodings = [Encoding::Identity, Encoding::Gzip, Encoding::Brotli];
        let tags: Vec<String> = encodings.map(|e| tile.etag(e)).to_vec();
        assert_eq!(
            tags.iter().collect::<std::collections::HashSet<_>>().len(),
            3
        );
        for (tag, encoding) in tags.iter().zip(encodings) {
            assert!(tile.matches(tag, encoding));
        }
        assert!(tile.matches(&format!("W/{}", tags[1]), Encoding::Gzip));
        assert!(
            !tile.matches(&tags[1], Encoding::Brotli),
            "a gzip tag on a brotli request"
        );
        assert!(!tile.matches("\"0000000000000000\"", Encoding::Identity));
    }
}
