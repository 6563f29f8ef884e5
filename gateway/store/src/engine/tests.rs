//! Conformance tests every engine passes.

use super::*;

fn engines(dir: &tempfile::TempDir) -> Vec<Box<dyn Engine>> {
    EngineKind::ALL
        .iter()
        .map(|k| k.open(&dir.path().join(k.file_name())).unwrap())
        .collect()
}

#[test]
fn get_apply_scan_sync() {
    let dir = tempfile::tempdir().unwrap();
    for e in engines(&dir) {
        assert_eq!(e.get(b"a/1").unwrap(), None, "{}", e.kind());
        let mut b = WriteBatch::new();
        for k in ["a/2", "a/1", "b/1", "a/3", "a"] {
            b.put(k, format!("v{k}"));
        }
        b.delete("a/3");
        e.apply(b).unwrap();
        e.sync().unwrap();
        assert_eq!(e.get(b"a/1").unwrap().as_deref(), Some(&b"va/1"[..]));
        assert_eq!(e.get(b"a/3").unwrap(), None);
        let keys: Vec<Vec<u8>> = e
            .scan_prefix(b"a/")
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(keys, vec![b"a/1".to_vec(), b"a/2".to_vec()], "{}", e.kind());
        let from2: Vec<Vec<u8>> = e
            .snapshot()
            .unwrap()
            .scan(b"a/", b"a/2")
            .unwrap()
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(from2, vec![b"a/2".to_vec()]);
        // a start outside the prefix means the whole prefix
        assert_eq!(e.snapshot().unwrap().scan(b"b/", b"").unwrap().count(), 1);
    }
}

#[test]
fn later_write_of_a_key_in_a_batch_wins() {
    let dir = tempfile::tempdir().unwrap();
    for e in engines(&dir) {
        let mut b = WriteBatch::new();
        b.put("k", "1");
        b.delete("k");
        b.put("k", "2");
        e.apply(b).unwrap();
        assert_eq!(
            e.get(b"k").unwrap().as_deref(),
            Some(&b"2"[..]),
            "{}",
            e.kind()
        );
    }
}

#[test]
fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    for k in EngineKind::ALL {
        let path = dir.path().join(k.file_name());
        {
            let e = k.open(&path).unwrap();
            let mut b = WriteBatch::new();
            b.put("x", "y");
            e.apply(b).unwrap();
            e.sync().unwrap();
        }
        let e = k.open(&path).unwrap();
        assert_eq!(e.get(b"x").unwrap().as_deref(), Some(&b"y"[..]), "{k}");
    }
}

#[test]
fn engine_names_parse() {
    for k in EngineKind::ALL {
        assert_eq!(k.as_str().parse::<EngineKind>().unwrap(), k);
    }
    assert!("rocks".parse::<EngineKind>().is_err());
}
