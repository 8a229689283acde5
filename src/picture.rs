//! The streak calendar as a PNG: a GitHub-style contribution graph of a member's last
//! [`WEEKS`] weeks (columns oldest to newest, rows Monday to Sunday), one coloured
//! square per day (see [`crate::core::calendar`] for which mark a day gets), with row
//! and month labels, a title line and a legend, on an opaque dark card so it reads on
//! Discord's dark and light themes alike.
//!
//! Drawn with `tiny-skia` (shapes, PNG encoding) and `ab_glyph` (text outlines from an
//! embedded ASCII subset of DejaVu Sans): both small and pure Rust, with no system
//! fonts, no C libraries and nothing to install on the host.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use chrono::{Datelike, NaiveDate};
use tiny_skia::{
    Color, FillRule, Paint, Path, PathBuilder, Pixmap, PremultipliedColorU8, Transform,
};

use crate::core::calendar::{Calendar, Day, WEEKS};

/// The embedded font (ASCII subset of DejaVu Sans, see `assets/DejaVu-LICENSE`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// Picture size in pixels.
const WIDTH: u32 = 520;
const HEIGHT: u32 = 200;
/// Side of a day's square, and the distance from one square to the next.
const CELL: u32 = 14;
const PITCH: u32 = 17;
/// Top-left corner of the grid.
const GRID_X: u32 = 58;
const GRID_Y: u32 = 50;
/// Left edge of the row labels, title and legend.
const MARGIN: f32 = 22.0;

const TITLE_SIZE: f32 = 14.0;
const TEXT_SIZE: f32 = 12.0;
const TITLE_BASELINE: f32 = 24.0;
const MONTH_BASELINE: f32 = 44.0;
const LEGEND_Y: u32 = 176;

const BACKGROUND: [u8; 3] = [0x2B, 0x2D, 0x31];
const TEXT: [u8; 3] = [0xF2, 0xF3, 0xF5];
const MUTED: [u8; 3] = [0xB5, 0xBA, 0xC1];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The legend: each mark with its label, in order.
const LEGEND: [(Day, &str); 5] = [
    (Day::Unaided, "answered"),
    (Day::AfterHint, "after the hint"),
    (Day::Missed, "missed"),
    (Day::Frozen, "frozen"),
    (Day::NoQuestion, "no question"),
];

/// The fill of each mark (opaque RGB), also used by the legend.
pub fn colour(day: Day) -> [u8; 3] {
    match day {
        Day::Unaided => [0x3B, 0xA5, 0x5D],
        Day::AfterHint => [0xF0, 0xB2, 0x32],
        Day::Missed => [0xED, 0x42, 0x45],
        Day::Frozen => [0x5D, 0xAD, 0xE2],
        Day::NoQuestion | Day::Waiting => [0x4E, 0x50, 0x58],
    }
}

/// The column (week) and row (weekday) of the day `index` days after `calendar.first`,
/// if it is drawn.
fn cell_of(calendar: &Calendar, index: usize) -> Option<(u32, u32)> {
    if index >= calendar.days.len() || index >= WEEKS * 7 {
        return None;
    }
    let column = u32::try_from(index / 7).ok()?;
    let row = u32::try_from(index % 7).ok()?;
    Some((column, row))
}

/// The top-left pixel of a cell's square.
fn square_origin(column: u32, row: u32) -> (u32, u32) {
    (GRID_X + column * PITCH, GRID_Y + row * PITCH)
}

/// The pixel at the centre of `date`'s square, if the date is drawn (tests read the colour there).
pub fn square_centre(calendar: &Calendar, date: NaiveDate) -> Option<(u32, u32)> {
    let days = date.signed_duration_since(calendar.first).num_days();
    let (column, row) = cell_of(calendar, usize::try_from(days).ok()?)?;
    let (x, y) = square_origin(column, row);
    Some((x + CELL / 2, y + CELL / 2))
}

