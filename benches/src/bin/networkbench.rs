//! The in-process multi-source pass at national scale, on a generated network: a square
//! grid of roads (`SIDE`² nodes, about 2·`SIDE`² links, 250 m apart, in SWEREF 99 TM
//! around Sweden's middle), limits and classes varying by row, and `SERVICES` services
//! spread evenly. Prints the time to build the graph and to run one pass per profile, and
//! how many nodes a 10-minute limit reaches. Issue 17's goal: a pass over a million links
//! within 5 minutes on this machine; pgRouting's comparison is still to be run.
//!
//!   cargo run --release -p rummet-benches --bin networkbench -- [SIDE] [SERVICES]

use std::time::Instant;

use rummet_loaders::network::{Graph, Link, Profile, Source, SpeedModel, nearest};

fn main() {
    let mut args = std::env::args().skip(1);
    let side: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(710);
    let services: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let step = 250.0;
    let (x0, y0) = (400_000.0, 6_500_000.0);
    let at = |i: u32, j: u32| [x0 + f64::from(i) * step, y0 + f64::from(j) * step];
    let started = Instant::now();
    let mut links = Vec::new();
    for i in 0..side {
        for j in 0..side {
            let class = i64::from(j % 10);
            let limit = [30, 40, 50, 60, 70, 80, 90, 100, 110, 50][(i % 10) as usize];
            for (di, dj) in [(1, 0), (0, 1)] {
                if i + di < side && j + dj < side {
                    links.push(Link {
                        start: at(i, j),
                        end: at(i + di, j + dj),
                        length_m: step,
                        class: Some(class),
                        limit_forward: Some(limit),
                        limit_backward: Some(limit),
                    });
                }
            }
        }
    }
    let link_count = links.len();
    let graph = Graph::build(links, &SpeedModel::default());
    let built = started.elapsed();
    println!(
        "graph: {} nodes, {link_count} links, built in {:.2} s",
        graph.node_count(),
        built.as_secs_f64()
    );
    // Services on a lattice of about `services` points over the whole grid.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "small counts"
    )]
    let per_side = (f64::from(services).sqrt().round() as u32).max(1);
    let gap = (side / per_side).max(1);
    let sources: Vec<Source> = (0..per_side)
        .flat_map(|a| (0..per_side).map(move |b| (a * gap + gap / 2, b * gap + gap / 2)))
        .filter(|(i, j)| *i < side && *j < side)
        .filter_map(|(i, j)| graph.node_at(at(i, j)))
        .map(|node| Source { node, seconds: 0.0 })
        .collect();
    let reached = |times: &[f32]| times.iter().filter(|t| t.is_finite()).count();
    for profile in Profile::ALL {
        let started = Instant::now();
        let times = nearest(&graph, profile, &sources, None);
        let took = started.elapsed();
        let within = times.iter().filter(|t| **t <= 600.0).count();
        println!(
            "{profile:?}: {} sources, pass in {:.3} s, {} of {} nodes reached, {within} within 10 min",
            sources.len(),
            took.as_secs_f64(),
            reached(&times),
            times.len()
        );
    }
}
