// lesson/lesson_parse.cpp — TOML lesson file → Lesson, with every problem reported as PATH:LINE,
// reason and hint.
//
// Schema (see lessons/*.toml for worked examples):
//   id = "course-example-1"        (required; letters, digits, '-', '_')
//   title = "..."                  (required)
//   text = """..."""               (required; paragraphs split by blank lines)
//   order = 1                      (optional; list position)
//   tie_rule = "..."               (optional)
//   binary_input = true, sandbox = false           (optional)
//   input = [[...], ...]           (one channel, H rows of W numbers) or [[[...]], ...] (C
//   channels) channel_names = ["R","G","B"]  (optional; one per input channel)
//   [[ops]] type = "conv": kernel = 2-D or 3-D (C_in channels) | kernels = [kernel, ...];
//           bias = number | [numbers]; stride = 1; padding = "valid" | "same" | N |
//           {top,bottom,left,right}; relu = false; label = "..."; expected = grid
//   [[ops]] type = "maxpool": size = 2; stride = size; expected = grid
//   [[ops]] type = "relu": expected = grid
//   Backward ops (lessons/backward/; the last op; X = the op's input; dY = grad, or Y − T for
//   target = T with L = ½Σ(Y − T)²):
//   [[ops]] type = "relu_backward" | "maxpool_backward" (size, stride): grad | target
//   [[ops]] type = "conv_backward_weights" | "conv_backward_input": kernel, padding; grad | target
//   [[ops]] type = "sgd_step": kernel, padding, learning_rate, target
//   [[ops]] type = "softmax_cross_entropy": classes = ["a", ...], true_class = "a" (the only op;
//           the input is one row of logits)
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/fileio.h"
#include "core/padding.h"
#include "lesson/stepper.h"

namespace cnnlab {

namespace {

// [SECTION] helpers ------------------------------------------------------------------------------

struct Parser {
  std::string path;

  int line_of(const toml::node& n) const { return int(n.source().begin.line); }
  [[noreturn]] void fail(int line, const std::string& reason, const std::string& hint) const {
    throw UserError(path, reason, hint, line);
  }

  static const char* type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string:
        return "a string";
      case toml::node_type::integer:
        return "an integer";
      case toml::node_type::floating_point:
        return "a number";
      case toml::node_type::boolean:
        return "true/false";
      case toml::node_type::array:
        return "a list";
      case toml::node_type::table:
        return "a table";
      default:
        return "a date/time";
    }
  }

  double number(const toml::node& n, const std::string& what) const {
    if (auto i = n.as_integer()) return double(i->get());
    if (auto f = n.as_floating_point()) {
      if (!std::isfinite(f->get()))
        fail(line_of(n), what + " must be a finite number",
             "use plain numbers like 0, 1, -2 or 0.5");
      return f->get();
    }
    fail(line_of(n), what + " must be a number, not " + std::string(type_name(n)),
         "write numbers without quotes, e.g. [[0, 1], [1, 0]]");
  }

  // A whole number in [lo, hi]. Out of range is an error, never truncated (4294967297 is not 1).
  int integer(const toml::node& n, const std::string& what, long long lo, long long hi,
              const std::string& where, const std::string& hint) const {
    auto i = n.as_integer();
    if (!i)
      fail(line_of(n), what + " must be a whole number, not " + std::string(type_name(n)),
           "e.g. " + what + " = 1");
    long long v = i->get();
    if (v < lo)
      fail(line_of(n),
           what + " must be " + std::to_string(lo) + " or more, not " + std::to_string(v) + where,
           hint);
    if (v > hi)
      fail(line_of(n),
           what + " must be at most " + std::to_string(hi) + ", not " + std::to_string(v) + where,
           hint);
    return int(v);
  }

  // Grid sizes are checked before anything is allocated: a lesson grid is small (lesson.h limits).
  void check_side(const toml::node& n, size_t count, const std::string& what,
                  const char* unit) const {
    if (count > size_t(kMaxLessonGridSide))
      fail(line_of(n),
           what + " has " + std::to_string(count) + " " + unit + "; a lesson grid has at most " +
               std::to_string(kMaxLessonGridSide),
           "lessons use small grids, at most 64×64");
  }

  std::string string_of(const toml::node& n, const std::string& what) const {
    if (auto s = n.as_string()) return s->get();
    fail(line_of(n), what + " must be text in quotes, not " + std::string(type_name(n)),
         "e.g. " + what + " = \"...\"");
  }

  bool boolean(const toml::node& n, const std::string& what) const {
    if (auto b = n.as_boolean()) return b->get();
    fail(line_of(n), what + " must be true or false, not " + std::string(type_name(n)),
         "e.g. " + what + " = true");
  }

  const toml::node& require(const toml::table& t, const char* key, const std::string& where) const {
    const toml::node* n = t.get(key);
    if (!n)
      fail(line_of(t) > 0 ? line_of(t) : 1, std::string("missing key '") + key + "'" + where,
           std::string("add ") + key + " = ...");
    return *n;
  }

