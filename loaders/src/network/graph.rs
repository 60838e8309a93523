//! The graph: nodes where link ends meet (to the centimetre, so the parts of a network loaded
//! per län join at their shared end points), and each link as two directed edges with a
//! travel time per profile. Stored as compressed adjacency of the *reversed* edges: a search
//! from the services outward over them finds each node's time *to* its nearest service, the
//! direction a resident travels (forward and backward limits may differ).

use std::collections::HashMap;

use super::speed::{Profile, SpeedModel};

/// A node's number.
pub type NodeId = u32;

/// One link of the network, in a metric CRS (SWEREF 99 TM).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// First vertex.
    pub start: [f64; 2],
    /// Last vertex.
    pub end: [f64; 2],
    /// Length along the link, metres.
    pub length_m: f64,
    /// Functional class 0–9.
    pub class: Option<i64>,
    /// Posted limit travelling from `start` to `end`, km/h.
    pub limit_forward: Option<i64>,
    /// Posted limit travelling from `end` to `start`, km/h.
    pub limit_backward: Option<i64>,
}

/// Side of the squares nodes are indexed by for [`Graph::nearest_nodes`], metres.
const CELL_M: f64 = 1000.0;

/// A routable network.
#[derive(Debug, Default)]
pub struct Graph {
    positions: Vec<[f64; 2]>,
    by_key: HashMap<(i64, i64), NodeId>,
    cells: HashMap<(i64, i64), Vec<NodeId>>,
    /// Reversed edges of node `n`: `offsets[n]..offsets[n + 1]` in `from` and `seconds`.
    offsets: Vec<u32>,
    from: Vec<NodeId>,
    /// Seconds per reversed edge, per profile ([`Profile::index`]); infinite when closed.
    seconds: [Vec<f32>; 2],
}

fn key([x, y]: [f64; 2]) -> (i64, i64) {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "SWEREF 99 TM metres × 100 fit i64"
    )]
    ((x * 100.0).round() as i64, (y * 100.0).round() as i64)
}

fn cell([x, y]: [f64; 2]) -> (i64, i64) {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "SWEREF 99 TM kilometres fit i64"
    )]
    ((x / CELL_M).floor() as i64, (y / CELL_M).floor() as i64)
}

impl Graph {
    /// The graph of `links` with travel times by `model`.
    #[must_use]
    pub fn build(links: impl IntoIterator<Item = Link>, model: &SpeedModel) -> Self {
        let mut g = Self::default();
        // (to, from, car, walk): an edge from → to, stored under `to`.
        let mut edges: Vec<(NodeId, NodeId, f32, f32)> = Vec::new();
        for link in links {
            let (a, b) = (g.node(link.start), g.node(link.end));
            if a == b {
                continue;
            }
            for (from, to, limit) in [(a, b, link.limit_forward), (b, a, link.limit_backward)] {
                let time = |p| {
                    #[expect(clippy::cast_possible_truncation, reason = "seconds fit f32")]
                    model
                        .seconds(p, link.length_m, limit, link.class)
                        .map_or(f32::INFINITY, |s| s as f32)
                };
                edges.push((to, from, time(Profile::Car), time(Profile::Walk)));
            }
        }
        edges.sort_unstable_by_key(|e| (e.0, e.1));
        let n = g.positions.len();
        g.offsets = vec![0; n + 1];
        for e in &edges {
            g.offsets[e.0 as usize + 1] += 1;
        }
        for i in 0..n {
            g.offsets[i + 1] += g.offsets[i];
        }
        g.from = edges.iter().map(|e| e.1).collect();
        g.seconds = [
            edges.iter().map(|e| e.2).collect(),
            edges.iter().map(|e| e.3).collect(),
        ];
        g
    }

    fn node(&mut self, at: [f64; 2]) -> NodeId {
        let next = NodeId::try_from(self.positions.len()).unwrap_or(NodeId::MAX);
        let id = *self.by_key.entry(key(at)).or_insert(next);
        if id == next {
            self.positions.push(at);
            self.cells.entry(cell(at)).or_default().push(id);
        }
        id
    }

    /// How many nodes there are.
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.positions.len()
    }

    /// The node at `at` (to the centimetre), if a link ends there.
    #[must_use]
    pub fn node_at(&self, at: [f64; 2]) -> Option<NodeId> {
        self.by_key.get(&key(at)).copied()
    }

    /// The node nearest `at` within `max_m`, and its distance: where a service or a home
    /// joins the network. `None` when no road comes that close.
    #[must_use]
    pub fn nearest_node(&self, at: [f64; 2], max_m: f64) -> Option<(NodeId, f64)> {
        self.nearest_nodes(at, max_m, 1).into_iter().next()
    }

    /// The `k` nodes nearest `at` within `max_m`, nearest first, with their distances: a home
    /// or a service joins the network at any of them (the nearest may lie on a stub or a
    /// piece of road joined to nothing else, and the next one on the road that leads on).
    #[must_use]
    pub fn nearest_nodes(&self, at: [f64; 2], max_m: f64, k: usize) -> Vec<(NodeId, f64)> {
        let (cx, cy) = cell(at);
        #[expect(clippy::cast_possible_truncation, reason = "a few cells")]
        let reach = (max_m / CELL_M).ceil() as i64;
        let mut found: Vec<(NodeId, f64)> = Vec::new();
        for dx in -reach..=reach {
            for dy in -reach..=reach {
                for &n in self.cells.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                    let [x, y] = self.positions[n as usize];
                    let d = (x - at[0]).hypot(y - at[1]);
                    if d <= max_m {
                        found.push((n, d));
                    }
                }
            }
        }
        found.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        found.truncate(k);
        found
    }

    /// The edges arriving at `n`, reversed: `(the node it leaves, seconds)` by `profile`.
    pub(super) fn arriving(
        &self,
        n: NodeId,
        profile: Profile,
    ) -> impl Iterator<Item = (NodeId, f32)> + '_ {
        let range = self.offsets[n as usize] as usize..self.offsets[n as usize + 1] as usize;
        let seconds = &self.seconds[profile.index()];
        range.map(move |i| (self.from[i], seconds[i]))
    }
}
