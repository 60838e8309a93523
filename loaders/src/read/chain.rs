//! A dataset published as several files in one zip, read one after the other as one stream,
//! numbered on from one file to the next.

use super::{Feature, FeatureReader, Input, Notes};
use crate::catalog::CatalogEntry;
use crate::{LoadError, Result};

pub(super) struct Chain {
    readers: Vec<Box<dyn FeatureReader>>,
    srid: Option<i32>,
    notes: Notes,
}

impl Chain {
    pub(super) fn open(entry: &CatalogEntry, input: &Input) -> Result<Self> {
        let mut readers = Vec::with_capacity(entry.source.members.len());
        for member in &entry.source.members {
            let mut one = entry.clone();
            one.source.members = Vec::new();
            one.source.member = Some(member.clone());
            readers.push(super::open(&one, input)?);
        }
        let srids: Vec<Option<i32>> = readers.iter().map(|r| r.declared_srid()).collect();
        if srids.windows(2).any(|w| w[0] != w[1]) {
            return Err(LoadError::Rejected {
                input: input.name(),
                message: format!(
                    "the files of {} declare different CRSs: {srids:?}",
                    entry.id
                ),
            });
        }
        // Each file's warnings as it was opened (an optional field one of them lacks).
        let notes = Notes::default();
        for note in readers.iter().flat_map(|r| r.notes().take()) {
            notes.push(note);
        }
        Ok(Self {
            srid: srids.first().copied().flatten(),
            readers,
            notes,
        })
    }
}

impl FeatureReader for Chain {
    fn declared_srid(&self) -> Option<i32> {
        self.srid
    }

    fn feature_count(&self) -> Option<u64> {
        self.readers.iter().map(|r| r.feature_count()).sum()
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        let mut offset = 0;
        for reader in self.readers {
            let mut last = 0;
            let mut going = true;
            reader.read_all(&mut |feature| {
                let failed = feature.is_err();
                let feature = feature.map(|mut f| {
                    last = f.number;
                    f.number += offset;
                    f
                });
                going = emit(feature) && !failed;
                going
            });
            if !going {
                return;
            }
            offset += last;
        }
    }
}