  void check_keys(const toml::table& t, const std::set<std::string>& known,
                  const std::string& where) const {
    for (auto&& [k, v] : t) {
      if (known.count(std::string(k.str()))) continue;
      std::string list;
      for (const std::string& s : known) list += (list.empty() ? "" : ", ") + s;
      fail(line_of(v), "unknown key '" + std::string(k.str()) + "'" + where, "known keys: " + list);
    }
  }

  // A 2-D list of numbers, all rows the same length: (H, W, 1).
  Grid matrix(const toml::node& n, const std::string& what) const {
    const toml::array* rows = n.as_array();
    if (!rows || rows->empty())
      fail(line_of(n), what + " must be a non-empty list of rows, e.g. [[0, 1], [1, 0]]",
           "check the brackets");
    check_side(n, rows->size(), what, "rows");
    Grid g;
    for (size_t y = 0; y < rows->size(); ++y) {
      const toml::node& row_node = *rows->get(y);
      const toml::array* row = row_node.as_array();
      std::string row_name = what + " row " + std::to_string(y + 1);
      if (!row)
        fail(line_of(row_node), row_name + " must be a list of numbers",
             "each row looks like [0, 1, 0]");
      if (y == 0) g = Grid(int(rows->size()), int(row->size()), 1);
      if (row->empty())
        fail(line_of(row_node), row_name + " is empty", "give every row at least one number");
      check_side(row_node, row->size(), row_name, "numbers");
      if (int(row->size()) != g.w)
        fail(line_of(row_node),
             what + " is ragged: row " + std::to_string(y + 1) + " has " +
                 std::to_string(row->size()) + " numbers but row 1 has " + std::to_string(g.w),
             "every row needs the same number of values");
      for (size_t x = 0; x < row->size(); ++x)
        g.at(int(y), int(x)) = number(*row->get(x), what + " row " + std::to_string(y + 1) +
                                                        " value " + std::to_string(x + 1));
    }
    return g;
  }

  static bool is_3d(const toml::node& n) {
    const toml::array* a = n.as_array();
    if (!a || a->empty() || !a->get(0)->is_array()) return false;
    const toml::array* b = a->get(0)->as_array();
    return !b->empty() && b->get(0)->is_array();
  }

  // A 2-D grid (one channel) or a list of C equally sized 2-D grids: (H, W, C).
  Grid grid(const toml::node& n, const std::string& what) const {
    if (!is_3d(n)) return matrix(n, what);
    const toml::array& chans = *n.as_array();
    if (chans.size() > size_t(kMaxLessonChannels))
      fail(line_of(n),
           what + " has " + std::to_string(chans.size()) + " channels; a lesson grid has at most " +
               std::to_string(kMaxLessonChannels),
           "use at most 16 channels");
    std::vector<Grid> planes;
    for (size_t c = 0; c < chans.size(); ++c) {
      planes.push_back(matrix(*chans.get(c), what + " channel " + std::to_string(c + 1)));
      if (planes[c].h != planes[0].h || planes[c].w != planes[0].w)
        fail(line_of(*chans.get(c)),
             what + " channel " + std::to_string(c + 1) + " is " + std::to_string(planes[c].h) +
                 "×" + std::to_string(planes[c].w) + " but channel 1 is " +
                 std::to_string(planes[0].h) + "×" + std::to_string(planes[0].w),
             "all channels must have the same size");
    }
    Grid g(planes[0].h, planes[0].w, int(planes.size()));
    for (int c = 0; c < g.c; ++c)
      for (int y = 0; y < g.h; ++y)
        for (int x = 0; x < g.w; ++x) g.at(y, x, c) = planes[c].at(y, x);
    return g;
  }

  static std::string size_text(int h, int w) { return std::to_string(h) + "×" + std::to_string(w); }

  // [SECTION] ops --------------------------------------------------------------------------------

  // Explicit pads are at most the kernel's size on their axis: more only adds zeros no window uses.
  void parse_padding(const toml::node& n, ConvOp& cv, const std::string& where) const {
    if (auto s = n.as_string()) {
      if (s->get() == "valid")
        cv.padding = GridPadding::Valid;
      else if (s->get() == "same")
        cv.padding = GridPadding::Same;
      else
        fail(line_of(n), "unknown padding \"" + s->get() + "\"" + where,
             "use \"valid\", \"same\", a number of zero rings, or {top=1, bottom=1, left=1, "
             "right=1}");
      return;
    }
    cv.padding = GridPadding::Explicit;
    if (n.is_integer()) {
      int p =
          integer(n, "padding", 0, std::min(cv.kh(), cv.kw()), where,
                  "e.g. padding = 1 adds one ring of zeros; padding is at most the kernel's size");
      cv.pad_top = cv.pad_bottom = cv.pad_left = cv.pad_right = p;
      return;
    }
    const toml::table* t = n.as_table();
    if (!t)
      fail(line_of(n), "padding must be \"valid\", \"same\", a number or a table" + where,
           "e.g. padding = \"same\"");
    check_keys(*t, {"top", "bottom", "left", "right"}, " in padding" + where);
    int* fields[4] = {&cv.pad_top, &cv.pad_bottom, &cv.pad_left, &cv.pad_right};
    const char* names[4] = {"top", "bottom", "left", "right"};
    for (int i = 0; i < 4; ++i) {
      if (const toml::node* v = t->get(names[i]))
        *fields[i] =
            integer(*v, std::string("padding.") + names[i], 0, i < 2 ? cv.kh() : cv.kw(), where,
                    "use 0 for no padding on a side; padding is at most the kernel's size");
    }
  }