/// The streak calendar drawn as a PNG (empty only if encoding fails, which it does not
/// for a picture of this size).
pub fn streak_calendar_png(calendar: &Calendar, title: &str) -> Vec<u8> {
    let Some(pixmap) = Pixmap::new(WIDTH, HEIGHT) else {
        return Vec::new();
    };
    let mut canvas = Canvas {
        pixmap,
        font: FontRef::try_from_slice(FONT).ok(),
    };
    canvas.fill_rounded(0.0, 0.0, WIDTH as f32, HEIGHT as f32, 10.0, BACKGROUND);
    let title_right = WIDTH as f32 - MARGIN;
    canvas.text(
        title,
        TITLE_SIZE,
        (MARGIN, TITLE_BASELINE),
        TEXT,
        title_right,
    );
    canvas.row_labels();
    canvas.month_labels(calendar);
    canvas.squares(calendar);
    canvas.legend();
    canvas.pixmap.encode_png().unwrap_or_default()
}

/// A picture being drawn, with the font (`None` only if the embedded font fails to
/// parse, in which case no text is drawn).
struct Canvas<'f> {
    pixmap: Pixmap,
    font: Option<FontRef<'f>>,
}

/// A closed rounded rectangle (`radius` clamped to half the shorter side).
fn rounded_rect(x: f32, y: f32, w: f32, h: f32, radius: f32) -> Option<Path> {
    let r = radius.min(w / 2.0).min(h / 2.0).max(0.0);
    // Control-point distance for a quarter circle drawn as one cubic.
    let k = r * 0.552_284_8;
    let (right, bottom) = (x + w, y + h);
    let mut pb = PathBuilder::new();
    pb.move_to(x + r, y);
    pb.line_to(right - r, y);
    pb.cubic_to(right - r + k, y, right, y + r - k, right, y + r);
    pb.line_to(right, bottom - r);
    pb.cubic_to(
        right,
        bottom - r + k,
        right - r + k,
        bottom,
        right - r,
        bottom,
    );
    pb.line_to(x + r, bottom);
    pb.cubic_to(x + r - k, bottom, x, bottom - r + k, x, bottom - r);
    pb.line_to(x, y + r);
    pb.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
    pb.close();
    pb.finish()
}

impl Canvas<'_> {
    /// Fills a rounded rectangle with an opaque colour.
    fn fill_rounded(&mut self, x: f32, y: f32, w: f32, h: f32, radius: f32, rgb: [u8; 3]) {
        let Some(path) = rounded_rect(x, y, w, h, radius) else {
            return;
        };
        let mut paint = Paint::default();
        paint.set_color(Color::from_rgba8(rgb[0], rgb[1], rgb[2], 255));
        paint.anti_alias = true;
        self.pixmap.fill_path(
            &path,
            &paint,
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }

    /// Draws one day's square, its top-left corner at `(x, y)`, `side` pixels wide.
    fn square(&mut self, x: u32, y: u32, side: u32, day: Day) {
        let (x, y, side) = (x as f32, y as f32, side as f32);
        if day == Day::Waiting {
            // The open question: a no-question square inside a 2 px outline.
            self.fill_rounded(x, y, side, side, 3.0, TEXT);
            self.fill_rounded(x + 2.0, y + 2.0, side - 4.0, side - 4.0, 1.5, colour(day));
        } else {
            self.fill_rounded(x, y, side, side, 3.0, colour(day));
        }
    }

    /// Every drawn day's square; days after today are left as background.
    fn squares(&mut self, calendar: &Calendar) {
        for (index, day) in calendar.days.iter().enumerate() {
            let Some((column, row)) = cell_of(calendar, index) else {
                break;
            };
            let (x, y) = square_origin(column, row);
            self.square(x, y, CELL, *day);
        }
    }

    /// "Mon", "Wed" and "Fri" beside the first, third and fifth rows.
    fn row_labels(&mut self) {
        for (row, label) in [(0, "Mon"), (2, "Wed"), (4, "Fri")] {
            let (_, y) = square_origin(0, row);
            let baseline = y as f32 + CELL as f32 / 2.0 + 4.0;
            let right = GRID_X as f32 - 4.0;
            self.text(label, TEXT_SIZE, (MARGIN, baseline), MUTED, right);
        }
    }

    /// Each month's name above the column of its first day, unless it would run into
    /// the previous name.
    fn month_labels(&mut self, calendar: &Calendar) {
        let mut free_from = 0.0_f32;
        let right = WIDTH as f32 - 4.0;
        for (index, date) in calendar.first.iter_days().enumerate() {
            let Some((column, _)) = cell_of(calendar, index) else {
                break;
            };
            if date.day() != 1 {
                continue;
            }
            let (x, _) = square_origin(column, 0);
            let x = x as f32;
            if x < free_from {
                continue;
            }
            let name = MONTHS[date.month0() as usize % 12];
            let end = self.text(name, TEXT_SIZE, (x, MONTH_BASELINE), MUTED, right);
            free_from = end + 4.0;
        }
    }

    /// The five marks, each a square and its label, along the bottom.
    fn legend(&mut self) {
        let side = 12;
        let mut x = GRID_X as f32;
        let right = WIDTH as f32 - 4.0;
        for (day, label) in LEGEND {
            if x + side as f32 > right {
                break;
            }
            self.square(x as u32, LEGEND_Y, side, day);
            let baseline = LEGEND_Y as f32 + side as f32 / 2.0 + 4.0;
            let end = self.text(
                label,
                TEXT_SIZE,
                (x + side as f32 + 5.0, baseline),
                TEXT,
                right,
            );
            x = end + 14.0;
        }
    }

    /// Draws `text` from `origin` (left end of the baseline) at `size` px, skipping
    /// characters the font lacks and cutting it short (with "...") so it ends before
    /// `right`. Returns where the drawn text ends.
    fn text(&mut self, text: &str, size: f32, origin: (f32, f32), rgb: [u8; 3], right: f32) -> f32 {
        let Some(font) = self.font.clone() else {
            return origin.0;
        };
        let scale = PxScale::from(size);
        let glyphs = fit(&font, scale, text, right - origin.0);
        let mut end = origin.0;
        for (id, offset) in glyphs {
            let glyph = id.with_scale_and_position(scale, point(origin.0 + offset, origin.1));
            end = origin.0 + offset + font.as_scaled(scale).h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i64, bounds.min.y as i64);
            outline.draw(|gx, gy, coverage| {
                let (px, py) = (left + i64::from(gx), top + i64::from(gy));
                blend(&mut self.pixmap, px, py, rgb, coverage);
            });
        }
        end
    }
}

