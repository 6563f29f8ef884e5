//! A grid of one-degree cells holding records by where their case happened, each cell sorted
//! by year of birth, so that a lookup walks outwards ring by ring and reads only the records
//! whose birth fits. Each entry carries the record's [`Summary`], so a lookup can estimate
//! candidates as it reads them, without touching their profiles.

use rustc_hash::FxHashMap;

use crate::names::hash_str;
use crate::profile::{Geo, Profile, Span, Summary};

/// One record in a cell.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Middle of the birth interval (decimal year); NaN when unknown (sorted last).
    birth: f32,
    id: u32,
    /// 0 unknown, 1 male, 2 female.
    sex: u8,
    summary: Summary,
}

/// 0 unknown, 1 male, 2 female (the geo grid's and the time lists' split by sex).
pub(super) fn sex_code(p: &Profile) -> u8 {
    match p.sex {
        Some(homeward_schemas::Sex::Male) => 1,
        Some(homeward_schemas::Sex::Female) => 2,
        _ => 0,
    }
}

type Cell = (i16, i16);

/// Rings of cells walked around a point before switching to the list of populated cells.
const RINGS: i32 = 6;

fn cell_of(g: &Geo) -> Cell {
    let lat = g.lat.clamp(-89.999, 89.999).floor() as i16;
    let lon = (g.lon.clamp(-180.0, 179.999).floor() as i16).rem_euclid(360);
    (lat, lon)
}

/// Where a lookup stops.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    /// Enough candidates once this many passed the filters...
    pub enough: usize,
    /// ...and every record this close has been read (km).
    pub min_km: f32,
    /// Never read further than this (km).
    pub max_km: f32,
}

/// Records by place.
#[derive(Debug, Default, Clone)]
pub struct GeoIndex {
    /// Per cell, the records by sex (unknown, male, female), each sorted by birth.
    cells: FxHashMap<Cell, [Vec<Entry>; 3]>,
    /// The populated cells with their centres, for reading far out.
    populated: Vec<(Cell, f32, f32)>,
    /// Records without coordinates, by region (or country when no region).
    regions: FxHashMap<u64, Vec<(u32, Summary)>>,
}

fn area_key(p: &Profile) -> Option<u64> {
    p.place
        .region
        .as_deref()
        .map(hash_str)
        .or_else(|| p.place.country.map(|c| u64::from(u16::from_be_bytes(c))))
}

impl GeoIndex {
    /// An index of many records at once (sorted in parallel).
    pub fn bulk<'a>(
        records: impl rayon::iter::ParallelIterator<Item = (u32, &'a Profile)>,
    ) -> Self {
        use rayon::prelude::*;
        type Unplaced = (u64, (u32, Summary));
        let (mut placed, unplaced): (Vec<(Cell, Entry)>, Vec<Unplaced>) = records
            .filter_map(|(id, p)| match p.place.geo {
                Some(g) => Some(rayon::iter::Either::Left((
                    cell_of(&g),
                    Entry {
                        birth: p.birth_mid().unwrap_or(f32::NAN),
                        id,
                        sex: sex_code(p),
                        summary: p.summary(),
                    },
                ))),
                None => area_key(p).map(|k| rayon::iter::Either::Right((k, (id, p.summary())))),
            })
            .partition_map(|x| x);
        placed.par_sort_unstable_by(|(c1, e1), (c2, e2)| {
            c1.cmp(c2)
                .then(e1.sex.cmp(&e2.sex))
                .then(e1.birth.total_cmp(&e2.birth))
                .then(e1.id.cmp(&e2.id))
        });
        let mut index = GeoIndex::default();
        for (c, e) in placed {
            let lists = index.cells.entry(c).or_insert_with(|| {
                let lon = if c.1 >= 180 { c.1 - 360 } else { c.1 };
                index
                    .populated
                    .push((c, f32::from(c.0) + 0.5, f32::from(lon) + 0.5));
                Default::default()
            });
            lists[usize::from(e.sex)].push(e);
        }
        for (k, x) in unplaced {
            index.regions.entry(k).or_default().push(x);
        }
        index
    }

    pub fn insert(&mut self, id: u32, p: &Profile) {
        match p.place.geo {
            Some(g) => {
                let e = Entry {
                    birth: p.birth_mid().unwrap_or(f32::NAN),
                    id,
                    sex: sex_code(p),
                    summary: p.summary(),
                };
                let c = cell_of(&g);
                let lists = self.cells.entry(c).or_default();
                if lists.iter().all(Vec::is_empty) {
                    let lon = if c.1 >= 180 { c.1 - 360 } else { c.1 };
                    self.populated
                        .push((c, f32::from(c.0) + 0.5, f32::from(lon) + 0.5));
                }
                let v = &mut lists[usize::from(e.sex)];
                let at = v.partition_point(|x| x.birth.total_cmp(&e.birth).is_lt());
                v.insert(at, e);
            }
            None => {
                if let Some(k) = area_key(p) {
                    self.regions.entry(k).or_default().push((id, p.summary()));
                }
            }
        }
    }

    pub fn remove(&mut self, id: u32, p: &Profile) {
        match p.place.geo {
            Some(g) => {
                let c = cell_of(&g);
                if let Some(lists) = self.cells.get_mut(&c) {
                    lists[usize::from(sex_code(p))].retain(|e| e.id != id);
                    if lists.iter().all(Vec::is_empty) {
                        self.cells.remove(&c);
                        self.populated.retain(|x| x.0 != c);
                    }
                }
            }
            None => {
                if let Some(k) = area_key(p)
                    && let Some(v) = self.regions.get_mut(&k)
                {
                    v.retain(|x| x.0 != id);
                    if v.is_empty() {
                        self.regions.remove(&k);
                    }
                }
            }
        }
    }

