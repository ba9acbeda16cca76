// ui/layout_record.cpp — the layout sidecar's text format (written by `cnnlab screenshot
// --layout`).
#include "ui/layout_record.h"

#include <sstream>

namespace cnnlab {

std::string format_layout(const LayoutRecord& l) {
  std::ostringstream out;
  out << "size " << l.width << " " << l.height << "\n";
  out << "lesson " << l.lesson << "\n";
  out << "step " << l.step << "\n";
  for (const LayoutGrid& g : l.grids) {
    out << "grid " << g.name << " " << g.x0 << " " << g.y0 << " " << g.cell << " " << g.rows << " "
        << g.cols << " " << g.pad_top << " " << g.pad_left << "\n";
  }
  for (const LayoutCell& c : l.cells) {
    out << "cell " << c.grid << " " << c.row << " " << c.col << " " << c.state << "\n";
  }
  for (const LayoutRect& r : l.rects) {
    out << "rect " << r.name << " " << r.x0 << " " << r.y0 << " " << r.x1 << " " << r.y1 << "\n";
  }
  return out.str();
}

LayoutRecord parse_layout(const std::string& text) {
  LayoutRecord l;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string kind;
    f >> kind;
    if (kind == "size") {
      f >> l.width >> l.height;
    } else if (kind == "lesson") {
      f >> l.lesson;
    } else if (kind == "step") {
      f >> l.step;
    } else if (kind == "grid") {
      LayoutGrid g;
      f >> g.name >> g.x0 >> g.y0 >> g.cell >> g.rows >> g.cols >> g.pad_top >> g.pad_left;
      l.grids.push_back(g);
    } else if (kind == "cell") {
      LayoutCell c;
      f >> c.grid >> c.row >> c.col >> c.state;
      l.cells.push_back(c);
    } else if (kind == "rect") {
      LayoutRect r;
      f >> r.name >> r.x0 >> r.y0 >> r.x1 >> r.y1;
      l.rects.push_back(r);
    }
  }
  return l;
}

}  // namespace cnnlab
