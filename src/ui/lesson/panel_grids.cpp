// ui/lesson/panel_grids.cpp — the stage: input ⊛ kernel = output → pooled output, with the current
// window framed on its input, kernel weights overlaid, uncomputed cells blank, click-to-edit cells.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "ui/app.h"
#include "ui/lesson/grid_widget.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

namespace {

// One column of the stage: the input, a conv op's kernel(s), or an op's output. Its panes are
// the channels (for kernels: every (kernel, channel) pair), stacked vertically.
// Backward ops add read-only grids from their BackwardInfo (Block::Extra, `extra` says which).
enum class Extra { Grad, Exps, Probs, OneHot, NewForward, KernelGrad };

struct Block {
  enum Kind { Input, Kernel, Output, Extra } kind = Input;
  int op = -1;  // Kernel: its conv op; Output: the op that produced it; Extra: its backward op
  int rows = 0, cols = 0, panes = 1;  // rows/cols of one pane, padding included
  int pad_top = 0, pad_left = 0;
  std::string title;
  std::string separator;                      // drawn before this block ("⊛", "=", "→")
  cnnlab::Extra extra = cnnlab::Extra::Grad;  // Extra blocks: which grid
};

// The zero border shown around a grid: the padding of the conv op that reads it.
void consumer_padding(const Stepper& st, int consumer, int& top, int& left, int& bottom,
                      int& right) {
  top = left = bottom = right = 0;
  if (consumer >= st.num_ops() || !uses_kernel(st.op(consumer).kind)) return;
  const ConvOp& conv = st.op(consumer).conv;
  top = conv.pad_top, left = conv.pad_left, bottom = conv.pad_bottom, right = conv.pad_right;
}

std::string size_text(int h, int w, int c) {
  std::string s = std::to_string(h) + "×" + std::to_string(w);
  return c > 1 ? s + "×" + std::to_string(c) : s;
}

// The grid an Extra block shows (the stepper's BackwardInfo of its op).
Grid extra_grid(const Stepper& st, const Block& b) {
  const BackwardInfo& info = *st.backward(b.op);
  switch (b.extra) {
    case Extra::Grad:
      return info.grad;
    case Extra::Exps:
      return info.exps;
    case Extra::Probs:
      return info.forward;
    case Extra::OneHot: {
      Grid y(info.forward.h, info.forward.w, 1, 0.0);
      y.v[size_t(st.op(b.op).back.true_class)] = 1;
      return y;
    }
    case Extra::NewForward:
      return info.new_forward;
    case Extra::KernelGrad:
      return info.d_w;
  }
  return {};
}

// A backward op's blocks after its input: the kernel and dY it reads, its output, and what it
// shows besides (softmax: e^z, p, y; SGD: the forward pass again).
void add_backward_blocks(const Stepper& st, int i, std::vector<Block>& blocks) {
  const Op& op = st.op(i);
  const BackwardInfo& info = *st.backward(i);
  const Grid& out = st.outputs()[size_t(i)];
  auto extra = [&](Extra e, std::string title, const char* sep, int pt = 0, int pl = 0, int pb = 0,
                   int pr = 0) {
    Block b{Block::Extra, i, 0, 0, 1, pt, pl, std::move(title), sep, e};
    Grid g = extra_grid(st, b);
    b.rows = g.h + pt + pb, b.cols = g.w + pl + pr, b.panes = g.c;
    blocks.push_back(b);
  };
  if (op.kind == Op::Kind::SoftmaxXent) {
    extra(Extra::Exps, "e^z", "→");
    extra(Extra::Probs, "p = e^z / Σ", "→");
    extra(Extra::OneHot, "y: " + op.back.classes[size_t(op.back.true_class)], "");
    blocks.push_back({Block::Output, i, out.h, out.w, 1, 0, 0, "dL/dz = p − y", "="});
    return;
  }
  if (uses_kernel(op.kind)) {
    Block k{Block::Kernel, i, op.conv.kh(), op.conv.kw(), op.conv.kernels[0].c, 0, 0, "", ""};
    k.title = "Kernel W " + std::to_string(op.conv.kh()) + "×" + std::to_string(op.conv.kw());
    blocks.push_back(k);
  }
  if (op.kind == Op::Kind::SgdStep) {  // W, dW (the lesson before's) = W' → Y' = X ⊛ W'
    extra(Extra::KernelGrad, "dW", "");
    blocks.push_back({Block::Output, i, out.h, out.w, out.c, 0, 0, "W' = W − η·dW", "="});
    extra(Extra::NewForward, "Y', loss " + format_number(info.new_loss), "→");
    return;
  }
  std::string dy = op.back.has_target() ? "dY = Y − T" : "dY from above";
  if (op.kind == Op::Kind::ConvBackwardInput)
    extra(Extra::Grad, "dY, zero border", "", info.grad_pad_top, info.grad_pad_left,
          info.grad_pad_bottom, info.grad_pad_right);
  else
    extra(Extra::Grad, dy, op.kind == Op::Kind::ReluBackward ? "·" : "");
  const char* title = op.kind == Op::Kind::ReluBackward          ? "dX = dY · [X > 0]"
                      : op.kind == Op::Kind::PoolBackward        ? "dX: dY to each max"
                      : op.kind == Op::Kind::ConvBackwardWeights ? "dW = Σ dY · X"
                      : op.kind == Op::Kind::ConvBackwardInput   ? "dX = dY ⊛ flipped W"
                                                                 : "";
  blocks.push_back({Block::Output, i, out.h, out.w, out.c, 0, 0, title, "="});
}

std::vector<Block> make_blocks(const Stepper& st) {
  std::vector<Block> blocks;
  int t, l, b, r;
  const Grid& in = st.input_of(0);
  consumer_padding(st, 0, t, l, b, r);
  blocks.push_back(
      {Block::Input, -1, in.h + t + b, in.w + l + r, in.c, t, l,
       "Input " + size_text(in.h, in.w, in.c) + (t + b + l + r ? " + zero border" : ""), ""});
  // The SGD step reads W and dW, the input's gradient W and dY, not X: their grids get the room.
  if (st.num_ops() > 0 &&
      (st.op(0).kind == Op::Kind::SgdStep || st.op(0).kind == Op::Kind::ConvBackwardInput))
    blocks.clear();
  if (st.num_ops() > 0 && st.op(0).kind == Op::Kind::SoftmaxXent) {
    std::string names;
    for (const std::string& n : st.op(0).back.classes) names += (names.empty() ? "" : ", ") + n;
    blocks.back().title = "Logits z: " + names;
  }
  for (int i = 0; i < st.num_ops(); ++i) {
    const Op& op = st.op(i);
    if (is_backward(op.kind)) {
      add_backward_blocks(st, i, blocks);
      continue;
    }
    if (op.kind == Op::Kind::Conv) {
      Block k{Block::Kernel, i, op.conv.kh(), op.conv.kw(), 0, 0, 0, "", "⊛"};
      k.panes = op.conv.c_out() * (op.conv.kernels.empty() ? 0 : op.conv.kernels[0].c);
      k.title = "Kernel " + size_text(op.conv.kh(), op.conv.kw(), op.conv.kernels[0].c);
      if (op.conv.has_bias) k.title += ", b = " + format_number(op.conv.bias[0]);
      blocks.push_back(k);
    }
    const Grid& out = st.outputs()[size_t(i)];
    consumer_padding(st, i + 1, t, l, b, r);
    std::string what = op.kind == Op::Kind::Conv ? (op.conv.relu ? "Conv + ReLU " : "Conv output ")
                       : op.kind == Op::Kind::Pool ? "Max pool "
                                                   : "ReLU ";
    blocks.push_back({Block::Output, i, out.h + t + b, out.w + l + r, out.c, t, l,
                      what + size_text(out.h, out.w, out.c),
                      op.kind == Op::Kind::Conv ? "=" : "→"});
  }
  return blocks;
}

// Whether all values of a grid are 0 or 1: such grids toggle on click.
bool is_binary(const Grid& g) {
  return std::all_of(g.v.begin(), g.v.end(), [](double v) { return v == 0.0 || v == 1.0; });
}

std::string pane_label(const Lesson& lesson, const Block& b, int pane, int channels) {
  if (b.kind == Block::Kernel) {
    int k = pane / channels, c = pane % channels;
    std::string ch = c < int(lesson.channel_names.size()) && b.op == 0
                         ? lesson.channel_names[size_t(c)]
                         : "ch " + std::to_string(c + 1);
    return (b.panes > channels ? "kernel " + std::to_string(k + 1) + " · " : std::string()) + ch;
  }
  if (b.kind == Block::Input && pane < int(lesson.channel_names.size()))
    return lesson.channel_names[size_t(pane)];
  return "ch " + std::to_string(pane + 1);
}

// Everything a pane needs to draw its cells for the shown step.
struct StageContext {
  App& app;
  const Stepper& st;
  const Step& shown;   // the step whose window is framed (current, or the hovered output cell)
  int input_block_op;  // the block whose grid is the shown step's input: -1 = Input, else Output op
  std::vector<OutputSize> sizes;  // per op: the output-size formula, with the dropped rows/cols
};

CellLook source_cell_look(const StageContext& ctx, const Block& b, const Grid& g, int c, int r,
                          int col) {
  CellLook look;
  int y = r - b.pad_top, x = col - b.pad_left;
  bool real = g.in_bounds(y, x);
  look.padding = !real;
  // Cells the next op's windows never reach (a stride that does not fit): marked, not hidden.
  int consumer = b.kind == Block::Input ? 0 : b.op + 1;
  if (real && consumer < ctx.st.num_ops() && ctx.st.op(consumer).kind != Op::Kind::Relu) {
    const OutputSize& size = ctx.sizes[size_t(consumer)];
    auto has = [](const std::vector<int>& v, int i) {
      return std::find(v.begin(), v.end(), i) != v.end();
    };
    look.dropped = has(size.rows.dropped, y) || has(size.cols.dropped, x);
  }
  if (b.kind == Block::Output) {  // an output grid: blank until computed
    if (real && !cell_revealed(ctx.app.view, b.op, y, x, c)) {
      look.blank = true;
      const LessonView& v = ctx.app.view;
      look.hidden = v.predict && ctx.st.step_index(b.op, y, x, c) == v.step;
      look.current = v.step == ctx.st.step_index(b.op, y, x, c) && ctx.shown.op_index == b.op;
    }
    if (real && ctx.shown.op_index == b.op && ctx.shown.out_y == y && ctx.shown.out_x == x &&
        ctx.shown.out_c == c) {
      look.current = true;
    }
  }
  look.text = real ? format_number(g.at(y, x, c)) : "0";
  bool is_input = (b.kind == Block::Input && ctx.input_block_op == -1) ||
                  (b.kind == Block::Output && ctx.input_block_op == b.op);
  if (!is_input) return look;
  if (ctx.shown.cells_on_grad) return look;  // conv_backward_input reads dY, not X
  Op::Kind kind = ctx.shown.kind;
  bool weighted = kind == Op::Kind::Conv || kind == Op::Kind::ConvBackwardWeights ||
                  kind == Op::Kind::SgdStep;  // each X cell times a weight or a dY
  bool pool = kind == Op::Kind::Pool || kind == Op::Kind::PoolBackward;
  for (size_t i = 0; i < ctx.shown.cells.size(); ++i) {
    const WindowCell& wc = ctx.shown.cells[i];
    if (wc.in_y != y || wc.in_x != x || wc.in_c != c) continue;
    look.in_window = true;
    if (weighted) look.overlay = "×" + format_number(wc.k_value);
    if (pool && int(i) == ctx.shown.argmax_cell) look.is_max = true;
  }
  return look;
}

// An Extra block's cell: dY's cells this step reads are in the window (conv_backward_input: with
// the flipped kernel's weight; ReLU: every cell with its mask); softmax's column of the current
// class; Y' blank until the end.
CellLook extra_cell_look(const StageContext& ctx, const Block& b, const Grid& g, int c, int r,
                         int col) {
  CellLook look;
  int y = r - b.pad_top, x = col - b.pad_left;
  bool real = g.in_bounds(y, x);
  look.padding = !real;
  look.text = real ? format_number(g.at(y, x, c)) : "0";
  const Step& s = ctx.shown;
  const LessonView& v = ctx.app.view;
  // ReLU backward: every dY cell carries its mask [X > 0] as a weight, "×1" open, "×0" closed.
  if (b.extra == Extra::Grad && real && ctx.st.op(b.op).kind == Op::Kind::ReluBackward)
    look.overlay = ctx.st.input_of(b.op).at(y, x, c) > 0 ? "×1" : "×0";
  if (s.op_index != b.op) return look;
  if (b.extra == Extra::Grad) {
    look.in_window = y >= s.grad_y && y < s.grad_y + s.grad_h && x >= s.grad_x &&
                     x < s.grad_x + s.grad_w && (g.c == 1 || c == s.out_c);
    if (s.cells_on_grad && look.in_window)
      for (const WindowCell& wc : s.cells)
        if (wc.in_y == y && wc.in_x == x) look.overlay = "×" + format_number(wc.k_value);
  } else if (b.extra == Extra::KernelGrad) {
    look.in_window = y == s.kernel_y && x == s.kernel_x && c == s.out_c;
  } else if (b.extra == Extra::NewForward) {
    look.blank = v.step < ctx.st.num_steps() - 1 || !current_revealed(v);
  } else {
    look.in_window = y == s.out_y && x == s.out_x;
    if (b.extra == Extra::Probs && real && !cell_revealed(v, b.op, y, x, c)) look.blank = true;
  }
  return look;
}

void draw_pane(const StageContext& ctx, const Block& b, int pane, float cell,
               LayoutRecord* layout) {
  App& app = ctx.app;
  const Stepper& st = ctx.st;
  const Step& s = ctx.shown;
  std::string id =
      "##b" + std::to_string(int(b.kind)) + "_" + std::to_string(b.op) + "_" + std::to_string(pane);
  if (b.kind == Block::Kernel) {
    const ConvOp& conv = st.op(b.op).conv;
    int channels = conv.kernels[0].c, k = pane / channels, c = pane % channels;
    const Grid& kernel = app.view.lesson.ops[size_t(b.op)].conv.kernels[size_t(k)];
    GridWindow frame;
    if (s.kind == Op::Kind::Conv && s.op_index == b.op && s.out_c == k)
      frame = {0, 0, kernel.h, kernel.w};
    if (s.op_index == b.op && s.kernel_y >= 0 && c == s.out_c)  // dW, W': the weight computed
      frame = {s.kernel_y, s.kernel_x, 1, 1};
    if (s.op_index == b.op && s.cells_on_grad && c == s.out_c) frame = {0, 0, kernel.h, kernel.w};
    auto look = [&](int r, int col) {
      CellLook l;
      l.text = format_number(kernel.at(r, col, c));
      return l;
    };
    std::string name =
        "kernel" + std::to_string(b.op) + ".k" + std::to_string(k) + ".c" + std::to_string(c);
    GridHit hit = draw_grid(id.c_str(), kernel.h, kernel.w, cell, frame, app.theme.grid, app.fonts,
                            look, layout, name, 0, 0);
    if (hit.clicked || hit.right_clicked) {
      app.cell_edit = {
          true, hit.clicked && is_binary(kernel), false, true, b.op, k, hit.row, hit.col,
          c,    kernel.at(hit.row, hit.col, c)};
    }
    return;
  }
  if (b.kind == Block::Extra) {
    Grid g = extra_grid(st, b);
    GridWindow frame;
    if (b.extra == Extra::Grad && s.op_index == b.op && s.grad_h > 0 &&
        (g.c == 1 || pane == s.out_c))
      frame = {s.grad_y + b.pad_top, s.grad_x + b.pad_left, s.grad_h, s.grad_w};
    if (b.extra == Extra::KernelGrad && s.op_index == b.op && pane == s.out_c)
      frame = {s.kernel_y, s.kernel_x, 1, 1};
    auto look = [&](int r, int col) { return extra_cell_look(ctx, b, g, pane, r, col); };
    std::string name = "extra" + std::to_string(b.op) + "." + std::to_string(int(b.extra)) + ".c" +
                       std::to_string(pane);
    draw_grid(id.c_str(), b.rows, b.cols, cell, frame, app.theme.grid, app.fonts, look, layout,
              name, b.pad_top, b.pad_left);
    return;
  }
  const Grid& g = b.kind == Block::Input ? app.view.lesson.input : st.outputs()[size_t(b.op)];
  GridWindow frame;
  bool is_input = (b.kind == Block::Input && ctx.input_block_op == -1) ||
                  (b.kind == Block::Output && ctx.input_block_op == b.op);
  bool per_channel = s.kind != Op::Kind::Conv;  // pool and ReLU windows stay in one channel
  if (is_input && !s.cells_on_grad && (!per_channel || s.out_c == pane)) {
    frame = {s.win_y + b.pad_top, s.win_x + b.pad_left, s.win_h, s.win_w};
  }
  auto look = [&](int r, int col) { return source_cell_look(ctx, b, g, pane, r, col); };
  std::string name =
      (b.kind == Block::Input ? std::string("input") : "out" + std::to_string(b.op)) + ".c" +
      std::to_string(pane);
  GridHit hit = draw_grid(id.c_str(), b.rows, b.cols, cell, frame, app.theme.grid, app.fonts, look,
                          layout, name, b.pad_top, b.pad_left);
  if (!hit.hovered) return;
  int y = hit.row - b.pad_top, x = hit.col - b.pad_left;
  if (!g.in_bounds(y, x)) return;
  if (b.kind == Block::Output) {
    if (cell_revealed(app.view, b.op, y, x, pane))
      app.view.hover_step = st.step_index(b.op, y, x, pane);
    return;
  }
  if (hit.clicked || hit.right_clicked) {
    app.cell_edit = {
        true, hit.clicked && is_binary(g), false, false, 0, 0, y, x, pane, g.at(y, x, pane)};
  }
}

// The separators ("⊛", "=", "→") between blocks: half a cell, between the text's size and the
// tape's (so they take the same share of the row at every zoom).
float separator_size(const App& app, float cell) {
  float most = app.fonts.tape ? app.fonts.tape->FontSize : ImGui::GetFontSize() * 2.0f;
  return std::clamp(cell * 0.5f, std::min(ImGui::GetFontSize(), most), most);
}
float separator_width(const App& app, float cell) {
  return separator_size(app, cell) * 0.9f + ImGui::GetStyle().ItemSpacing.x * 0.5f;
}

// A block's width at `cell`: its grid(s), or its title's longest word (titles wrap) if wider.
float grid_width(const Block& b, float cell, bool side_by_side) {
  if (!side_by_side) return float(b.cols) * cell;
  return float(b.cols * b.panes) * cell + ImGui::GetStyle().ItemSpacing.x * float(b.panes - 1);
}

float widest_word(const std::string& text) {
  float most = 0;
  for (size_t at = 0; at < text.size();) {
    size_t end = std::min(text.find(' ', at), text.size());
    most = std::max(most, ImGui::CalcTextSize(text.c_str() + at, text.c_str() + end).x);
    at = end + 1;
  }
  return most;
}

// Titles either stay on one line (the block is as wide as its title) or wrap over the grid (the
// block is as wide as the title's longest word; +1 px so ImGui's wrap agrees).
float title_width(const Block& b, bool wrap) {
  return (wrap ? widest_word(b.title) : ImGui::CalcTextSize(b.title.c_str()).x) + 1.0f;
}

float block_width(const Block& b, float cell, bool side_by_side, bool wrap) {
  return std::max(grid_width(b, cell, side_by_side), title_width(b, wrap));
}

// The titles' row: as tall as the title that wraps onto the most lines over its block.
float title_row_height(const std::vector<Block>& blocks, float cell, bool side_by_side, bool wrap) {
  float most = ImGui::GetTextLineHeight();
  for (const Block& b : blocks) {
    if (!wrap) break;
    float w = block_width(b, cell, side_by_side, wrap);
    most = std::max(most, ImGui::CalcTextSize(b.title.c_str(), nullptr, false, w).y);
  }
  return most + ImGui::GetStyle().ItemSpacing.y;
}

// The cell side that fits `blocks` into width × height, panes stacked vertically (one column per
// block) or side by side (one row of panes per block). The largest useful cell is 3× the mono
// font (5× in presentation mode, where the grids have the screen to themselves): zoom grows them.
// Titles wrap and separators scale with the cells, so the fit is found in a few passes.
float choose_cell_size(const App& app, const std::vector<Block>& blocks, float width, float height,
                       bool side_by_side, bool wrap) {
  const ImGuiStyle& style = ImGui::GetStyle();
  float line = ImGui::GetTextLineHeightWithSpacing();
  float mono = app.fonts.mono ? app.fonts.mono->FontSize : 30.0f;
  float cap = mono * (app.presentation ? 5.0f : 3.0f), cell = cap;
  float seps = float(blocks.size() - 1);
  for (int pass = 0; pass < 8; ++pass) {
    float titles_h = title_row_height(blocks, cell, side_by_side, wrap), next = cap;
    float fixed_w = style.ItemSpacing.x + seps * separator_width(app, cell), words = 0, cols = 0;
    for (const Block& b : blocks) {
      float labels = b.panes > 1 ? line : 0.0f;
      if (side_by_side) {
        next = std::min(next, (height - titles_h - labels - style.ItemSpacing.y) / float(b.rows));
        fixed_w += style.ItemSpacing.x * float(b.panes - 1);
      } else {
        float fixed_h = titles_h + (labels + style.ItemSpacing.y) * float(b.panes);
        next = std::min(next, (height - fixed_h) / float(b.rows * b.panes));
      }
      float grid_cols = float(b.cols * (side_by_side ? b.panes : 1));
      float word = title_width(b, wrap);
      if (word > grid_cols * cell)
        words += word;
      else
        cols += grid_cols;
    }
    if (cols > 0) next = std::min(next, (width - fixed_w - words) / cols);
    bool settled = std::abs(next - cell) < 0.5f;
    cell = next;
    if (settled) break;
  }
  return std::floor(std::max(cell, 0.0f));  // 0: nothing fits (the planner compares raw sizes)
}

// The blocks of op `op`'s steps: its input, its kernel (conv), its output.
std::vector<Block> focus_blocks(const std::vector<Block>& all, int op) {
  std::vector<Block> out;
  for (const Block& b : all) {
    bool source = op == 0 ? b.kind == Block::Input : b.kind == Block::Output && b.op == op - 1;
    if (source || (b.kind != Block::Input && b.op == op)) out.push_back(b);
  }
  if (!out.empty()) out.front().separator.clear();
  return out;
}

// What the stage draws in width × height: every block if their cells are readable (a digit at
// least as tall as the text), else only the current op's blocks when that makes them bigger. The
// focused cell is the smallest over all ops, so it does not jump between a conv and a pool step.
struct StagePick {
  std::vector<Block> blocks;
  float cell = 0;
  bool side_by_side = false, focus = false;
  bool wrap = false;  // titles wrap over their grids
  float title_h = 0;  // the titles' row
};

StagePick with_titles(StagePick pick) {
  pick.title_h = title_row_height(pick.blocks, pick.cell, pick.side_by_side, pick.wrap);
  return pick;
}

StagePick pick_blocks(const App& app, const Stepper& st, int op, float width, float height) {
  std::vector<Block> all = make_blocks(st);
  // The best of panes stacked or side by side, titles on one line or wrapped.
  auto best = [&](const std::vector<Block>& blocks, StagePick& p) {
    p.blocks = blocks;
    p.cell = 0;
    for (int k = 0; k < 4; ++k) {
      bool side = k & 1, wrap = k & 2;
      float c = choose_cell_size(app, blocks, width, height, side, wrap);
      if (c > p.cell) p.cell = c, p.side_by_side = side, p.wrap = wrap;
    }
    return p.cell;
  };
  StagePick pick;
  best(all, pick);
  float readable = ImGui::GetFontSize() * 2.25f;  // a digit's ink (~0.53 cell) ≈ 1.6× the letters'
  if (pick.cell >= readable || st.num_ops() < 2) return with_titles(pick);
  StagePick focus;
  float least = FLT_MAX;  // the focused cell: the smallest over all ops, so it does not jump
  for (int i = 0; i < st.num_ops(); ++i) {
    StagePick p;
    least = std::min(least, best(focus_blocks(all, i), p));
    if (i == op) focus = p;
  }
  focus.cell = least;
  focus.focus = true;
  if (least > pick.cell) pick = focus;
  return with_titles(pick);
}

}  // namespace

