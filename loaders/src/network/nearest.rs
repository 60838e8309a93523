//! Every node's travel time to its nearest service: one Dijkstra pass from all services at
//! once over the reversed edges, so a million-link network is one pass, not one per service.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::graph::{Graph, NodeId};
use super::speed::Profile;

/// A service where it joins the network: its node and the seconds from that node to the
/// service itself (the walk from the road to the door, say).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Source {
    /// The node.
    pub node: NodeId,
    /// Seconds from the node to the service.
    pub seconds: f32,
}

/// Seconds from every node of `graph` to the nearest of `sources` by `profile`; infinite
/// where none can be reached, or none within `limit` seconds (the search stops there).
#[must_use]
pub fn nearest(
    graph: &Graph,
    profile: Profile,
    sources: &[Source],
    limit: Option<f32>,
) -> Vec<f32> {
    let limit = limit.unwrap_or(f32::INFINITY);
    let mut best = vec![f32::INFINITY; graph.node_count()];
    // Costs are never negative, and non-negative floats order as their bits do: the heap
    // holds integers, with no float comparisons to get wrong.
    let mut heap = BinaryHeap::new();
    for s in sources {
        if (s.node as usize) < best.len() && s.seconds < best[s.node as usize] && s.seconds <= limit
        {
            best[s.node as usize] = s.seconds;
            heap.push(Reverse((s.seconds.to_bits(), s.node)));
        }
    }
    while let Some(Reverse((bits, n))) = heap.pop() {
        let here = f32::from_bits(bits);
        if here > best[n as usize] {
            continue;
        }
        for (m, edge) in graph.arriving(n, profile) {
            let there = here + edge;
            if there < best[m as usize] && there <= limit {
                best[m as usize] = there;
                heap.push(Reverse((there.to_bits(), m)));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::super::{Graph, Link, Profile, Source, SpeedModel, nearest};

    fn link(start: [f64; 2], end: [f64; 2], limits: (Option<i64>, Option<i64>)) -> Link {
        Link {
            start,
            end,
            length_m: (end[0] - start[0]).hypot(end[1] - start[1]),
            class: Some(5),
            limit_forward: limits.0,
            limit_backward: limits.1,
        }
    }

    /// A (0,0) — B (1000,0) — C (2000,0) at 50 km/h (80 s a link by car), and D (5000,0) on
    /// a link of its own to E: no road joins it to the rest.
    fn network() -> Graph {
        let fifty = (Some(50), Some(50));
        Graph::build(
            [
                link([0.0, 0.0], [1000.0, 0.0], fifty),
                link([1000.0, 0.0], [2000.0, 0.0], fifty),
                link([5000.0, 0.0], [6000.0, 0.0], fifty),
            ],
            &SpeedModel::default(),
        )
    }

    fn at(g: &Graph, xy: [f64; 2]) -> usize {
        g.node_at(xy).map_or(usize::MAX, |n| n as usize)
    }

    #[test]
    fn times_add_up_along_the_road_and_a_node_on_no_connected_road_is_never_reached() {
        let g = network();
        let service = Source {
            node: g.node_at([0.0, 0.0]).unwrap_or_default(),
            seconds: 0.0,
        };
        let t = nearest(&g, Profile::Car, &[service], None);
        assert!((t[at(&g, [1000.0, 0.0])] - 80.0).abs() < 1e-3);
        assert!((t[at(&g, [2000.0, 0.0])] - 160.0).abs() < 1e-3);
        assert!(t[at(&g, [5000.0, 0.0])].is_infinite());
    }

    #[test]
    fn a_node_exactly_at_the_limit_is_within_it_and_one_beyond_is_not() {
        let g = network();
        let service = Source {
            node: g.node_at([0.0, 0.0]).unwrap_or_default(),
            seconds: 0.0,
        };
        let t = nearest(&g, Profile::Car, &[service], Some(80.0));
        assert!(
            (t[at(&g, [1000.0, 0.0])] - 80.0).abs() < 1e-3,
            "at the limit: within"
        );
        assert!(
            t[at(&g, [2000.0, 0.0])].is_infinite(),
            "beyond the limit: not reached"
        );
    }

    #[test]
    fn each_node_takes_the_nearest_of_several_services_and_their_access_time() {
        let g = network();
        let sources = [
            Source {
                node: g.node_at([0.0, 0.0]).unwrap_or_default(),
                seconds: 0.0,
            },
            Source {
                node: g.node_at([2000.0, 0.0]).unwrap_or_default(),
                seconds: 30.0,
            },
        ];
        let t = nearest(&g, Profile::Car, &sources, None);
        assert!((t[at(&g, [1000.0, 0.0])] - 80.0).abs() < 1e-3);
        assert!(
            (t[at(&g, [2000.0, 0.0])] - 30.0).abs() < 1e-3,
            "its own service's door"
        );
    }

    #[test]
    fn parts_loaded_per_lan_join_where_their_links_share_an_end_so_a_service_across_the_border_counts()
     {
        // Län 06's link ends at the border point where län 08's begins (to the centimetre).
        let fifty = (Some(50), Some(50));
        let g = Graph::build(
            [
                link([0.0, 0.0], [1000.0, 0.0], fifty),
                link([1_000.000_4, 0.0], [2000.0, 0.0], fifty),
            ],
            &SpeedModel::default(),
        );
        assert_eq!(g.node_count(), 3);
        let across = Source {
            node: g.node_at([2000.0, 0.0]).unwrap_or_default(),
            seconds: 0.0,
        };
        let t = nearest(&g, Profile::Car, &[across], None);
        assert!((t[at(&g, [0.0, 0.0])] - 160.0).abs() < 1e-3);
    }

    #[test]
    fn the_time_to_a_service_takes_the_limit_in_the_direction_travelled() {
        // From A to B the limit is 90 (72 s at 81 km/h for 1620 m), from B to A 30.
        let g = Graph::build(
            [Link {
                length_m: 1620.0,
                ..link([0.0, 0.0], [1620.0, 0.0], (Some(90), Some(30)))
            }],
            &SpeedModel::default(),
        );
        let at_b = Source {
            node: g.node_at([1620.0, 0.0]).unwrap_or_default(),
            seconds: 0.0,
        };
        let t = nearest(&g, Profile::Car, &[at_b], None);
        assert!(
            (t[at(&g, [0.0, 0.0])] - 72.0).abs() < 1e-3,
            "A drives to B at 90"
        );
        let at_a = Source {
            node: g.node_at([0.0, 0.0]).unwrap_or_default(),
            seconds: 0.0,
        };
        let back = nearest(&g, Profile::Car, &[at_a], None);
        assert!(
            (back[at(&g, [1620.0, 0.0])] - 216.0).abs() < 1e-3,
            "B drives to A at 30"
        );
        let walk = nearest(&g, Profile::Walk, &[at_b], None);
        assert!(
            (walk[at(&g, [0.0, 0.0])] - 1166.4).abs() < 1e-2,
            "on foot, 5 km/h both ways"
        );
    }

    #[test]
    fn a_home_may_join_any_of_its_nearest_nodes_within_reach_nearest_first() {
        let g = network();
        let near = g.nearest_nodes([900.0, 0.0], 1500.0, 4);
        let nodes: Vec<Option<u32>> = near.iter().map(|(n, _)| Some(*n)).collect();
        assert_eq!(
            nodes,
            [
                g.node_at([1000.0, 0.0]),
                g.node_at([0.0, 0.0]),
                g.node_at([2000.0, 0.0])
            ],
            "100 m, 900 m, 1100 m; the rest beyond reach"
        );
        assert_eq!(g.nearest_nodes([900.0, 0.0], 1500.0, 1).len(), 1);
    }

    #[test]
    fn a_home_far_from_every_road_joins_no_node() {
        let g = network();
        assert_eq!(g.nearest_node([3000.0, 4000.0], 2000.0), None);
        let (n, d) = g
            .nearest_node([1000.0, 300.0], 2000.0)
            .unwrap_or((u32::MAX, 0.0));
        assert_eq!(Some(n), g.node_at([1000.0, 0.0]));
        assert!((d - 300.0).abs() < 1e-9);
    }
}
