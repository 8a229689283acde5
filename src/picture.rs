//! The streak calendar as a PNG: a GitHub-style contribution graph of a member's last
//! [`WEEKS`] weeks (columns oldest to newest, rows Monday to Sunday), one square per
//! day (see [`crate::core::calendar`] for which mark a day gets), with row and month
//! labels, a title line and a legend, on an opaque dark card so it reads on Discord's
//! dark and light themes alike.
//!
//! The marks do not rely on telling red from green. Their colours (after Okabe and
//! Ito's colour-blind-safe palette: a bluish green, their orange and vermillion
//! darkened, their sky blue) differ in lightness as well as hue: answered is a light
//! mint, after the hint a mid amber, missed a darker vermillion, no question a dim
//! grey, each pair at least 1.5:1 apart in luminance, since a deuteranope or protanope
//! sees all four along one yellow-grey axis; frozen is sky blue, which they tell from
//! all of them. The questions not answered also differ in shape: missed and frozen are
//! hollow (a frame in their colour around the card's), with a cross (missed) or a
//! snowflake (frozen, three strokes crossing round a hub) inside, and the open
//! question is a no-question square in a light outline. Every square's centre pixel
//! is still its mark's colour. The legend draws the same squares. Text is at least
//! 4.5:1 against the card, every mark but no question at least 3:1.
//!
//! Drawn with `tiny-skia` (shapes, PNG encoding) and `ab_glyph` (text outlines, no
//! shaping), both small and pure Rust, with no system fonts, no C libraries and nothing
//! to install on the host. The font is an embedded subset of DejaVu Sans
//! (`assets/DejaVuSans-subset.ttf`, rebuilt by `scripts/font-subset.sh`, licence in
//! `assets/DejaVu-LICENSE`) holding Basic Latin, Latin-1 Supplement, Latin Extended-A,
//! -B and Additional, Spacing Modifier Letters, Combining Diacritical Marks, Greek and
//! Coptic, Cyrillic and Cyrillic Supplement, General Punctuation, and U+25A1 (□):
//! names in Latin, Greek and Cyrillic scripts are drawn in full. Text is laid out
//! (`layout()`) one character at a time:
//!
//! - a character the font lacks (CJK, Arabic, Hebrew, Indic scripts, emoji, ...) is
//!   drawn as one □, so a name in another script keeps its length and shows where its
//!   letters are instead of losing them; an emoji sequence (a zero-width-joined one, a
//!   skin tone, a flag's two regional indicators) is one □;
//! - characters that are invisible anyway (zero-width spaces and joiners, variation
//!   selectors, direction marks, soft hyphens: Unicode's default-ignorable code
//!   points) and control characters draw nothing;
//! - a combining mark the font has (there is no normalisation: "e" + U+0301 stays two
//!   characters) is centred over the glyph before it and lifted clear of it, so "é"
//!   typed either way reads the same;
//! - a line too wide for its space is cut short with "..." (`fit()`).

use ab_glyph::{Font, FontRef, GlyphId, PxScale, Rect, ScaleFont, point};
use chrono::{Datelike, NaiveDate};
use tiny_skia::{
    Color, FillRule, LineCap, Paint, Path, PathBuilder, Pixmap, PremultipliedColorU8, Stroke,
    Transform,
};

use crate::core::calendar::{Calendar, Day, WEEKS};

/// The embedded font (a subset of DejaVu Sans, see the module doc and
/// `scripts/font-subset.sh`; licence in `assets/DejaVu-LICENSE`).
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

/// Drawn for each character the font lacks (WHITE SQUARE; '?' if the font had none).
const FALLBACK: char = '\u{25A1}';
/// Space left between a combining mark and the top of the glyph it sits on, as a
/// fraction of the text size.
const MARK_GAP: f32 = 0.06;

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

