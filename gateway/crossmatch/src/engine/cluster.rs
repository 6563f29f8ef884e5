//! Same-person clusters: links taken strongest first, merging two clusters only when the
//! result keeps at most one record per source and joins no pair an investigator excluded.

use rustc_hash::{FxHashMap, FxHashSet};

/// A scored link between two slots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub score: f32,
    /// Confirmed by an investigator: taken first, whatever its score.
    pub confirmed: bool,
}

struct Sets {
    parent: FxHashMap<u32, u32>,
    /// For each root: its members' sources.
    sources: FxHashMap<u32, Vec<u64>>,
    members: FxHashMap<u32, Vec<u32>>,
}

impl Sets {
    fn find(&mut self, x: u32) -> u32 {
        let mut r = x;
        while let Some(&p) = self.parent.get(&r) {
            if p == r {
                break;
            }
            r = p;
        }
        // path compression
        let mut y = x;
        while let Some(&p) = self.parent.get(&y) {
            if p == r {
                break;
            }
            self.parent.insert(y, r);
            y = p;
        }
        r
    }

    fn ensure(&mut self, x: u32, source: u64) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.parent.entry(x) {
            e.insert(x);
            self.sources.insert(x, vec![source]);
            self.members.insert(x, vec![x]);
        }
    }
}

/// Clusters `links` over records whose source is given by `source`; `cannot` holds pairs
/// (smaller slot first) that must stay apart. Returns the clusters of two or more records
/// (slots sorted, clusters in order of their smallest slot) and the links kept (both ends in
/// one cluster).
pub fn cluster(
    links: &[Link],
    source: impl Fn(u32) -> u64,
    cannot: &FxHashSet<(u32, u32)>,
) -> (Vec<Vec<u32>>, Vec<Link>) {
    let mut order: Vec<&Link> = links.iter().collect();
    order.sort_by(|x, y| {
        y.confirmed
            .cmp(&x.confirmed)
            .then(y.score.total_cmp(&x.score))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut s = Sets {
        parent: FxHashMap::default(),
        sources: FxHashMap::default(),
        members: FxHashMap::default(),
    };
    for l in &order {
        s.ensure(l.a, source(l.a));
        s.ensure(l.b, source(l.b));
        let (ra, rb) = (s.find(l.a), s.find(l.b));
        if ra == rb {
            continue;
        }
        let sa = s.sources.get(&ra).cloned().unwrap_or_default();
        let sb = s.sources.get(&rb).cloned().unwrap_or_default();
        if !l.confirmed && sa.iter().any(|x| sb.contains(x)) {
            continue;
        }
        let ma = s.members.get(&ra).cloned().unwrap_or_default();
        let mb = s.members.get(&rb).cloned().unwrap_or_default();
        let excluded = ma.iter().any(|x| {
            mb.iter()
                .any(|y| cannot.contains(&((*x).min(*y), (*x).max(*y))))
        });
        if excluded {
            continue;
        }
        // union: the larger set's root stays
        let (root, child) = if ma.len() >= mb.len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        s.parent.insert(child, root);
        let mut src = sa;
        src.extend(sb);
        let mut mem = ma;
        mem.extend(mb);
        s.sources.remove(&child);
        s.members.remove(&child);
        s.sources.insert(root, src);
        s.members.insert(root, mem);
    }
    let mut clusters: Vec<Vec<u32>> = s
        .members
        .values()
        .filter(|m| m.len() > 1)
        .map(|m| {
            let mut m = m.clone();
            m.sort_unstable();
            m
        })
        .collect();
    clusters.sort_by_key(|c| c.first().copied());
    let kept = links
        .iter()
        .filter(|l| s.find(l.a) == s.find(l.b))
        .copied()
        .collect();
    (clusters, kept)
}