float grids_cell_size(const App& app, float width, float height) {
  if (!app.view.loaded()) return 0;
  if (is_softmax_stage(app)) return softmax_cell_size(app, width, height);
  const Stepper& st = *app.view.stepper;
  return pick_blocks(app, st, st.step(app.view.step).op_index, width, height).cell;
}

void draw_grids_panel(App& app, float width, float height) {
  LessonView& view = app.view;
  if (!view.loaded()) {
    ImGui::TextWrapped("No lesson is open. Lesson files live in lessons/ (see the log below).");
    return;
  }
  if (is_softmax_stage(app)) {
    draw_softmax_table(app, width, height);
    return;
  }
  const Stepper& st = *view.stepper;
  int shown_index =
      view.hover_step >= 0 && view.hover_step < st.num_steps() ? view.hover_step : view.step;
  view.hover_step = -1;  // set again below if the mouse is still over an output cell
  Step shown = st.step(shown_index);
  StagePick pick = pick_blocks(app, st, st.step(view.step).op_index, width, height);
  if (pick.focus) shown = st.step(view.step);  // hovering a hidden block's cell cannot happen
  const std::vector<Block>& blocks = pick.blocks;
  float cell = std::max(pick.cell, 8.0f);
  ImFont* sep_font = app.fonts.tape ? app.fonts.tape : ImGui::GetFont();
  float sep_size = separator_size(app, cell);
  StageContext ctx{app, st, shown, shown.op_index == 0 ? -1 : shown.op_index - 1, {}};
  for (int i = 0; i < st.num_ops(); ++i) ctx.sizes.push_back(st.output_size(i));
  LayoutRecord* layout = app.record_layout ? &app.layout : nullptr;
  float top = ImGui::GetCursorPosY();
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    if (i > 0) {  // "⊛", "=", "→" between blocks, centred on the first pane
      ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 0.25f);
      float labels = pick.title_h + (b.panes > 1 ? ImGui::GetTextLineHeightWithSpacing() : 0.0f);
      ImVec2 at = ImGui::GetCursorScreenPos();
      ImVec2 extent = sep_font->CalcTextSizeA(sep_size, FLT_MAX, 0, b.separator.c_str());
      float y = at.y + labels + float(b.rows) * cell * 0.5f - extent.y * 0.5f;
      float w = sep_size * 0.9f;
      ImGui::GetWindowDrawList()->AddText(sep_font, sep_size,
                                          ImVec2(at.x + (w - extent.x) * 0.5f, y),
                                          ImGui::GetColorU32(ImGuiCol_Text), b.separator.c_str());
      ImGui::Dummy(ImVec2(w, 1.0f));
      ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 0.25f);
      ImGui::SetCursorPosY(top);
    }
    ImGui::BeginGroup();
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() +
                           block_width(b, cell, pick.side_by_side, pick.wrap));
    ImGui::TextWrapped("%s", b.title.c_str());
    ImGui::PopTextWrapPos();
    ImGui::SetCursorPosY(top + pick.title_h);
    int channels = b.kind == Block::Kernel ? st.op(b.op).conv.kernels[0].c : b.panes;
    for (int p = 0; p < b.panes; ++p) {
      if (pick.side_by_side && p > 0) ImGui::SameLine();
      ImGui::BeginGroup();
      if (b.panes > 1) ImGui::TextUnformatted(pane_label(view.lesson, b, p, channels).c_str());
      draw_pane(ctx, b, p, cell, layout);
      ImGui::EndGroup();
    }
    ImGui::EndGroup();
  }
}

}  // namespace cnnlab