  ConvOp parse_conv(const toml::table& t, int in_c, const std::string& where) const {
    check_keys(
        t, {"type", "label", "kernel", "kernels", "bias", "stride", "padding", "relu", "expected"},
        where);
    ConvOp cv;
    const toml::node* kn = t.get("kernel");
    const toml::node* ksn = t.get("kernels");
    if (!kn && !ksn)
      fail(line_of(t), "missing key 'kernel'" + where,
           "add kernel = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]");
    if (kn && ksn)
      fail(line_of(*ksn), "give either 'kernel' or 'kernels', not both" + where,
           "kernels = [k1, k2] makes one output channel per kernel");
    if (kn) {
      cv.kernels.push_back(grid(*kn, "kernel"));
    } else {
      const toml::array* ks = ksn->as_array();
      if (!ks || ks->empty())
        fail(line_of(*ksn), "kernels must be a non-empty list of kernels" + where,
             "kernels = [ [[1,0],[0,1]], [[0,1],[1,0]] ]");
      if (ks->size() > size_t(kMaxLessonChannels))
        fail(line_of(*ksn),
             "kernels has " + std::to_string(ks->size()) + " kernels; a conv has at most " +
                 std::to_string(kMaxLessonChannels) + where,
             "use at most 16 kernels");
      for (size_t i = 0; i < ks->size(); ++i) {
        cv.kernels.push_back(grid(*ks->get(i), "kernel " + std::to_string(i + 1)));
        if (cv.kernels[i].h != cv.kernels[0].h || cv.kernels[i].w != cv.kernels[0].w ||
            cv.kernels[i].c != cv.kernels[0].c)
          fail(line_of(*ks->get(i)),
               "kernel " + std::to_string(i + 1) + " has a different shape from kernel 1" + where,
               "all kernels of one conv have the same size and channels");
      }
    }
    const Grid& k0 = cv.kernels[0];
    if (k0.c != in_c)
      fail(line_of(kn ? *kn : *ksn),
           "the kernel has " + std::to_string(k0.c) + " channel(s) but its input has " +
               std::to_string(in_c) + where,
           "a kernel needs one 2-D slice per input channel: write it as a list of " +
               std::to_string(in_c) + " grids");
    cv.bias.assign(cv.kernels.size(), 0.0);
    if (const toml::node* b = t.get("bias")) {
      cv.has_bias = true;
      if (const toml::array* bs = b->as_array()) {
        if (bs->size() != cv.kernels.size())
          fail(line_of(*b),
               "bias has " + std::to_string(bs->size()) + " values but there are " +
                   std::to_string(cv.kernels.size()) + " kernels" + where,
               "one bias per kernel");
        for (size_t i = 0; i < bs->size(); ++i) cv.bias[i] = number(*bs->get(i), "bias");
      } else {
        double v = number(*b, "bias");
        cv.bias.assign(cv.kernels.size(), v);
      }
    }
    if (const toml::node* s = t.get("stride"))
      cv.stride = integer(*s, "stride", 1, kMaxLessonStride, where,
                          "stride = 1 moves the window one cell at a time");
    if (const toml::node* p = t.get("padding")) parse_padding(*p, cv, where);
    if (const toml::node* r = t.get("relu")) cv.relu = boolean(*r, "relu");
    return cv;
  }

  PoolOp parse_pool(const toml::table& t, const std::string& where) const {
    check_keys(t, {"type", "label", "size", "stride", "expected"}, where);
    return parse_pool_fields(t, where);
  }

  PoolOp parse_pool_fields(const toml::table& t, const std::string& where) const {
    PoolOp p;
    if (const toml::node* s = t.get("size"))
      p.size = integer(*s, "pool size", 1, kMaxLessonGridSide, where, "size = 2 pools 2×2 windows");
    p.stride = p.size;
    if (const toml::node* s = t.get("stride"))
      p.stride = integer(*s, "stride", 1, kMaxLessonStride, where,
                         "stride = 2 moves the window two cells at a time");
    return p;
  }

  // The upstream gradient: `grad` (dY itself) or `target` (T, dY = Y − T), exactly one.
  void parse_upstream(const toml::table& t, BackwardOp& b, bool need_target,
                      const std::string& where) const {
    const toml::node* g = t.get("grad");
    const toml::node* tg = t.get("target");
    if (g && tg)
      fail(line_of(*tg), "give either 'grad' or 'target', not both" + where,
           "grad = dY itself; target = T, with the loss L = ½Σ(Y − T)² and dY = Y − T");
    if (need_target && !tg)
      fail(line_of(g ? *g : t), "missing key 'target'" + where,
           "the SGD step shows the loss before and after: give target = T (Y's shape)");
    if (!g && !tg)
      fail(line_of(t), "missing key 'grad' or 'target'" + where,
           "grad = dY itself; target = T, with the loss L = ½Σ(Y − T)² and dY = Y − T");
    if (g) b.grad = grid(*g, "grad");
    if (tg) b.target = grid(*tg, "target");
  }

