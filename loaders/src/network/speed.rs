//! The speed model: how long a link takes to travel, by profile.
//!
//! **Car**: the posted limit in the direction of travel (NVDB's `Hastighetsgräns`, forward
//! or backward), or where a link has none the default of its functional class
//! (`FunkVagklass` 0–9), times a driving factor (0.9 by default: junctions, bends and
//! traffic keep the mean below the limit). **Walk**: 5 km/h on every link, both ways.
//! Every number is a field of [`SpeedModel`], so a report can state the model it used.

use serde::{Deserialize, Serialize};

/// A way of travelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// By car, at the speed model's driving speeds.
    Car,
    /// On foot.
    Walk,
}

impl Profile {
    /// Both, in the order graphs store them.
    pub const ALL: [Self; 2] = [Self::Car, Self::Walk];

    /// The name in requests and tables.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Car => "car",
            Self::Walk => "walk",
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            Self::Car => 0,
            Self::Walk => 1,
        }
    }
}

/// The numbers travel times are made of.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeedModel {
    /// Car speed (km/h) on a link without a posted limit, by functional class 0–9 (0: the
    /// national trunk roads, 9: the least important); a link without a class takes class 9's.
    pub class_kmh: [f64; 10],
    /// Share of the posted (or default) speed driven on average.
    pub driving_factor: f64,
    /// Walking speed, km/h.
    pub walk_kmh: f64,
    /// Speed by car on the straight line between a home (a grid cell's centre) or a service
    /// and the network node nearest it, km/h: the drive along a local street or yard the
    /// network does not hold. On foot it is `walk_kmh`.
    pub connector_car_kmh: f64,
    /// How far a home or a service may lie from its nearest node and still join the network,
    /// metres (for grid cells at least the cell's side): farther away it has no road.
    pub max_snap_m: f64,
}

impl Default for SpeedModel {
    fn default() -> Self {
        Self {
            class_kmh: [90.0, 80.0, 70.0, 70.0, 60.0, 50.0, 50.0, 40.0, 30.0, 30.0],
            driving_factor: 0.9,
            walk_kmh: 5.0,
            connector_car_kmh: 30.0,
            max_snap_m: 1000.0,
        }
    }
}

impl SpeedModel {
    /// Seconds to travel `length_m` by `profile`, where the posted limit in that direction is
    /// `limit_kmh` and the link's class `class`; `None` when the link cannot be travelled
    /// that way (a posted limit of 0).
    #[must_use]
    pub fn seconds(
        &self,
        profile: Profile,
        length_m: f64,
        limit_kmh: Option<i64>,
        class: Option<i64>,
    ) -> Option<f64> {
        let kmh = match profile {
            Profile::Walk => self.walk_kmh,
            Profile::Car => {
                let default = usize::try_from(class.unwrap_or(9))
                    .ok()
                    .and_then(|c| self.class_kmh.get(c))
                    .copied()
                    .unwrap_or(self.class_kmh[9]);
                #[expect(clippy::cast_precision_loss, reason = "speed limits are small")]
                let posted = limit_kmh.map(|l| l as f64);
                posted.unwrap_or(default) * self.driving_factor
            }
        };
        (kmh > 0.0).then(|| length_m / (kmh / 3.6))
    }

    /// Seconds along the straight line of `distance_m` between a home or a service and its
    /// node, by `profile`.
    #[must_use]
    pub fn connector_seconds(&self, profile: Profile, distance_m: f64) -> f64 {
        let kmh = match profile {
            Profile::Car => self.connector_car_kmh,
            Profile::Walk => self.walk_kmh,
        };
        if kmh > 0.0 {
            distance_m / (kmh / 3.6)
        } else {
            f64::INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kilometre_at_a_50_limit_takes_80_seconds_by_car_and_12_minutes_on_foot() {
        let m = SpeedModel::default();
        let car = m.seconds(Profile::Car, 1000.0, Some(50), Some(5));
        assert!((car.unwrap_or_default() - 80.0).abs() < 1e-9, "{car:?}");
        let walk = m.seconds(Profile::Walk, 1000.0, Some(50), Some(5));
        assert!((walk.unwrap_or_default() - 720.0).abs() < 1e-9, "{walk:?}");
    }

    #[test]
    fn a_link_without_a_limit_takes_its_class_speed_and_a_zero_limit_is_closed() {
        let m = SpeedModel::default();
        // Class 0: 90 km/h × 0.9 = 81 km/h = 22.5 m/s.
        let trunk = m.seconds(Profile::Car, 2250.0, None, Some(0));
        assert!(
            (trunk.unwrap_or_default() - 100.0).abs() < 1e-9,
            "{trunk:?}"
        );
        let unknown = m.seconds(Profile::Car, 270.0, None, None);
        assert!(
            (unknown.unwrap_or_default() - 36.0).abs() < 1e-9,
            "{unknown:?}"
        );
        assert_eq!(m.seconds(Profile::Car, 100.0, Some(0), Some(3)), None);
    }
}
