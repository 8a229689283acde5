#!/usr/bin/env bash
# Rebuilds assets/DejaVuSans-subset.ttf, the font the streak calendar PNG is drawn
# with (src/picture.rs embeds it), from DejaVu Sans 2.37 (Debian/Ubuntu: fonts-dejavu-core).
#
# Needs fonttools' pyftsubset (`pip install fonttools`; made with fonttools 4.69.1).
# Usage: scripts/font-subset.sh [path/to/DejaVuSans.ttf]
#
# What it keeps, and why:
#   U+0020-007E  Basic Latin (printable ASCII)
#   U+00A0-00FF  Latin-1 Supplement
#   U+0100-017F  Latin Extended-A
#   U+0180-024F  Latin Extended-B
#   U+02B0-02FF  Spacing Modifier Letters (the okina and modifier apostrophe in names)
#   U+0300-036F  Combining Diacritical Marks (a decomposed "e" + U+0301 is drawn)
#   U+0370-03FF  Greek and Coptic
#   U+0400-04FF  Cyrillic
#   U+0500-052F  Cyrillic Supplement
#   U+1E00-1EFF  Latin Extended Additional (Vietnamese, Yoruba, Welsh names)
#   U+2000-206F  General Punctuation (dashes, quotes, the ellipsis, zero-width marks)
#   U+25A1       WHITE SQUARE, drawn for each character the font lacks
# No hinting (ab_glyph ignores it), and none of the OpenType layout tables (GSUB,
# GPOS, GDEF, MATH): ab_glyph does no shaping, so they would only add bytes. The name
# table keeps IDs 0-6 (copyright, family, version); the licence is
# assets/DejaVu-LICENSE.
set -euo pipefail
cd "$(dirname "$0")/.."

source_font=${1:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
unicodes="U+0020-007E,U+00A0-00FF,U+0100-017F,U+0180-024F,U+02B0-02FF,U+0300-036F"
unicodes+=",U+0370-03FF,U+0400-04FF,U+0500-052F,U+1E00-1EFF,U+2000-206F,U+25A1"

pyftsubset "$source_font" \
  --unicodes="$unicodes" \
  --no-hinting \
  --drop-tables+=GSUB,GPOS,GDEF,MATH,FFTM \
  --name-IDs=0,1,2,3,4,5,6 \
  --no-glyph-names \
  --output-file=assets/DejaVuSans-subset.ttf
wc -c assets/DejaVuSans-subset.ttf