  void parse_softmax(const toml::table& t, BackwardOp& b, const std::string& where) const {
    const toml::node& cn = require(t, "classes", where);
    const toml::array* cs = cn.as_array();
    if (!cs || cs->empty())
      fail(line_of(cn), "classes must be a list of names" + where,
           "one name per logit, e.g. classes = [\"daisy\", \"rose\", \"tulip\"]");
    for (size_t i = 0; i < cs->size() && i <= size_t(kMaxLessonClasses); ++i)
      b.classes.push_back(string_of(*cs->get(i), "classes"));
    const toml::node& tn = require(t, "true_class", where);
    std::string truth = string_of(tn, "true_class");
    auto it = std::find(b.classes.begin(), b.classes.end(), truth);
    if (it == b.classes.end())
      fail(line_of(tn), "true_class \"" + truth + "\" is not one of the classes" + where,
           "use one of the names in classes");
    b.true_class = int(it - b.classes.begin());
  }

  // A backward op (lesson.h BackwardOp): its keys, kernel or pool window, upstream gradient.
  void parse_backward(const toml::table& t, Op& op, int in_c, const std::string& where) const {
    std::set<std::string> keys = {"type", "label", "expected", "grad", "target"};
    if (op.kind == Op::Kind::PoolBackward) keys.insert({"size", "stride"});
    if (uses_kernel(op.kind)) keys.insert({"kernel", "padding"});
    if (op.kind == Op::Kind::SgdStep) keys.insert("learning_rate");
    if (op.kind == Op::Kind::SoftmaxXent)
      keys = {"type", "label", "expected", "classes", "true_class"};
    check_keys(t, keys, where);
    if (op.kind == Op::Kind::SoftmaxXent) return parse_softmax(t, op.back, where);
    if (op.kind == Op::Kind::PoolBackward) op.pool = parse_pool_fields(t, where);
    if (uses_kernel(op.kind)) {
      const toml::node& kn = require(t, "kernel", where);
      op.conv.kernels.push_back(grid(kn, "kernel"));
      op.conv.bias.assign(1, 0.0);
      if (op.conv.kernels[0].c != in_c)
        fail(line_of(kn),
             "the kernel has " + std::to_string(op.conv.kernels[0].c) +
                 " channel(s) but its input has " + std::to_string(in_c) + where,
             "a kernel needs one 2-D slice per input channel");
      if (const toml::node* p = t.get("padding")) parse_padding(*p, op.conv, where);
    }
    if (op.kind == Op::Kind::SgdStep) {
      const toml::node& lr = require(t, "learning_rate", where);
      double eta = number(lr, "learning_rate");
      if (!(eta > 0 && eta <= 10))
        fail(line_of(lr), "learning_rate must be more than 0 and at most 10" + where,
             "e.g. learning_rate = 0.1: small steps keep the numbers readable");
      op.back.learning_rate = eta;
    }
    parse_upstream(t, op.back, op.kind == Op::Kind::SgdStep, where);
  }

  static std::string default_label(const Op& op) {
    switch (op.kind) {
      case Op::Kind::ReluBackward:
        return "ReLU backward";
      case Op::Kind::PoolBackward:
        return "max pool backward";
      case Op::Kind::ConvBackwardWeights:
        return "conv backward: dW";
      case Op::Kind::ConvBackwardInput:
        return "conv backward: dX";
      case Op::Kind::SgdStep:
        return "one SGD step";
      case Op::Kind::SoftmaxXent:
        return "softmax + cross-entropy";
      default:
        break;
    }
    if (op.kind == Op::Kind::Relu) return "ReLU";
    if (op.kind == Op::Kind::Pool)
      return size_text(op.pool.size, op.pool.size) + " max pool, stride " +
             std::to_string(op.pool.stride);
    const ConvOp& c = op.conv;
    std::string s = c.c_out() > 1 ? std::to_string(c.c_out()) + " kernels " : std::string();
    s += size_text(c.kh(), c.kw()) +
         (c.kernels[0].c > 1 ? "×" + std::to_string(c.kernels[0].c) : "") + " conv, stride " +
         std::to_string(c.stride);
    s += c.padding == GridPadding::Same    ? ", same"
         : c.padding == GridPadding::Valid ? ", valid"
                                           : ", padded";
    if (c.relu) s += ", ReLU";
    return s;
  }
};

// Checks one op against its input shape (resolving padding) and returns its output shape and the
// multiplications it needs, or a problem. Shared by parse_lesson (which adds the line) and
// check_lesson (sandbox edits), so both enforce the same limits.
struct OpCheck {
  std::string reason, hint;
  int h = 0, w = 0, c = 0;
  long long products = 0;  // multiply-adds (pool: comparisons) for the whole output
};

OpCheck problem(std::string reason, std::string hint) {
  OpCheck r;
  r.reason = std::move(reason), r.hint = std::move(hint);
  return r;
}

