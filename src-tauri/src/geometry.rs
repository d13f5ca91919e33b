//! The window's size and position, kept in the preferences (logical pixels)
//! and put back only where a monitor still shows it.

use hookbench::prefs::WindowGeometry;

/// A monitor's area, in logical pixels.
#[derive(Debug, Clone, Copy)]
pub struct Area {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

pub const MIN_WIDTH: u32 = 720;
pub const MIN_HEIGHT: u32 = 480;

/// The geometry to restore, if its title bar would be on one of `monitors`
/// (none known: trust it). Sizes below the window's minimum are raised.
pub fn restorable(g: WindowGeometry, monitors: &[Area]) -> Option<WindowGeometry> {
    let g = WindowGeometry { width: g.width.max(MIN_WIDTH), height: g.height.max(MIN_HEIGHT), ..g };
    // A point just inside the title bar.
    let (px, py) = (f64::from(g.x) + 40.0, f64::from(g.y) + 10.0);
    let visible = monitors.is_empty()
        || monitors.iter().any(|m| px >= m.x && px < m.x + m.width && py >= m.y && py < m.y + m.height);
    visible.then_some(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Area = Area { x: 0.0, y: 0.0, width: 1920.0, height: 1080.0 };

    #[test]
    fn on_screen_comes_back_off_screen_does_not() {
        let g = WindowGeometry { x: 100, y: 80, width: 1000, height: 700, maximized: false };
        assert_eq!(restorable(g, &[SCREEN]), Some(g));
        let gone = WindowGeometry { x: 2500, ..g };
        assert_eq!(restorable(gone, &[SCREEN]), None);
        let second = Area { x: 1920.0, ..SCREEN };
        assert_eq!(restorable(gone, &[SCREEN, second]), Some(gone));
        assert_eq!(restorable(gone, &[]), Some(gone));
    }

    #[test]
    fn too_small_is_raised_to_the_minimum() {
        let g = WindowGeometry { x: 0, y: 0, width: 10, height: 10, maximized: false };
        let r = restorable(g, &[SCREEN]).unwrap();
        assert_eq!((r.width, r.height), (MIN_WIDTH, MIN_HEIGHT));
    }
}
