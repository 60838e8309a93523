//! Property tests of tile addresses: any text in any path part gives a tile or an error, never
//! a panic, and every tile accepted lies inside its matrix.

use proptest::prelude::*;

use crate::{MAX_ZOOM, TileCoord, TileMatrixSet};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn any_xyz_address_is_a_tile_in_range_or_an_error(z in "[0-9+-]{0,4}|\\PC{0,8}", x in "[0-9]{0,12}|\\PC{0,8}", y in "[0-9]{0,12}|\\PC{0,8}") {
        if let Ok(t) = TileCoord::parse(&z, &x, &y) {
            prop_assert!(t.z <= MAX_ZOOM);
            prop_assert!(u64::from(t.x) < 1 << t.z && u64::from(t.y) < 1 << t.z);
        }
    }

    #[test]
    fn any_ogc_address_is_a_tile_inside_its_matrix_or_an_error(level in "[0-9]{0,3}", row in "[0-9]{0,8}", col in "[0-9]{0,8}|\\PC{0,4}") {
        for tms in TileMatrixSet::ALL {
            if let Ok(t) = tms.coord(&level, &row, &col) {
                prop_assert!(t.z <= tms.max_level());
                prop_assert!(u64::from(t.x) < tms.matrix_size(t.z) && u64::from(t.y) < tms.matrix_size(t.z));
            }
        }
    }
}