OpCheck check_pool(const PoolOp& p, int in_h, int in_w, int in_c) {
  if (p.size < 1 || p.stride < 1)
    return problem("pool size and stride must be 1 or more",
                   "size = 2, stride = 2 is the usual choice");
  if (p.stride > kMaxLessonStride)
    return problem("stride must be at most " + std::to_string(kMaxLessonStride),
                   "stride = 2 is the usual choice");
  if (p.size > in_h || p.size > in_w)
    return problem("pool window " + Parser::size_text(p.size, p.size) +
                       " is larger than its input " + Parser::size_text(in_h, in_w),
                   "use a smaller size or a larger input");
  OpCheck r;
  r.h = (in_h - p.size) / p.stride + 1, r.w = (in_w - p.size) / p.stride + 1, r.c = in_c;
  r.products = (long long)r.h * r.w * r.c * p.size * p.size;
  return r;
}

OpCheck check_conv(ConvOp& cv, int in_h, int in_w, int in_c) {
  if (cv.kernels.empty() || cv.kernels[0].c != in_c)
    return problem("the kernel's channels do not match its input's " + std::to_string(in_c),
                   "one 2-D slice per input channel");
  if (cv.c_out() > kMaxLessonChannels)
    return problem("a conv has at most " + std::to_string(kMaxLessonChannels) + " kernels",
                   "remove some kernels");
  for (const Grid& k : cv.kernels)
    if (k.h < 1 || k.w < 1 || k.h != cv.kh() || k.w != cv.kw() || k.c != in_c ||
        k.v.size() != size_t(k.h) * k.w * k.c)
      return problem("all kernels of a conv need the same non-empty shape",
                     "resize every kernel together");
  if (cv.bias.size() != cv.kernels.size())
    return problem("a conv needs one bias per kernel", "bias = 0 gives every kernel a zero bias");
  if (cv.stride < 1)
    return problem("stride must be 1 or more, not " + std::to_string(cv.stride),
                   "stride = 1 moves the window one cell at a time");
  if (cv.stride > kMaxLessonStride)
    return problem("stride must be at most " + std::to_string(kMaxLessonStride) + ", not " +
                       std::to_string(cv.stride),
                   "stride = 1 moves the window one cell at a time");
  if (std::min({cv.pad_top, cv.pad_left, cv.pad_bottom, cv.pad_right}) < 0)
    return problem("padding cannot be negative", "use 0 for no padding on a side");
  if (std::max(cv.pad_top, cv.pad_bottom) > cv.kh() ||
      std::max(cv.pad_left, cv.pad_right) > cv.kw())
    return problem("padding is more than the kernel's size " + Parser::size_text(cv.kh(), cv.kw()),
                   "padding is at most the kernel's size; more only adds zeros no window uses");
  resolve_padding(cv, in_h, in_w);
  int ph = in_h + cv.pad_top + cv.pad_bottom, pw = in_w + cv.pad_left + cv.pad_right;
  if (cv.kh() > ph || cv.kw() > pw)
    return problem("kernel " + Parser::size_text(cv.kh(), cv.kw()) +
                       " is larger than the padded input " + Parser::size_text(ph, pw),
                   "use a smaller kernel, more padding, or a larger input");
  OpCheck r;
  r.h = (ph - cv.kh()) / cv.stride + 1, r.w = (pw - cv.kw()) / cv.stride + 1, r.c = cv.c_out();
  r.products = (long long)r.h * r.w * r.c * cv.kh() * cv.kw() * in_c;
  return r;
}

std::string grid_shape_text(const Grid& g) {
  return Parser::size_text(g.h, g.w) + (g.c > 1 ? "×" + std::to_string(g.c) : "");
}

// A backward op: its forward part (conv, pool) as check_conv/check_pool, then the upstream
// gradient against Y's shape, the softmax's classes against the logits.
OpCheck check_backward(Op& op, int in_h, int in_w, int in_c) {
  OpCheck fwd;
  if (op.kind == Op::Kind::SoftmaxXent) {
    if (in_h != 1 || in_c != 1 || in_w < 2 || in_w > kMaxLessonClasses)
      return problem("the logits (the op's input) must be one row of 2 to " +
                         std::to_string(kMaxLessonClasses) + " numbers, not " +
                         Parser::size_text(in_h, in_w) + "×" + std::to_string(in_c),
                     "input = [[2, 1, 0]]: one logit per class");
    if (int(op.back.classes.size()) != in_w)
      return problem("classes has " + std::to_string(op.back.classes.size()) +
                         " names but there are " + std::to_string(in_w) + " logits",
                     "one class name per logit");
    fwd.h = 1, fwd.w = in_w, fwd.c = 1, fwd.products = 3LL * in_w;
    return fwd;
  }
  if (op.kind == Op::Kind::ReluBackward)
    fwd.h = in_h, fwd.w = in_w, fwd.c = in_c, fwd.products = (long long)in_h * in_w * in_c;
  else if (op.kind == Op::Kind::PoolBackward)
    fwd = check_pool(op.pool, in_h, in_w, in_c);
  else if (op.conv.stride != 1 || op.conv.c_out() != 1)
    return problem("a backward conv lesson has one kernel and stride 1",
                   "remove stride, and give one kernel");
  else
    fwd = check_conv(op.conv, in_h, in_w, in_c);
  if (!fwd.reason.empty()) return fwd;
  const Grid& up = op.back.has_target() ? op.back.target : op.back.grad;
  const char* key = op.back.has_target() ? "target" : "grad";
  if (up.h != fwd.h || up.w != fwd.w || up.c != fwd.c)
    return problem(std::string(key) + " is " + grid_shape_text(up) +
                       " but the forward output Y is " + Parser::size_text(fwd.h, fwd.w) +
                       (fwd.c > 1 ? "×" + std::to_string(fwd.c) : ""),
                   std::string("give ") + key + " the shape of Y (one value per output cell)");
  OpCheck r = fwd;
  int h, w, c;
  op_output_shape(op, in_h, in_w, in_c, h, w, c);
  r.h = h, r.w = w, r.c = c, r.products = 2 * fwd.products + (long long)h * w * c;
  return r;
}