/// The fill of each mark (opaque RGB), also used by the legend. Lightness falls from
/// answered (luminance 0.64) through after the hint (0.34) and missed (0.18) to no
/// question (0.08); frozen (0.41) is the one blue.
pub fn colour(day: Day) -> [u8; 3] {
    match day {
        Day::Unaided => [0x6E, 0xE7, 0xB7],
        Day::AfterHint => [0xDB, 0x8B, 0x0B],
        Day::Missed => [0xC9, 0x4F, 0x32],
        Day::Frozen => [0x56, 0xB4, 0xE9],
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

/// A straight line from one point to another.
type Segment = ((f32, f32), (f32, f32));

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

    /// Strokes straight lines (each from one point to another) in `rgb`, `width`
    /// pixels wide with round ends.
    fn strokes(&mut self, lines: &[Segment], width: f32, rgb: [u8; 3]) {
        let mut pb = PathBuilder::new();
        for &((x0, y0), (x1, y1)) in lines {
            pb.move_to(x0, y0);
            pb.line_to(x1, y1);
        }
        let Some(path) = pb.finish() else {
            return;
        };
        let mut paint = Paint::default();
        paint.set_color(Color::from_rgba8(rgb[0], rgb[1], rgb[2], 255));
        paint.anti_alias = true;
        let stroke = Stroke {
            width,
            line_cap: LineCap::Round,
            ..Stroke::default()
        };
        self.pixmap
            .stroke_path(&path, &paint, &stroke, Transform::identity(), None);
    }

    /// Draws one day's square, its top-left corner at `(x, y)`, `side` pixels wide. A
    /// question not answered is hollow: the open one a no-question square in a light
    /// outline, a missed one crossed out, a frozen one with a snowflake, both in the
    /// mark's colour on the card's. Every square's centre pixel is its mark's colour.
    fn square(&mut self, x: u32, y: u32, side: u32, day: Day) {
        let (x, y, side) = (x as f32, y as f32, side as f32);
        let rgb = colour(day);
        let inner = (x + 2.0, y + 2.0, side - 4.0);
        match day {
            Day::Waiting => {
                self.fill_rounded(x, y, side, side, 3.0, TEXT);
                self.fill_rounded(inner.0, inner.1, inner.2, inner.2, 1.5, rgb);
            }
            Day::Missed | Day::Frozen => {
                self.fill_rounded(x, y, side, side, 3.0, rgb);
                self.fill_rounded(inner.0, inner.1, inner.2, inner.2, 1.5, BACKGROUND);
            }
            _ => self.fill_rounded(x, y, side, side, 3.0, rgb),
        }
        let (cx, cy) = (x + side / 2.0, y + side / 2.0);
        if day == Day::Missed {
            // A cross from corner to corner of the hollow.
            let r = side * 0.22;
            let lines = [
                ((cx - r, cy - r), (cx + r, cy + r)),
                ((cx - r, cy + r), (cx + r, cy - r)),
            ];
            self.strokes(&lines, side / 7.0, rgb);
        } else if day == Day::Frozen {
            // Three strokes crossing at 60 degrees round a hub.
            let r = side * 0.26;
            let (dx, dy) = (r * 0.866, r * 0.5);
            let lines = [
                ((cx, cy - r), (cx, cy + r)),
                ((cx - dx, cy - dy), (cx + dx, cy + dy)),
                ((cx - dx, cy + dy), (cx + dx, cy - dy)),
            ];
            self.strokes(&lines, side / 12.0, rgb);
            let hub = side * 0.11;
            self.fill_rounded(cx - hub, cy - hub, 2.0 * hub, 2.0 * hub, hub, rgb);
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

    /// Draws `text` from `origin` (left end of the baseline) at `size` px, laid out by
    /// [`layout`] and cut short (with "...") so it ends before `right`. Returns where
    /// the drawn text ends.
    fn text(&mut self, text: &str, size: f32, origin: (f32, f32), rgb: [u8; 3], right: f32) -> f32 {
        let Some(font) = self.font.clone() else {
            return origin.0;
        };
        let scale = PxScale::from(size);
        let mut end = origin.0;
        for placed in fit(&font, scale, text, right - origin.0) {
            let position = point(origin.0 + placed.x, origin.1 + placed.y);
            end = origin.0 + placed.end;
            let Some(outline) =
                font.outline_glyph(placed.id.with_scale_and_position(scale, position))
            else {
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

/// One glyph of a laid-out line: drawn with its origin `x` px right of the line's start
/// and `y` px below the baseline (negative: lifted); the line's pen is at `end` after
/// it (a combining mark ends where the glyph it sits on ends).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    id: GlyphId,
    x: f32,
    y: f32,
    end: f32,
}

/// What the last character drawn was, to tell whether a character the font lacks
/// starts a new fallback box or belongs to the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    /// A glyph of the font, or nothing yet.
    Glyph,
    /// A fallback box.
    Box,
    /// A fallback box followed by a zero-width joiner: the next character joins it.
    Joined,
    /// A fallback box for a lone regional indicator: a second one makes it a flag.
    HalfFlag,
}

/// Characters that are invisible in running text (Unicode's Default_Ignorable_Code_Point:
/// zero-width spaces and joiners, direction marks and overrides, variation selectors,
/// soft hyphens, fillers, tags).
fn is_default_ignorable(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAD | 0x34F
            | 0x61C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// A flag is two regional indicator symbols.
fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Whether `c`, which the font lacks, is part of the fallback box before it rather than
/// a character of its own: anything after a zero-width joiner, an emoji skin tone, or
/// the second half of a flag.
fn continues_box(last: Last, c: char) -> bool {
    match last {
        Last::Glyph => false,
        Last::Joined => true,
        Last::Box | Last::HalfFlag if ('\u{1F3FB}'..='\u{1F3FF}').contains(&c) => true,
        Last::HalfFlag => is_regional_indicator(c),
        Last::Box => false,
    }
}

/// A line being laid out.
struct Line<'a, 'f> {
    font: &'a FontRef<'f>,
    scale: PxScale,
    glyphs: Vec<Placed>,
    /// Where the next spacing glyph goes.
    pen: f32,
    /// The last spacing glyph, for kerning.
    previous: Option<GlyphId>,
    /// The ink of the last spacing glyph and the marks stacked on it (px, from the
    /// line's start, y down from the baseline), if it has any: what a mark sits on.
    base: Option<Rect>,
    last: Last,
}

impl Line<'_, '_> {
    /// The ink bounds of `id` drawn at `(x, y)`, if it has an outline.
    fn ink(&self, id: GlyphId, x: f32, y: f32) -> Option<Rect> {
        let factor = self.font.as_scaled(self.scale).scale_factor();
        Some(self.font.outline(id)?.px_bounds(factor, point(x, y)))
    }

    /// Adds a glyph that advances the pen (kerned against the one before).
    fn spacing(&mut self, id: GlyphId) {
        let scaled = self.font.as_scaled(self.scale);
        if let Some(previous) = self.previous {
            self.pen += scaled.kern(previous, id);
        }
        let x = self.pen;
        self.pen += scaled.h_advance(id);
        self.glyphs.push(Placed {
            id,
            x,
            y: 0.0,
            end: self.pen,
        });
        self.previous = Some(id);
        self.base = self.ink(id, x, 0.0);
    }

    /// Adds a combining mark (a glyph with no advance): centred over the glyph before,
    /// and lifted clear of it if it is a mark above. With nothing to sit on (at the
    /// start, after a space) it is drawn on its own, as wide as its ink.
    fn mark(&mut self, id: GlyphId) {
        let Some(ink) = self.ink(id, 0.0, 0.0) else {
            return;
        };
        let Some(base) = self.base else {
            let x = self.pen - ink.min.x;
            self.pen += ink.width();
            self.glyphs.push(Placed {
                id,
                x,
                y: 0.0,
                end: self.pen,
            });
            self.previous = None;
            return;
        };
        let x = (base.min.x + base.max.x - ink.min.x - ink.max.x) / 2.0;
        let gap = self.scale.y * MARK_GAP;
        let y = if ink.max.y <= 0.0 {
            (base.min.y - gap - ink.max.y).min(0.0)
        } else {
            0.0
        };
        self.glyphs.push(Placed {
            id,
            x,
            y,
            end: self.pen,
        });
        let top = base.min.y.min(ink.min.y + y);
        self.base = Some(Rect {
            min: point(base.min.x, top),
            max: base.max,
        });
    }
}

/// The glyphs of `text`, with where they go, and the line's total advance; see the
/// module doc for what each character becomes.
fn layout(font: &FontRef<'_>, scale: PxScale, text: &str) -> (Vec<Placed>, f32) {
    let scaled = font.as_scaled(scale);
    let fallback = Some(scaled.glyph_id(FALLBACK))
        .filter(|id| id.0 != 0)
        .unwrap_or_else(|| scaled.glyph_id('?'));
    let mut line = Line {
        font,
        scale,
        glyphs: Vec::new(),
        pen: 0.0,
        previous: None,
        base: None,
        last: Last::Glyph,
    };
    for c in text.chars() {
        if c.is_control() || is_default_ignorable(c) {
            if c == '\u{200D}' && matches!(line.last, Last::Box | Last::HalfFlag) {
                line.last = Last::Joined;
            }
            continue;
        }
        let id = scaled.glyph_id(c);
        if id.0 == 0 {
            if continues_box(line.last, c) {
                line.last = Last::Box;
                continue;
            }
            line.spacing(fallback);
            line.last = if is_regional_indicator(c) {
                Last::HalfFlag
            } else {
                Last::Box
            };
        } else {
            if scaled.h_advance(id) == 0.0 {
                line.mark(id);
            } else {
                line.spacing(id);
            }
            line.last = Last::Glyph;
        }
    }
    (line.glyphs, line.pen)
}

/// The glyphs of `text` laid out to fit in `width` pixels: all of them if they fit,
/// otherwise as many as fit followed by "..." (a combining mark goes with its glyph).
fn fit(font: &FontRef<'_>, scale: PxScale, text: &str, width: f32) -> Vec<Placed> {
    let (mut glyphs, total) = layout(font, scale, text);
    if total <= width {
        return glyphs;
    }
    let (dots, dots_width) = layout(font, scale, "...");
    while glyphs.last().is_some_and(|g| g.end + dots_width > width) {
        glyphs.pop();
    }
    let start = glyphs.last().map_or(0.0, |g| g.end);
    if start + dots_width <= width {
        glyphs.extend(dots.into_iter().map(|g| Placed {
            x: start + g.x,
            end: start + g.end,
            ..g
        }));
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
        let last = *glyphs.last().expect("some glyphs");
        assert!(last.end <= 200.0);
        assert!(last.x + font.as_scaled(scale).h_advance(last.id) <= 200.0);
        assert!(glyphs.len() > 3);
        assert_eq!(last.id, font.glyph_id('.'));
    }

    #[test]
    fn a_long_name_in_another_script_or_with_marks_is_cut_short_too() {
        let font = FontRef::try_from_slice(FONT).expect("the embedded font");
        let scale = PxScale::from(TITLE_SIZE);
        let dot = font.glyph_id('.');
        for text in [
            "山".repeat(100),
            "e\u{301}".repeat(100),
            "👨\u{200D}👩 ".repeat(50),
        ] {
            let glyphs = fit(&font, scale, &text, 200.0);
            assert!(glyphs.len() > 6, "{text}");
            assert!(glyphs.iter().all(|g| g.end <= 200.0), "{text}");
            let tail: Vec<GlyphId> = glyphs[glyphs.len() - 3..].iter().map(|g| g.id).collect();
            assert_eq!(tail, [dot; 3], "{text}");
        }
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

    /// Draws `text` alone on a blank card and returns one past its rightmost inked column.
    fn ink_right_edge(text: &str) -> u32 {
        let mut canvas = Canvas {
            pixmap: Pixmap::new(WIDTH, HEIGHT).expect("a pixmap"),
            font: FontRef::try_from_slice(FONT).ok(),
        };
        canvas.fill_rounded(0.0, 0.0, WIDTH as f32, HEIGHT as f32, 0.0, BACKGROUND);
        canvas.text(
            text,
            TITLE_SIZE,
            (MARGIN, TITLE_BASELINE),
            TEXT,
            WIDTH as f32,
        );
        let mut right = 0;
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                if rgb_at(&canvas.pixmap, (x, y)) != BACKGROUND {
                    right = right.max(x + 1);
                }
            }
        }
        right
    }

    fn laid_out(text: &str) -> (FontRef<'static>, Vec<Placed>) {
        let font = FontRef::try_from_slice(FONT).expect("the embedded font");
        let (glyphs, _) = layout(&font, PxScale::from(TITLE_SIZE), text);
        (font, glyphs)
    }

    #[test]
    fn latin_greek_and_cyrillic_names_render_every_letter() {
        let name = "Zoë Ñúñez Ωμέγα Юлия";
        let font = FontRef::try_from_slice(FONT).expect("the embedded font");
        for c in name.chars() {
            assert_ne!(font.glyph_id(c).0, 0, "{c:?} (U+{:04X})", u32::from(c));
        }
        let ascii: String = name.chars().filter(char::is_ascii).collect();
        let (full, stripped) = (ink_right_edge(name), ink_right_edge(&ascii));
        assert!(
            full > stripped + 40,
            "{full} px vs {stripped} px without the letters"
        );
        let (font, glyphs) = laid_out(name);
        let ids: Vec<GlyphId> = glyphs.iter().map(|g| g.id).collect();
        let expected: Vec<GlyphId> = name.chars().map(|c| font.glyph_id(c)).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn a_name_in_another_script_is_one_visible_box_a_character() {
        let (font, glyphs) = laid_out("Zoë 山田");
        let boxed = font.glyph_id(FALLBACK);
        assert_ne!(boxed.0, 0, "the font has the fallback box");
        let ids: Vec<GlyphId> = glyphs.iter().map(|g| g.id).collect();
        let zoe: Vec<GlyphId> = "Zoë ".chars().map(|c| font.glyph_id(c)).collect();
        assert_eq!(ids, [zoe, vec![boxed, boxed]].concat());
        // The boxes are drawn: ink between the start of the first and the end of the
        // second, where nothing would be if they were dropped.
        let (first, second) = (glyphs[4], glyphs[5]);
        assert!(first.end <= second.x && second.x < second.end);
        let right = ink_right_edge("Zoë 山田");
        assert!(
            right as f32 > MARGIN + second.x + 2.0,
            "ink ends at {right}"
        );
        assert!(ink_right_edge("山田") as f32 > MARGIN + 2.0 * (second.end - second.x) - 4.0);
    }

    #[test]
    fn an_emoji_sequence_is_one_box_and_invisible_characters_draw_nothing() {
        for (text, boxes) in [
            ("👨\u{200D}👩\u{200D}👧", 1),
            ("👍🏽", 1),
            ("❤\u{FE0F}", 1),
            ("🇯🇵🇫🇷", 2),
            ("🇯", 1),
            ("😀😀😀", 3),
            ("مريم", 4),
        ] {
            let (font, glyphs) = laid_out(text);
            let boxed = font.glyph_id(FALLBACK);
            assert_eq!(glyphs.len(), boxes, "{text}");
            assert!(glyphs.iter().all(|g| g.id == boxed), "{text}");
        }
        let (font, glyphs) = laid_out("a\u{200B}\u{200E}\u{AD}\u{FE0F}b\u{202E}");
        let ids: Vec<GlyphId> = glyphs.iter().map(|g| g.id).collect();
        assert_eq!(ids, [font.glyph_id('a'), font.glyph_id('b')]);
    }

    #[test]
    fn a_combining_mark_sits_centred_above_its_letter() {
        let scale = PxScale::from(TITLE_SIZE);
        let mut tops = Vec::new();
        for base in ['e', 'E', '\u{5C71}'] {
            let (font, glyphs) = laid_out(&format!("{base}\u{301}"));
            let [letter, mark] = glyphs[..] else {
                panic!("{base}: {glyphs:?}");
            };
            assert_eq!(mark.id, font.glyph_id('\u{301}'));
            assert_eq!(mark.end, letter.end, "{base}: the mark takes no room");
            let factor = font.as_scaled(scale).scale_factor();
            let ink = |g: Placed| {
                let outline = font.outline(g.id).expect("ink");
                outline.px_bounds(factor, point(g.x, g.y))
            };
            let (letter_ink, mark_ink) = (ink(letter), ink(mark));
            let centre = |r: Rect| (r.min.x + r.max.x) / 2.0;
            assert!(
                (centre(letter_ink) - centre(mark_ink)).abs() <= 1.0,
                "{base}"
            );
            assert!(
                mark_ink.max.y < letter_ink.min.y,
                "{base}: the mark is above"
            );
            tops.push(mark_ink.min.y);
        }
        assert!(tops[1] < tops[0], "lifted higher over a capital: {tops:?}");
        let (_, alone) = laid_out("\u{301}x");
        assert!(
            alone[0].end > 0.0 && alone[1].x >= alone[0].end,
            "{alone:?}"
        );
    }

    /// WCAG relative luminance of an sRGB colour.
    fn luminance(rgb: [u8; 3]) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
    }

    /// WCAG contrast ratio of two colours (1 to 21).
    fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Red, amber, green and grey all fall on the one yellow-grey axis a deuteranope or
    /// protanope sees, so these four must differ in lightness, not in hue alone.
    #[test]
    fn marks_a_red_green_colour_blind_reader_could_confuse_differ_in_lightness() {
        let family = [Day::Unaided, Day::AfterHint, Day::Missed, Day::NoQuestion];
        for (i, a) in family.iter().enumerate() {
            for b in &family[i + 1..] {
                let ratio = contrast(colour(*a), colour(*b));
                assert!(ratio >= 1.5, "{a:?} vs {b:?}: {ratio:.2}:1");
            }
        }
    }

    #[test]
    fn text_and_marks_stand_out_from_the_card() {
        for (name, rgb) in [("text", TEXT), ("muted text", MUTED)] {
            let ratio = contrast(rgb, BACKGROUND);
            assert!(ratio >= 4.5, "{name}: {ratio:.2}:1");
        }
        for (day, _) in LEGEND {
            let ratio = contrast(colour(day), BACKGROUND);
            let least = if day == Day::NoQuestion { 1.5 } else { 3.0 };
            assert!(ratio >= least, "{day:?}: {ratio:.2}:1");
        }
    }

    /// Which pixels of `date`'s square are exactly the card's colour.
    fn cut_outs(pixmap: &Pixmap, calendar: &Calendar, date: NaiveDate) -> Vec<bool> {
        let (cx, cy) = square_centre(calendar, date).expect("a drawn day");
        let (x, y) = (cx - CELL / 2, cy - CELL / 2);
        let mut shape = Vec::new();
        for dy in 0..CELL {
            for dx in 0..CELL {
                shape.push(rgb_at(pixmap, (x + dx, y + dy)) == BACKGROUND);
            }
        }
        shape
    }

    #[test]
    fn missed_and_frozen_days_also_differ_in_shape() {
        let cal = every_mark();
        let pixmap = Pixmap::decode_png(&streak_calendar_png(&cal, "")).expect("a PNG");
        let [unaided, hint, missed, frozen, none, waiting] = [
            "2026-11-23",
            "2026-11-24",
            "2026-11-25",
            "2026-11-26",
            "2026-11-27",
            "2026-12-02",
        ]
        .map(|day| cut_outs(&pixmap, &cal, date(day)));
        // The filled squares share one shape (only their rounded corners show the card).
        assert_eq!(unaided, hint);
        assert_eq!(unaided, none);
        assert_eq!(unaided, waiting);
        let holes = |shape: &[bool]| shape.iter().filter(|&&cut| cut).count();
        let corners = holes(&unaided);
        assert!(holes(&missed) > corners + 20, "missed is hollow");
        assert!(holes(&frozen) > corners + 20, "frozen is hollow");
        assert_ne!(missed, frozen, "a cross is not a snowflake");
    }

    #[test]
    fn a_worst_case_picture_stays_under_60_kb() {
        // Every day a different mark, in no pattern PNG's filters could exploit, and a
        // title as long as fits, dense with letters, marks and boxes.
        let today = date("2026-12-02");
        let first = crate::core::calendar::window_start(today);
        let marks = [
            Day::Unaided,
            Day::Missed,
            Day::AfterHint,
            Day::Frozen,
            Day::NoQuestion,
            Day::Missed,
            Day::Frozen,
        ];
        let length = usize::try_from((today - first).num_days() + 1).expect("positive");
        let mut seed = 0x2545_F491_u32;
        let days = (0..length)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                marks[(seed >> 24) as usize % marks.len()]
            })
            .collect();
        let cal = Calendar { first, today, days };
        let title =
            "ЖШЩЮЖ ΩΨΦ ẄẀŴ ǄǅǆỆ̃ e\u{301}\u{308} 山田太郎 🇯🇵 👨\u{200D}👩 ĦŊŒ ѪѬѮ ₩".repeat(3);
        let png = streak_calendar_png(&cal, &format!("{title} · last 26 weeks"));
        eprintln!("worst case: {} bytes", png.len());
        assert!(png.len() <= 60 * 1024, "{} bytes", png.len());
        assert!(Pixmap::decode_png(&png).is_ok());
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