/// The glyphs of `text` the font has, with their offsets from the start, kerned.
/// Returns them with the total advance.
fn layout(font: &FontRef<'_>, scale: PxScale, text: &str) -> (Vec<(GlyphId, f32)>, f32) {
    let scaled = font.as_scaled(scale);
    let mut glyphs = Vec::new();
    let mut x = 0.0_f32;
    let mut previous: Option<GlyphId> = None;
    for c in text.chars().filter(|c| !c.is_control()) {
        let id = scaled.glyph_id(c);
        if id.0 == 0 {
            continue;
        }
        if let Some(previous) = previous {
            x += scaled.kern(previous, id);
        }
        glyphs.push((id, x));
        x += scaled.h_advance(id);
        previous = Some(id);
    }
    (glyphs, x)
}

/// The glyphs of `text` laid out to fit in `width` pixels: all of them if they fit,
/// otherwise as many as fit followed by "...".
fn fit(font: &FontRef<'_>, scale: PxScale, text: &str, width: f32) -> Vec<(GlyphId, f32)> {
    let (mut glyphs, total) = layout(font, scale, text);
    if total <= width {
        return glyphs;
    }
    let (dots, dots_width) = layout(font, scale, "...");
    let scaled = font.as_scaled(scale);
    while let Some(&(id, offset)) = glyphs.last() {
        if offset + scaled.h_advance(id) + dots_width <= width {
            break;
        }
        glyphs.pop();
    }
    let start = glyphs
        .last()
        .map_or(0.0, |&(id, offset)| offset + scaled.h_advance(id));
    if start + dots_width <= width {
        glyphs.extend(dots.into_iter().map(|(id, offset)| (id, start + offset)));
    }
    glyphs
}