OpCheck check_op(Op& op, int in_h, int in_w, int in_c) {
  OpCheck r;
  if (is_backward(op.kind))
    r = check_backward(op, in_h, in_w, in_c);
  else if (op.kind == Op::Kind::Relu)
    r.h = in_h, r.w = in_w, r.c = in_c, r.products = (long long)in_h * in_w * in_c;
  else if (op.kind == Op::Kind::Pool)
    r = check_pool(op.pool, in_h, in_w, in_c);
  else
    r = check_conv(op.conv, in_h, in_w, in_c);
  if (r.reason.empty() && (r.h > kMaxLessonGridSide || r.w > kMaxLessonGridSide))
    return problem("the output would be " + Parser::size_text(r.h, r.w) +
                       "; a lesson grid has at most " +
                       Parser::size_text(kMaxLessonGridSide, kMaxLessonGridSide),
                   "use less padding or a larger stride");
  return r;
}

// The whole chain's multiplications, checked op by op so the error names the op that crosses it.
std::string products_problem(long long total) {
  if (total <= kMaxLessonProducts) return {};
  return "the ops up to this one need " + std::to_string(total) +
         " multiplications; a lesson is limited to " + std::to_string(kMaxLessonProducts);
}
const char* const kProductsHint = "use smaller grids, fewer kernels or fewer channels";

// The input grid's limits (the parser checks them while reading; a sandbox edit may not).
std::string input_problem(const Grid& in) {
  if (in.h > kMaxLessonGridSide || in.w > kMaxLessonGridSide || in.c > kMaxLessonChannels)
    return "the input is " + Parser::size_text(in.h, in.w) + "×" + std::to_string(in.c) +
           "; a lesson grid has at most " +
           Parser::size_text(kMaxLessonGridSide, kMaxLessonGridSide) + "×" +
           std::to_string(kMaxLessonChannels);
  return {};
}

// "row 2, column 3 is inf" for the first non-finite cell (values overflowed), else "".
std::string first_non_finite(const Grid& g) {
  for (int c = 0; c < g.c; ++c)
    for (int y = 0; y < g.h; ++y)
      for (int x = 0; x < g.w; ++x)
        if (!std::isfinite(g.at(y, x, c)))
          return "row " + std::to_string(y + 1) + ", column " + std::to_string(x + 1) +
                 (g.c > 1 ? ", channel " + std::to_string(c + 1) : "") + " is " +
                 format_number(g.at(y, x, c));
  return {};
}
const char* const kOverflowHint =
    "the numbers are too large: use smaller input, kernel and bias values";

std::string grid_as_toml(const Grid& g) {
  std::string s = g.c > 1 ? "[" : "";
  for (int c = 0; c < g.c; ++c) {
    s += (c ? ", [" : "[");
    for (int y = 0; y < g.h; ++y) {
      s += (y ? ", [" : "[");
      for (int x = 0; x < g.w; ++x) s += (x ? ", " : "") + format_number(g.at(y, x, c));
      s += "]";
    }
    s += "]";
  }
  return s + (g.c > 1 ? "]" : "");
}

// The first cell where `want` and `got` differ, described for a teacher.
std::string first_difference(const Grid& want, const Grid& got) {
  if (want.h != got.h || want.w != got.w || want.c != got.c)
    return "it is " + std::to_string(want.h) + "×" + std::to_string(want.w) + "×" +
           std::to_string(want.c) + " but the output is " + std::to_string(got.h) + "×" +
           std::to_string(got.w) + "×" + std::to_string(got.c);
  for (int c = 0; c < got.c; ++c)
    for (int y = 0; y < got.h; ++y)
      for (int x = 0; x < got.w; ++x) {
        double a = want.at(y, x, c), b = got.at(y, x, c);
        // !(diff <= tol) rather than diff > tol: an output that overflowed to inf or NaN never
        // matches.
        if (!std::isfinite(b) || !(std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b))))
          return "row " + std::to_string(y + 1) + ", column " + std::to_string(x + 1) +
                 (got.c > 1 ? ", channel " + std::to_string(c + 1) : "") + " says " +
                 format_number(a) + " but the computation gives " + format_number(b);
      }
  return {};
}

