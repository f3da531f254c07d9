//! Standalone source offsets in a local file (`offset.storage.file.filename`).
//! The file is a JSON object from Kafka Connect's offset keys
//! (`["<connector>",{partition}]`) to offset values, rewritten crash-safely on every
//! commit: write a temp file, fsync it, rename it over the old one, fsync the dir.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::plugin::instance::OffsetReader;
use crate::worker::offsets::{OffsetStore, OffsetStoreError, normalize, offset_key};

/// Offsets kept in memory and persisted to one file.
pub struct FileOffsetStore {
    path: Option<PathBuf>,
    data: Mutex<BTreeMap<String, String>>,
}

impl FileOffsetStore {
    /// Opens (or starts) the offsets file. `None` keeps offsets in memory only.
    pub fn open(path: Option<PathBuf>) -> Result<Self, OffsetStoreError> {
        let mut data = BTreeMap::new();
        if let Some(path) = &path
            && path.exists()
        {
            let text = std::fs::read_to_string(path).map_err(|source| OffsetStoreError::Io {
                path: path.clone(),
                source,
            })?;
            if !text.trim().is_empty() {
                data = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&text)
                    .map_err(|e| OffsetStoreError::Json(format!("{}: {e}", path.display())))?
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string()))
                    .collect();
            }
        }
        Ok(Self {
            path,
            data: Mutex::new(data),
        })
    }

    fn persist(path: &Path, data: &BTreeMap<String, String>) -> Result<(), OffsetStoreError> {
        let io = |source| OffsetStoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut object = serde_json::Map::new();
        for (k, v) in data {
            let value =
                serde_json::from_str(v).map_err(|e| OffsetStoreError::Json(e.to_string()))?;
            object.insert(k.clone(), value);
        }
        let text = serde_json::to_vec_pretty(&serde_json::Value::Object(object))
            .map_err(|e| OffsetStoreError::Json(e.to_string()))?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&text).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(io)?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        crate::util::lock(&self.data)
    }
}

impl OffsetReader for FileOffsetStore {
    fn read_offsets(&self, connector: &str, partitions: &[String]) -> Vec<Option<String>> {
        let data = self.lock();
        crate::worker::offsets::lookup(&data, connector, partitions)
    }
}

impl OffsetStore for FileOffsetStore {
    fn commit(
        &self,
        connector: &str,
        offsets: &[(String, Option<String>)],
    ) -> Result<(), OffsetStoreError> {
        let mut data = self.lock();
        let mut next = data.clone();
        for (partition, offset) in offsets {
            let key = offset_key(connector, partition)?;
            match offset {
                Some(o) => next.insert(key, normalize(o)?),
                None => next.remove(&key),
            };
        }
        if let Some(path) = &self.path {
            Self::persist(path, &next)?;
        }
        *data = next;
        Ok(())
    }

    fn offsets_of(&self, connector: &str) -> Vec<(String, String)> {
        let data = self.lock();
        data.iter()
            .filter_map(|(k, v)| {
                let key: serde_json::Value = serde_json::from_str(k).ok()?;
                let items = key.as_array()?;
                if items.first()?.as_str()? != connector {
                    return None;
                }
                Some((items.get(1)?.to_string(), v.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("offsets.json");
        let store = FileOffsetStore::open(Some(path.clone())).expect("open");
        store
            .commit(
                "c",
                &[(
                    r#"{"filename":"/a"}"#.into(),
                    Some(r#"{"position":42}"#.into()),
                )],
            )
            .expect("commit");
        let reopened = FileOffsetStore::open(Some(path)).expect("reopen");
        let got = reopened.read_offsets(
            "c",
            &[
                r#"{ "filename": "/a" }"#.into(),
                r#"{"filename":"/b"}"#.into(),
            ],
        );
        assert_eq!(got, vec![Some(r#"{"position":42}"#.to_string()), None]);
        assert_eq!(
            reopened.offsets_of("c"),
            vec![(
                r#"{"filename":"/a"}"#.to_string(),
                r#"{"position":42}"#.to_string()
            )]
        );
    }
}