/// Paints `rgb` over the pixel at `(x, y)` with the given coverage (0..=1); pixels
/// outside the picture are ignored.
fn blend(pixmap: &mut Pixmap, x: i64, y: i64, rgb: [u8; 3], coverage: f32) {
    let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
        return;
    };
    if x >= pixmap.width() || y >= pixmap.height() {
        return;
    }
    let index = y as usize * pixmap.width() as usize + x as usize;
    let Some(pixel) = pixmap.pixels_mut().get_mut(index) else {
        return;
    };
    let a = coverage.clamp(0.0, 1.0);
    let mix = |src: u8, dst: u8| (f32::from(src) * a + f32::from(dst) * (1.0 - a)).round() as u8;
    let blended = PremultipliedColorU8::from_rgba(
        mix(rgb[0], pixel.red()),
        mix(rgb[1], pixel.green()),
        mix(rgb[2], pixel.blue()),
        mix(255, pixel.alpha()),
    );
    if let Some(blended) = blended {
        *pixel = blended;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::calendar::{PostedDay, calendar};
    use std::collections::{BTreeSet, HashSet};

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
    }

    /// Today is Wednesday 2026-12-02; the days before it carry each mark.
    fn every_mark() -> Calendar {
        let posts = [
            PostedDay {
                date: date("2026-11-23"),
                seq: 20,
                answer: Some(true),
            },
            PostedDay {
                date: date("2026-11-24"),
                seq: 21,
                answer: Some(false),
            },
            PostedDay {
                date: date("2026-11-25"),
                seq: 22,
                answer: None,
            },
            PostedDay {
                date: date("2026-11-26"),
                seq: 23,
                answer: None,
            },
            PostedDay {
                date: date("2026-12-02"),
                seq: 24,
                answer: None,
            },
        ];
        calendar(date("2026-12-02"), &posts, &BTreeSet::from([23]), Some(24))
    }

    fn rgb_at(pixmap: &Pixmap, (x, y): (u32, u32)) -> [u8; 3] {
        let pixel = pixmap.pixel(x, y).expect("a pixel inside the picture");
        assert_eq!(pixel.alpha(), 255, "opaque at ({x}, {y})");
        [pixel.red(), pixel.green(), pixel.blue()]
    }

    #[test]
    fn the_png_decodes_at_the_expected_size_and_stays_small() {
        let png = streak_calendar_png(&every_mark(), "Streak calendar: ada");
        assert!(png.len() <= 60 * 1024, "{} bytes", png.len());
        let pixmap = Pixmap::decode_png(&png).expect("a PNG");
        assert_eq!((pixmap.width(), pixmap.height()), (WIDTH, HEIGHT));
    }

    #[test]
    fn the_centre_of_each_days_square_is_exactly_its_marks_colour() {
        let cal = every_mark();
        let pixmap = Pixmap::decode_png(&streak_calendar_png(&cal, "t")).expect("a PNG");
        for (day_text, day) in [
            ("2026-11-23", Day::Unaided),
            ("2026-11-24", Day::AfterHint),
            ("2026-11-25", Day::Missed),
            ("2026-11-26", Day::Frozen),
            ("2026-11-27", Day::NoQuestion),
            ("2026-12-02", Day::Waiting),
        ] {
            assert_eq!(cal.day(date(day_text)), Some(day));
            let centre = square_centre(&cal, date(day_text)).expect("a drawn day");
            assert_eq!(
                rgb_at(&pixmap, centre),
                colour(day),
                "{day:?} on {day_text}"
            );
        }
    }

    #[test]
    fn the_open_question_has_an_outline_in_the_text_colour() {
        let cal = every_mark();
        let pixmap = Pixmap::decode_png(&streak_calendar_png(&cal, "")).expect("a PNG");
        let (x, y) = square_centre(&cal, date("2026-12-02")).expect("today is drawn");
        assert_eq!(rgb_at(&pixmap, (x, y - CELL / 2 + 1)), TEXT);
        assert_eq!(rgb_at(&pixmap, (x, y)), colour(Day::NoQuestion));
    }

    #[test]
    fn days_after_today_are_not_drawn() {
        let cal = every_mark();
        assert_eq!(square_centre(&cal, date("2026-12-03")), None);
        assert_eq!(square_centre(&cal, date("2026-06-07")), None);
        let pixmap = Pixmap::decode_png(&streak_calendar_png(&cal, "")).expect("a PNG");
        let (x, y) = square_centre(&cal, date("2026-12-02")).expect("today is drawn");
        assert_eq!(rgb_at(&pixmap, (x, y + PITCH)), BACKGROUND);
    }

    #[test]
    fn the_squares_run_monday_to_sunday_down_and_oldest_week_left() {
        let cal = every_mark();
        let monday = square_centre(&cal, cal.first).expect("first day");
        let tuesday = square_centre(&cal, date("2026-06-09")).expect("second day");
        let next_monday = square_centre(&cal, date("2026-06-15")).expect("second week");
        assert_eq!(tuesday, (monday.0, monday.1 + PITCH));
        assert_eq!(next_monday, (monday.0 + PITCH, monday.1));
        let today = square_centre(&cal, cal.today).expect("today");
        assert_eq!(today.0, monday.0 + 25 * PITCH);
        assert!(today.0 + CELL / 2 < WIDTH);
    }

    #[test]
    fn the_five_mark_colours_are_distinct_from_each_other_and_the_card() {
        let colours: HashSet<[u8; 3]> = LEGEND.iter().map(|(day, _)| colour(*day)).collect();
        assert_eq!(colours.len(), 5);
        assert!(!colours.contains(&BACKGROUND));
        assert!(!colours.contains(&TEXT));
    }

    #[test]
    fn a_hostile_or_overlong_title_renders_without_panicking() {
        let cal = every_mark();
        let long = "x".repeat(500);
        for title in [
            "@everyone 😀 \u{202e}",
            long.as_str(),
            "\n\t\0",
            "",
            "😀😀😀",
        ] {
            let png = streak_calendar_png(&cal, title);
            let pixmap = Pixmap::decode_png(&png).expect("a PNG");
            assert_eq!(pixmap.width(), WIDTH);
        }
    }

    #[test]
    fn a_long_title_is_cut_short_before_the_right_margin() {
        let font = FontRef::try_from_slice(FONT).expect("the embedded font");
        let scale = PxScale::from(TITLE_SIZE);
        let glyphs = fit(&font, scale, &"W".repeat(500), 200.0);
        let (id, offset) = *glyphs.last().expect("some glyphs");
        assert!(offset + font.as_scaled(scale).h_advance(id) <= 200.0);
        assert!(glyphs.len() > 3);
        assert_eq!(id, font.glyph_id('.'));
    }

    #[test]
    fn a_calendar_with_no_days_or_too_many_still_renders() {
        let today = date("2026-12-02");
        let empty = Calendar {
            first: today,
            today,
            days: Vec::new(),
        };
        let png = streak_calendar_png(&empty, "nothing yet");
        assert!(Pixmap::decode_png(&png).is_ok());
        assert_eq!(square_centre(&empty, today), None);
        let first = date("2024-01-01");
        let huge = Calendar {
            first,
            today,
            days: vec![Day::Missed; 2000],
        };
        assert!(Pixmap::decode_png(&streak_calendar_png(&huge, "x")).is_ok());
    }

    /// A realistic half year: mostly answered, some after the hint, two missed, one
    /// frozen, most weekends without a question, today's question still open.
    fn sample() -> Calendar {
        let today = date("2026-12-02");
        let start = today - chrono::Days::new(190);
        let mut posts = Vec::new();
        for (n, day) in start.iter_days().take_while(|d| *d <= today).enumerate() {
            let weekend = day.weekday().num_days_from_monday() >= 5;
            if weekend && n % 3 != 0 {
                continue;
            }
            let seq = posts.len() as i64 + 1;
            let answer = match seq {
                _ if day == today => None,
                s if s == 40 || s == 97 || s == 118 => None,
                s if s % 9 == 4 || s % 13 == 0 => Some(false),
                _ => Some(true),
            };
            posts.push(PostedDay {
                date: day,
                seq,
                answer,
            });
        }
        let latest = posts.last().map(|p| p.seq);
        calendar(today, &posts, &BTreeSet::from([97]), latest)
    }

    #[test]
    #[ignore = "writes docs/streak-calendar.png; run by hand"]
    fn writes_a_sample_for_the_readme() {
        let cal = sample();
        assert_eq!(cal.day(cal.today), Some(Day::Waiting));
        for day in [
            Day::Unaided,
            Day::AfterHint,
            Day::Missed,
            Day::Frozen,
            Day::NoQuestion,
        ] {
            assert!(cal.days.contains(&day), "{day:?} in the sample");
        }
        let png = streak_calendar_png(&cal, "ada's streak: 23 days (best 41) - #interview-prep");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&dir).expect("docs/");
        std::fs::write(dir.join("streak-calendar.png"), png).expect("the sample");
    }
}