const char* const kBackwardTypes =
    "\"relu_backward\", \"maxpool_backward\", \"conv_backward_weights\", "
    "\"conv_backward_input\", \"sgd_step\", \"softmax_cross_entropy\"";

std::optional<Op::Kind> backward_kind(const std::string& type) {
  if (type == "relu_backward") return Op::Kind::ReluBackward;
  if (type == "maxpool_backward") return Op::Kind::PoolBackward;
  if (type == "conv_backward_weights") return Op::Kind::ConvBackwardWeights;
  if (type == "conv_backward_input") return Op::Kind::ConvBackwardInput;
  if (type == "sgd_step") return Op::Kind::SgdStep;
  if (type == "softmax_cross_entropy") return Op::Kind::SoftmaxXent;
  return std::nullopt;
}

// Logits beyond ±kMaxLessonLogit make e^z unreadable (and soon infinite).
std::string logits_problem(const Grid& z) {
  for (int x = 0; x < z.w; ++x)
    if (std::fabs(z.v[size_t(x)]) > kMaxLessonLogit)
      return "logit " + std::to_string(x + 1) + " is " + format_number(z.v[size_t(x)]) +
             "; logits are at most " + format_number(kMaxLessonLogit) + " either way";
  return {};
}

void parse_ops(const Parser& P, const toml::table& root, Lesson& L,
               std::vector<int>& expected_lines) {
  const toml::node& ops_node = P.require(root, "ops", "");
  const toml::array* ops = ops_node.as_array();
  if (!ops || ops->empty() || !ops->is_array_of_tables())
    P.fail(P.line_of(ops_node), "'ops' must be one or more [[ops]] tables",
           "start each op with a line [[ops]] and a type = \"conv\"");
  if (ops->size() > size_t(kMaxLessonOps))
    P.fail(P.line_of(*ops->get(kMaxLessonOps)),
           "a lesson has at most " + std::to_string(kMaxLessonOps) + " ops, this one has " +
               std::to_string(ops->size()),
           "split it into several lessons");
  int h = L.input.h, w = L.input.w, c = L.input.c;
  long long products = 0;
  for (size_t i = 0; i < ops->size(); ++i) {
    const toml::table& t = *ops->get(i)->as_table();
    std::string where = " in op " + std::to_string(i + 1);
    std::string type = P.string_of(P.require(t, "type", where), "type");
    Op op;
    op.source_line = P.line_of(t);
    if (type == "conv")
      op.kind = Op::Kind::Conv, op.conv = P.parse_conv(t, c, where);
    else if (type == "maxpool")
      op.kind = Op::Kind::Pool, op.pool = P.parse_pool(t, where);
    else if (type == "relu") {
      op.kind = Op::Kind::Relu;
      P.check_keys(t, {"type", "label", "expected"}, where);
    } else if (std::optional<Op::Kind> k = backward_kind(type)) {
      op.kind = *k;
      if (i + 1 < ops->size())
        P.fail(op.source_line, "a " + type + " op must be the last op" + where,
               "its output is a gradient, not an image for another op: move it to the end");
      if (op.kind == Op::Kind::SoftmaxXent && i > 0)
        P.fail(op.source_line, "softmax_cross_entropy must be the only op" + where,
               "its input (the lesson's input) is the logits, e.g. input = [[2, 1, 0]]");
      P.parse_backward(t, op, c, where);
    } else
      P.fail(
          P.line_of(*t.get("type")), "unknown op type \"" + type + "\"" + where,
          std::string("use \"conv\", \"maxpool\", \"relu\" or a backward op: ") + kBackwardTypes);
    if (op.kind == Op::Kind::SoftmaxXent)
      if (std::string bad = logits_problem(L.input); !bad.empty())
        P.fail(op.source_line, bad + where, "use logits like 2, 1, 0, -1");
    OpCheck r = check_op(op, h, w, c);
    if (!r.reason.empty()) P.fail(op.source_line, r.reason + where, r.hint);
    if (std::string p = products_problem(products += r.products); !p.empty())
      P.fail(op.source_line, p + where, kProductsHint);
    h = r.h, w = r.w, c = r.c;
    op.label = t.get("label") ? P.string_of(*t.get("label"), "label") : Parser::default_label(op);
    const toml::node* e = t.get("expected");
    L.expected.push_back(e ? std::optional<Grid>(P.grid(*e, "expected")) : std::nullopt);
    expected_lines.push_back(e ? P.line_of(*e) : 0);
    L.ops.push_back(std::move(op));
  }
}

