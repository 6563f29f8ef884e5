//! RFC 9162 Merkle tree over entry hashes: roots and inclusion proofs.

use serde::{Deserialize, Serialize};

use crate::codec::sha256_parts;

/// The leaf hash of an entry hash: SHA-256(0x00 ‖ entry hash).
pub fn leaf_hash(entry_hash: &[u8; 32]) -> [u8; 32] {
    sha256_parts(&[&[0u8], entry_hash])
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    sha256_parts(&[&[1u8], left, right])
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn root_of(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256_parts(&[]),
        1 => leaves[0],
        n => {
            let k = split(n);
            node(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// The Merkle root of the entries whose hashes are `entry_hashes`.
pub fn root(entry_hashes: &[[u8; 32]]) -> [u8; 32] {
    let leaves: Vec<[u8; 32]> = entry_hashes.iter().map(leaf_hash).collect();
    root_of(&leaves)
}

fn path_of(m: usize, leaves: &[[u8; 32]], out: &mut Vec<[u8; 32]>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path_of(m, &leaves[..k], out);
        out.push(root_of(&leaves[k..]));
    } else {
        path_of(m - k, &leaves[k..], out);
        out.push(root_of(&leaves[..k]));
    }
}

/// A proof that entry `index` is in the tree of `size` entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    /// Sibling hashes from the leaf up, hex.
    pub path: Vec<String>,
}

/// The inclusion proof of entry `index` among `entry_hashes` (`None` if out of range).
pub fn inclusion_proof(entry_hashes: &[[u8; 32]], index: usize) -> Option<InclusionProof> {
    if index >= entry_hashes.len() {
        return None;
    }
    let leaves: Vec<[u8; 32]> = entry_hashes.iter().map(leaf_hash).collect();
    let mut path = Vec::new();
    path_of(index, &leaves, &mut path);
    Some(InclusionProof {
        index: index as u64,
        size: entry_hashes.len() as u64,
        path: path.iter().map(hex::encode).collect(),
    })
}

/// Whether `proof` shows the entry with hash `entry_hash` in the tree with `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(entry_hash: &[u8; 32], proof: &InclusionProof, root: &[u8; 32]) -> bool {
    if proof.index >= proof.size {
        return false;
    }
    let mut path = Vec::with_capacity(proof.path.len());
    for p in &proof.path {
        match hex::decode(p)
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
        {
            Some(h) => path.push(h),
            None => return false,
        }
    }
    let (mut f, mut s) = (proof.index, proof.size - 1);
    let mut r = leaf_hash(entry_hash);
    for p in &path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && &r == root
}