    /// Visits the records near `p` whose birth falls in `birth` widened by `slack` years (or
    /// is unknown) and whose sex does not conflict, nearest first, until `reach` says stop.
    /// Each record is visited once.
    pub fn near(
        &self,
        p: &Profile,
        birth: Option<Span>,
        slack: f32,
        reach: Reach,
        mut visit: impl FnMut(u32, &Summary),
    ) {
        let sex = sex_code(p);
        let (lo, hi) = match birth {
            Some(b) => (b.lo - slack, b.hi + slack),
            None => (f32::NEG_INFINITY, f32::INFINITY),
        };
        let mut take = |lists: &[Vec<Entry>; 3]| -> usize {
            let mut n = 0;
            for (k, v) in lists.iter().enumerate() {
                // the other sex is never read
                if sex != 0 && k != 0 && k != usize::from(sex) {
                    continue;
                }
                let start = v.partition_point(|e| e.birth < lo);
                for e in &v[start..] {
                    if e.birth.is_nan() || e.birth > hi {
                        break;
                    }
                    visit(e.id, &e.summary);
                    n += 1;
                }
                // unknown births sit at the end
                let unknown = v.partition_point(|e| !e.birth.is_nan());
                for e in &v[unknown..] {
                    visit(e.id, &e.summary);
                    n += 1;
                }
            }
            n
        };
        let Some(g) = p.place.geo else {
            // no coordinates: the records of the region (or country) filed without them
            if let Some(k) = area_key(p)
                && let Some(v) = self.regions.get(&k)
            {
                for (id, s) in v {
                    visit(*id, s);
                }
            }
            return;
        };
        let (clat, clon) = cell_of(&g);
        let lat_km = 111.0f32;
        let lon_km = (111.32 * g.lat.abs().min(89.0).to_radians().cos()).max(5.0);
        let cell_km = lat_km.min(lon_km);
        let max_ring = ((reach.max_km / cell_km).ceil() as i32 + 1).min(180);
        let mut found = 0usize;
        // rings of cells around the point, nearest first
        let mut r = 0;
        while r <= max_ring.min(RINGS) {
            let ring_min_km = (r - 1).max(0) as f32 * cell_km;
            if r > 0 && ring_min_km > reach.max_km {
                break;
            }
            if r > 0 && found >= reach.enough && ring_min_km > reach.min_km {
                break;
            }
            for dlat in -r..=r {
                let lat = i32::from(clat) + dlat;
                if !(-90..90).contains(&lat) {
                    continue;
                }
                // rows at the ring's edge take every column, inner rows only the two ends
                let edge = dlat.abs() == r;
                let mut dlon = -r;
                while dlon <= r {
                    let lon = (i32::from(clon) + dlon).rem_euclid(360);
                    if let Some(v) = self.cells.get(&(lat as i16, lon as i16)) {
                        found += take(v);
                    }
                    dlon += if edge || dlon == r { 1 } else { 2 * r };
                }
            }
            r += 1;
        }
        if r <= max_ring && !(found >= reach.enough && (r - 1) as f32 * cell_km > reach.min_km) {
            // beyond the rings: the populated cells further out, nearest first (cheaper than
            // walking empty ocean and tundra ring by ring)
            let cos_lat = g.lat.to_radians().cos().max(0.05);
            let mut far: Vec<(f32, Cell)> = Vec::new();
            for &(c, la, lo) in &self.populated {
                let dlat = (i32::from(c.0) - i32::from(clat)).abs();
                let d = (i32::from(c.1) - i32::from(clon)).rem_euclid(360);
                if dlat.max(d.min(360 - d)) < r {
                    continue; // read as a ring already
                }
                // equirectangular at the query's latitude; the nearest point of a cell is
                // within ~80 km of its centre
                let mut dlon = (lo - g.lon).abs();
                if dlon > 180.0 {
                    dlon = 360.0 - dlon;
                }
                let dx = dlon * cos_lat;
                let dy = la - g.lat;
                let km = (111.19 * (dx * dx + dy * dy).sqrt() - 80.0).max(0.0);
                if km <= reach.max_km {
                    far.push((km, c));
                }
            }
            // nearest first; usually only a few are read, so the nearest few are picked
            // first and the rest sorted only when needed
            let order = |a: &(f32, Cell), b: &(f32, Cell)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            let few = far.len().min(16);
            if few < far.len() {
                far.select_nth_unstable_by(few - 1, order);
            }
            far[..few].sort_unstable_by(order);
            let mut sorted = few == far.len();
            let mut i = 0;
            while i < far.len() {
                if i == few && !sorted {
                    far[few..].sort_unstable_by(order);
                    sorted = true;
                }
                let (d, c) = far[i];
                if found >= reach.enough && d > reach.min_km {
                    break;
                }
                if let Some(v) = self.cells.get(&c) {
                    found += take(v);
                }
                i += 1;
            }
        }
        // records of the same region filed without coordinates
        if let Some(k) = area_key(p)
            && let Some(v) = self.regions.get(&k)
        {
            for (id, s) in v {
                visit(*id, s);
            }
        }
    }
}