void parse_header(const Parser& P, const toml::table& root, Lesson& L) {
  P.check_keys(root,
               {"id", "order", "title", "text", "tie_rule", "input", "channel_names",
                "binary_input", "sandbox", "ops"},
               "");
  L.id = P.string_of(P.require(root, "id", ""), "id");
  if (L.id.empty() ||
      L.id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
          std::string::npos)
    P.fail(P.line_of(*root.get("id")), "id \"" + L.id + "\" must be letters, digits, '-' or '_'",
           "e.g. id = \"stride-two\"");
  L.title = P.string_of(P.require(root, "title", ""), "title");
  L.text = P.string_of(P.require(root, "text", ""), "text");
  while (!L.text.empty() && (L.text.back() == '\n' || L.text.back() == ' ')) L.text.pop_back();
  if (const toml::node* n = root.get("order"))
    L.order = P.integer(*n, "order", -1000000, 1000000, "", "e.g. order = 3");
  L.tie_rule =
      root.get("tie_rule") ? P.string_of(*root.get("tie_rule"), "tie_rule") : kDefaultTieRule;
  if (const toml::node* n = root.get("binary_input"))
    L.binary_input = P.boolean(*n, "binary_input");
  if (const toml::node* n = root.get("sandbox")) L.sandbox = P.boolean(*n, "sandbox");
  const toml::node& in = P.require(root, "input", "");
  L.input = P.grid(in, "input");
  if (L.binary_input)
    for (double v : L.input.v)
      if (v != 0.0 && v != 1.0)
        P.fail(P.line_of(in), "binary_input is true but the input holds " + format_number(v),
               "use only 0 and 1, or set binary_input = false");
  if (const toml::node* n = root.get("channel_names")) {
    const toml::array* a = n->as_array();
    if (!a || int(a->size()) != L.input.c)
      P.fail(P.line_of(*n),
             "channel_names needs one name per input channel (" + std::to_string(L.input.c) + ")",
             "e.g. channel_names = [\"R\", \"G\", \"B\"]");
    for (size_t i = 0; i < a->size(); ++i)
      L.channel_names.push_back(P.string_of(*a->get(i), "channel_names"));
  }
}

}  // namespace

// [SECTION] public -------------------------------------------------------------------------------

void resolve_padding(ConvOp& cv, int in_h, int in_w) {
  if (cv.padding == GridPadding::Valid) {
    cv.pad_top = cv.pad_bottom = cv.pad_left = cv.pad_right = 0;
  } else if (cv.padding == GridPadding::Same) {
    SamePadding rows = same_padding(in_h, cv.kh(), cv.stride),
                cols = same_padding(in_w, cv.kw(), cv.stride);
    cv.pad_top = rows.before, cv.pad_bottom = rows.after;
    cv.pad_left = cols.before, cv.pad_right = cols.after;
  }
}

std::string check_lesson(Lesson& lesson) {
  if (lesson.input.empty()) return "the input is empty";
  if (std::string p = input_problem(lesson.input); !p.empty()) return p;
  if (lesson.ops.size() > size_t(kMaxLessonOps))
    return "a lesson has at most " + std::to_string(kMaxLessonOps) + " ops";
  int h = lesson.input.h, w = lesson.input.w, c = lesson.input.c;
  long long products = 0;
  for (size_t i = 0; i < lesson.ops.size(); ++i) {
    OpCheck r = check_op(lesson.ops[i], h, w, c);
    if (r.reason.empty()) r.reason = products_problem(products += r.products);
    if (!r.reason.empty()) return "op " + std::to_string(i + 1) + ": " + r.reason;
    if (lesson.ops[i].kind == Op::Kind::SoftmaxXent && i == 0)
      if (std::string bad = logits_problem(lesson.input); !bad.empty()) return bad;
    h = r.h, w = r.w, c = r.c;
  }
  std::vector<Grid> outs = run_chain(lesson);
  for (size_t i = 0; i < outs.size(); ++i)
    if (std::string bad = first_non_finite(outs[i]); !bad.empty())
      return "op " + std::to_string(i + 1) + ": " + bad + " (" + kOverflowHint + ")";
  return {};
}

Lesson parse_lesson(const std::string& toml_text, const std::string& path) {
  Parser P{path};
  if (toml_text.size() >
      kMaxLessonFileBytes)  // checked before parsing: toml++ keeps a node per number
    throw UserError(path,
                    "lesson file too large: " + std::to_string(toml_text.size()) +
                        " bytes (limit " + std::to_string(kMaxLessonFileBytes) + ")",
                    "a lesson is a few KB; is this the right file?", 1);
  toml::table root;
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& e) {
    throw UserError(path, "TOML syntax error: " + std::string(e.description()),
                    "check quotes, brackets and commas near this line", int(e.source().begin.line));
  }
  Lesson L;
  L.source_path = path;
  parse_header(P, root, L);
  std::vector<int> expected_lines;
  parse_ops(P, root, L, expected_lines);
  std::vector<Grid> outs = run_chain(L);
  for (size_t i = 0; i < outs.size(); ++i) {
    if (std::string bad = first_non_finite(outs[i]); !bad.empty())
      P.fail(L.ops[i].source_line,
             "the output of op " + std::to_string(i + 1) + " overflows: " + bad, kOverflowHint);
    if (!L.expected[i]) continue;
    std::string diff = first_difference(*L.expected[i], outs[i]);
    if (!diff.empty())
      P.fail(expected_lines[i],
             "expected output of op " + std::to_string(i + 1) + " does not match: " + diff,
             "the computed output is " + grid_as_toml(outs[i]));
  }
  return L;
}

Lesson load_lesson_file(const std::string& path) {
  return parse_lesson(read_file_text(path, kMaxLessonFileBytes), path);
}

}  // namespace cnnlab
