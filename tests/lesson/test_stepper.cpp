// tests/lesson/test_stepper.cpp — golden values for the stepper: course examples, step order,
// tapes, stride, padding, channels, ties.
#include <doctest/doctest.h>

#include "core/padding.h"
#include "lesson/lesson.h"
#include "lesson/stepper.h"

using namespace cnnlab;

namespace {

Grid grid2d(std::vector<std::vector<double>> rows) {
  Grid g(int(rows.size()), int(rows[0].size()), 1);
  for (int y = 0; y < g.h; ++y)
    for (int x = 0; x < g.w; ++x) g.at(y, x) = rows[y][x];
  return g;
}

// Channels given as separate H×W planes → (H, W, C).
Grid stack(std::vector<Grid> planes) {
  Grid g(planes[0].h, planes[0].w, int(planes.size()));
  for (int c = 0; c < g.c; ++c)
    for (int y = 0; y < g.h; ++y)
      for (int x = 0; x < g.w; ++x) g.at(y, x, c) = planes[c].at(y, x);
  return g;
}

Op conv_op(std::vector<Grid> kernels, int stride = 1, GridPadding pad = GridPadding::Valid,
           std::vector<double> bias = {}, bool relu = false) {
  Op op;
  op.kind = Op::Kind::Conv;
  op.conv.kernels = std::move(kernels);
  op.conv.has_bias = !bias.empty();
  op.conv.bias = bias.empty() ? std::vector<double>(op.conv.kernels.size(), 0.0) : bias;
  op.conv.stride = stride;
  op.conv.padding = pad;
  op.conv.relu = relu;
  return op;
}

Op pool_op(int size = 2, int stride = 2) {
  Op op;
  op.kind = Op::Kind::Pool;
  op.pool.size = size, op.pool.stride = stride;
  return op;
}

Lesson make_lesson(Grid input, std::vector<Op> ops) {
  Lesson l;
  l.id = "test";
  l.input = std::move(input);
  l.ops = std::move(ops);
  l.expected.resize(l.ops.size());
  REQUIRE(check_lesson(l) == "");  // resolves padding
  return l;
}

const Grid kImageA = grid2d({{0, 0, 0, 0, 0, 0},
                             {0, 0, 0, 1, 0, 0},
                             {1, 1, 1, 0, 0, 1},
                             {0, 1, 0, 0, 1, 0},
                             {0, 0, 0, 1, 0, 0},
                             {0, 0, 1, 0, 0, 0}});
const Grid kImageB = grid2d({{0, 0, 0, 1, 0, 0},
                             {0, 0, 0, 0, 0, 0},
                             {1, 0, 1, 1, 1, 0},
                             {0, 0, 0, 1, 0, 0},
                             {0, 0, 1, 0, 0, 0},
                             {0, 0, 0, 0, 0, 0}});
const Grid kDiag = grid2d({{0, 0, 1}, {0, 1, 0}, {1, 0, 0}});

}  // namespace

TEST_CASE("course example 1: conv then 2x2 max pool gives the course's numbers") {
  Lesson l = make_lesson(kImageA, {conv_op({kDiag}), pool_op()});
  std::vector<Grid> out = run_chain(l);
  REQUIRE(out.size() == 2);
  CHECK(out[0] == grid2d({{1, 1, 2, 0}, {1, 3, 0, 0}, {2, 0, 0, 3}, {0, 0, 3, 0}}));
  CHECK(out[1] == grid2d({{3, 2}, {2, 3}}));
}

TEST_CASE("course example 2: conv then 2x2 max pool gives the course's numbers") {
  Lesson l = make_lesson(kImageB, {conv_op({kDiag}), pool_op()});
  std::vector<Grid> out = run_chain(l);
  CHECK(out[0] == grid2d({{1, 1, 1, 1}, {0, 1, 1, 2}, {1, 1, 3, 0}, {0, 2, 0, 0}}));
  CHECK(out[1] == grid2d({{1, 2}, {2, 3}}));
}

TEST_CASE("steps run op by op, row-major, and agree with run_chain") {
  Stepper st(make_lesson(kImageA, {conv_op({kDiag}), pool_op()}));
  REQUIRE(st.num_steps() == 16 + 4);
  CHECK(st.first_step(0) == 0);
  CHECK(st.first_step(1) == 16);
  // Step 5 is the conv's row 1, column 1; step 16 the pool's first cell.
  Step s5 = st.step(5);
  CHECK(s5.op_index == 0);
  CHECK(s5.out_y == 1);
  CHECK(s5.out_x == 1);
  Step s3 = st.step(3);
  CHECK(s3.out_y == 0);
  CHECK(s3.out_x == 3);
  Step s16 = st.step(16);
  CHECK(s16.op_index == 1);
  CHECK(s16.out_y == 0);
  CHECK(s16.out_x == 0);
  for (int k = 0; k < st.num_steps(); ++k) {
    Step s = st.step(k);
    CHECK(st.step_index(s.op_index, s.out_y, s.out_x, s.out_c) == k);
    CHECK(st.op_of_step(k) == s.op_index);
    CHECK(s.result == st.outputs()[s.op_index].at(s.out_y, s.out_x, s.out_c));
  }
  CHECK(st.is_computed(5, 0, 1, 1));
  CHECK_FALSE(st.is_computed(5, 0, 1, 2));
}

TEST_CASE("conv step: window, products, sum and tape worked by hand") {
  // Output (1,1) of example 1 sees image A rows 1..3, cols 1..3:
  //   0 0 1      kernel 0 0 1     products 0 0 1
  //   1 1 0             0 1 0              0 1 0
  //   1 0 0             1 0 0              1 0 0     sum = 3
  Stepper st(make_lesson(kImageA, {conv_op({kDiag}), pool_op()}));
  Step s = st.step(st.step_index(0, 1, 1));
  CHECK(s.win_y == 1);
  CHECK(s.win_x == 1);
  CHECK(s.win_h == 3);
  CHECK(s.win_w == 3);
  REQUIRE(s.cells.size() == 9);
  const double in[9] = {0, 0, 1, 1, 1, 0, 1, 0, 0};
  const double prod[9] = {0, 0, 1, 0, 1, 0, 1, 0, 0};
  for (int i = 0; i < 9; ++i) {
    CHECK(s.cells[i].in_y == 1 + i / 3);
    CHECK(s.cells[i].in_x == 1 + i % 3);
    CHECK_FALSE(s.cells[i].is_padding);
    CHECK(s.cells[i].in_value == in[i]);
    CHECK(s.cells[i].k_value == kDiag.v[i]);
    CHECK(s.cells[i].product == prod[i]);
  }
  CHECK(s.sum == 3);
  CHECK(s.bias == 0);
  CHECK(s.result == 3);
  CHECK(s.tape == "0×0 + 0×0 + 1×1 + 1×0 + 1×1 + 0×0 + 1×1 + 0×0 + 0×0 = 3");
  // Output (0,2): rows 0..2, cols 2..4 = [0 0 0; 0 1 0; 1 0 0] → 0×0 + 0×0 + 0×1 + 0×0 + 1×1 + 0×0
  // + 1×1 + 0×0 + 0×0 = 2
  Step s2 = st.step(2);
  CHECK(s2.sum == 2);
  CHECK(s2.tape == "0×0 + 0×0 + 0×1 + 0×0 + 1×1 + 0×0 + 1×1 + 0×0 + 0×0 = 2");
}

TEST_CASE("pool step: max, tape and the tie rule (first maximum in row-major order)") {
  // Example 1's last pool window covers feature-map rows 2..3, cols 2..3: [0 3; 3 0] — two 3s.
  Stepper st(make_lesson(kImageA, {conv_op({kDiag}), pool_op()}));
  Step s = st.step(st.step_index(1, 1, 1));
  REQUIRE(s.cells.size() == 4);
  CHECK(s.kind == Op::Kind::Pool);
  CHECK(s.argmax_cell == 1);  // (2,3), before (3,2)
  CHECK(s.cells[1].in_y == 2);
  CHECK(s.cells[1].in_x == 3);
  CHECK(s.result == 3);
  CHECK(s.tape == "max(0, 3, 3, 0) = 3");
  // All equal: the top-left cell wins.
  Stepper flat(make_lesson(grid2d({{2, 2}, {2, 2}}), {pool_op()}));
  CHECK(flat.step(0).argmax_cell == 0);
  // Negative values: the max is still found (no hidden 0 floor).
  Stepper neg(make_lesson(grid2d({{-3, -1}, {-1, -2}}), {pool_op()}));
  CHECK(neg.step(0).result == -1);
  CHECK(neg.step(0).argmax_cell == 1);
}

TEST_CASE("stride 2 on image A: 2x2 output, row 5 and column 5 dropped") {
  Lesson l = make_lesson(kImageA, {conv_op({kDiag}, 2)});
  Stepper st(l);
  // Stride-2 output = the stride-1 map sampled at (0,0), (0,2), (2,0), (2,2).
  CHECK(st.outputs()[0] == grid2d({{1, 2}, {2, 0}}));
  Step s = st.step(3);
  CHECK(s.win_y == 2);
  CHECK(s.win_x == 2);
  OutputSize o = st.output_size(0);
  CHECK(o.rows.out == 2);
  CHECK_FALSE(o.rows.fits);
  CHECK(o.rows.dropped == std::vector<int>{5});
  CHECK(o.cols.dropped == std::vector<int>{5});
  CHECK(o.text ==
        "⌊(W − K + 2P) / S⌋ + 1 = ⌊(6 − 3 + 0) / 2⌋ + 1 = 2\n"
        "Stride 2 does not fit evenly: row 5 and column 5 are never covered by a window.");
}

TEST_CASE("describe_axis: formula text, fit and dropped cells") {
  AxisSize a = describe_axis(6, 3, 0, 0, 1);
  CHECK(a.formula == "⌊(W − K + 2P) / S⌋ + 1 = ⌊(6 − 3 + 0) / 1⌋ + 1 = 4");
  CHECK(a.out == 4);
  CHECK(a.fits);
  CHECK(a.dropped.empty());
  // 7 wide, K=3, S=3: windows at 0 and 3 cover 0..5; column 6 is dropped.
  AxisSize b = describe_axis(7, 3, 0, 0, 3);
  CHECK(b.out == 2);
  CHECK_FALSE(b.fits);
  CHECK(b.dropped == std::vector<int>{6});
  CHECK(b.formula == "⌊(W − K + 2P) / S⌋ + 1 = ⌊(7 − 3 + 0) / 3⌋ + 1 = 2");
  // 9 wide, K=2, S=4: windows at 0 and 4 cover 0..1 and 4..5; 6, 7, 8 are dropped.
  CHECK(describe_axis(9, 2, 0, 0, 4).dropped == std::vector<int>{6, 7, 8});
  // Symmetric padding shows 2P as its value.
  CHECK(describe_axis(6, 3, 1, 1, 1).formula ==
        "⌊(W − K + 2P) / S⌋ + 1 = ⌊(6 − 3 + 2) / 1⌋ + 1 = 6");
  // Asymmetric padding shows both pads.
  CHECK(describe_axis(4, 2, 0, 1, 1).formula ==
        "⌊(W − K + P₁ + P₂) / S⌋ + 1 = ⌊(4 − 2 + 0 + 1) / 1⌋ + 1 = 4");
  // Only padding left over: 4 wide, pad 1+1 → padded 6; K=3, S=2: windows at 0, 2 cover padded
  // 0..4; padded index 5 is the right pad, so no real cell is lost.
  AxisSize c = describe_axis(4, 3, 1, 1, 2);
  CHECK(c.out == 2);
  CHECK_FALSE(c.fits);
  CHECK(c.dropped.empty());
}

TEST_CASE("same padding: zero border flagged, output keeps the size") {
  Lesson l = make_lesson(kImageA, {conv_op({kDiag}, 1, GridPadding::Same)});
  CHECK(l.ops[0].conv.pad_top == 1);
  CHECK(l.ops[0].conv.pad_left == 1);
  CHECK(l.ops[0].conv.pad_bottom == 1);
  CHECK(l.ops[0].conv.pad_right == 1);
  Stepper st(l);
  REQUIRE(st.outputs()[0].h == 6);
  REQUIRE(st.outputs()[0].w == 6);
  // The inner 4×4 equals the valid output of example 1.
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      CHECK(st.outputs()[0].at(y + 1, x + 1) ==
            run_chain(make_lesson(kImageA, {conv_op({kDiag})}))[0].at(y, x));
  // Top-left window covers rows -1..1, cols -1..1: 5 padding cells (row -1, and col -1 of rows 0,
  // 1).
  Step s = st.step(0);
  CHECK(s.win_y == -1);
  CHECK(s.win_x == -1);
  int pads = 0;
  for (const WindowCell& c : s.cells) {
    CHECK(c.is_padding == (c.in_y < 0 || c.in_x < 0));
    if (c.is_padding) {
      ++pads;
      CHECK(c.in_value == 0);
      CHECK(c.product == 0);
    }
  }
  CHECK(pads == 5);
  // Top-right (0,5): rows -1..1, cols 4..6; kernel's 1s at (−1,6) pad, (0,5)=0, (1,4)=0 → 0.
  // (0,4): rows -1..1, cols 3..5; 1s hit (−1,5) pad, (0,4)=0, (1,3)=1 → 1.
  CHECK(st.outputs()[0].at(0, 4) == 1);
  CHECK(st.output_size(0).text == "⌊(W − K + 2P) / S⌋ + 1 = ⌊(6 − 3 + 2) / 1⌋ + 1 = 6");
}

TEST_CASE("same padding with an even kernel or stride 2 pads bottom/right more") {
  // 4×4, K=2, S=1: total 1 → top 0, bottom 1.
  Lesson a =
      make_lesson(Grid(4, 4, 1, 1.0), {conv_op({grid2d({{1, 1}, {1, 1}})}, 1, GridPadding::Same)});
  CHECK(a.ops[0].conv.pad_top == 0);
  CHECK(a.ops[0].conv.pad_bottom == 1);
  std::vector<Grid> out = run_chain(a);
  CHECK(out[0] == grid2d({{4, 4, 4, 2}, {4, 4, 4, 2}, {4, 4, 4, 2}, {2, 2, 2, 1}}));
  // 6×6, K=3, S=2: out = ceil(6/2) = 3, total = (3-1)*2 + 3 - 6 = 1 → left 0, right 1.
  Lesson b = make_lesson(kImageA, {conv_op({kDiag}, 2, GridPadding::Same)});
  CHECK(b.ops[0].conv.pad_left == 0);
  CHECK(b.ops[0].conv.pad_right == 1);
  OutputSize o = describe_output_size(b, 0);
  CHECK(o.cols.out == 3);
  CHECK(o.cols.fits);
  CHECK(o.text == "⌊(W − K + P₁ + P₂) / S⌋ + 1 = ⌊(6 − 3 + 0 + 1) / 2⌋ + 1 = 3");
}

TEST_CASE("non-square input and kernel") {
  // Input 3×5, kernel 2×3 [1 0 -1; 1 0 -1] (vertical edge), stride 1 → 2×3.
  Grid in = grid2d({{1, 2, 3, 4, 5}, {0, 0, 1, 1, 0}, {5, 4, 3, 2, 1}});
  Lesson l = make_lesson(in, {conv_op({grid2d({{1, 0, -1}, {1, 0, -1}})})});
  std::vector<Grid> out = run_chain(l);
  // (0,0): 1-3 + 0-1 = -3; (0,1): 2-4 + 0-1 = -3; (0,2): 3-5 + 1-0 = -1
  // (1,0): 0-1 + 5-3 = 1;  (1,1): 0-1 + 4-2 = 1;  (1,2): 1-0 + 3-1 = 3
  CHECK(out[0] == grid2d({{-3, -3, -1}, {1, 1, 3}}));
  Stepper st(l);
  CHECK(st.num_steps() == 6);
  CHECK(st.step(2).out_x == 2);
  CHECK(st.step(3).out_y == 1);
  CHECK(st.step(2).tape == "3×1 + 4×0 + 5×(-1) + 1×1 + 1×0 + 0×(-1) = -1");
  CHECK(st.output_size(0).text ==
        "rows: ⌊(W − K + 2P) / S⌋ + 1 = ⌊(3 − 2 + 0) / 1⌋ + 1 = 2\n"
        "cols: ⌊(W − K + 2P) / S⌋ + 1 = ⌊(5 − 3 + 0) / 1⌋ + 1 = 3");
}

TEST_CASE("multi-channel conv: sum over channels, bias per kernel, folded ReLU") {
  // Input 2×2×2: ch0 = [1 2; 3 4], ch1 = [0 1; -1 2]. Two 2×2×2 kernels → a 1×1×2 output.
  //   k0: ch0 [1 0; 0 1], ch1 [1 1; 1 1], bias -10 → (1+4) + (0+1-1+2) = 7; 7 - 10 = -3; ReLU → 0
  //   k1: ch0 [0 1; 1 0], ch1 [0 0; 0 -1], bias 1 → (2+3) + (-2) = 3; 3 + 1 = 4; ReLU → 4
  Grid in = stack({grid2d({{1, 2}, {3, 4}}), grid2d({{0, 1}, {-1, 2}})});
  Grid k0 = stack({grid2d({{1, 0}, {0, 1}}), grid2d({{1, 1}, {1, 1}})});
  Grid k1 = stack({grid2d({{0, 1}, {1, 0}}), grid2d({{0, 0}, {0, -1}})});
  Lesson l = make_lesson(in, {conv_op({k0, k1}, 1, GridPadding::Valid, {-10, 1}, true)});
  Stepper st(l);
  REQUIRE(st.num_steps() == 2);
  CHECK(st.outputs()[0].c == 2);
  Step a = st.step(0), b = st.step(1);
  CHECK(a.out_c == 0);
  CHECK(b.out_c == 1);
  CHECK(a.cells.size() == 8);
  CHECK(a.cells[4].in_c == 1);  // channel-major: ch0's 4 cells, then ch1's
  CHECK(a.sum == 7);
  CHECK(a.bias == -10);
  CHECK(a.pre_activation == -3);
  CHECK(a.result == 0);
  CHECK(a.relu);
  CHECK(a.tape ==
        "(1×1 + 2×0 + 3×0 + 4×1) + (0×1 + 1×1 + (-1)×1 + 2×1) = 5 + 2 = 7\n7 + (-10) = "
        "-3\nReLU(-3) = 0");
  CHECK(b.sum == 3);
  CHECK(b.result == 4);
  CHECK(b.tape ==
        "(1×0 + 2×1 + 3×1 + 4×0) + (0×0 + 1×0 + (-1)×0 + 2×(-1)) = 5 + (-2) = 3\n3 + 1 = "
        "4\nReLU(4) = 4");
}

TEST_CASE("separate ReLU op and pooling over channels") {
  Grid in = stack({grid2d({{-1, 2}, {3, -4}}), grid2d({{5, -6}, {-7, 0}})});
  Op relu;
  relu.kind = Op::Kind::Relu;
  Lesson l = make_lesson(in, {relu, pool_op()});
  Stepper st(l);
  CHECK(st.num_steps() == 8 + 2);
  CHECK(st.outputs()[0] == stack({grid2d({{0, 2}, {3, 0}}), grid2d({{5, 0}, {0, 0}})}));
  // Channel by channel: step 4 is channel 1's (0,0).
  CHECK(st.step(4).out_c == 1);
  CHECK(st.step(0).tape == "ReLU(-1) = max(0, -1) = 0");
  CHECK(st.step(8).result == 3);
  CHECK(st.step(9).result == 5);
  CHECK(st.step(9).argmax_cell == 0);
  CHECK(st.output_size(0).text == "ReLU keeps the size: 2 × 2 × 2");
}

TEST_CASE("format_number prints integers without decimals") {
  CHECK(format_number(3) == "3");
  CHECK(format_number(-2) == "-2");
  CHECK(format_number(-0.0) == "0");
  CHECK(format_number(0.5) == "0.5");
  CHECK(format_number(1.25) == "1.25");
  CHECK(format_number(1.0 / 3.0) == "0.3333");
  CHECK(format_grid(grid2d({{1, -2}, {10, 0}})) == " 1 -2\n10  0\n");
}

TEST_CASE("check_lesson reports an edited kernel that no longer fits") {
  Lesson l = make_lesson(grid2d({{1, 2}, {3, 4}}), {conv_op({grid2d({{1}})})});
  l.ops[0].conv.kernels[0] = Grid(3, 3, 1, 1.0);
  CHECK(check_lesson(l) == "op 1: kernel 3×3 is larger than the padded input 2×2");
  l.ops[0].conv.padding = GridPadding::Same;
  CHECK(check_lesson(l) == "");
  // Same padding on 2×2 with K=3: one ring of zeros, every window sums the whole input: 1+2+3+4
  // = 10.
  CHECK(run_chain(l)[0] == grid2d({{10, 10}, {10, 10}}));
  Lesson bad_stride = l;
  bad_stride.ops[0].conv.stride = 0;
  CHECK(check_lesson(bad_stride) == "op 1: stride must be 1 or more, not 0");
  Lesson bad_bias = l;
  bad_bias.ops[0].conv.bias.clear();
  CHECK(check_lesson(bad_bias) == "op 1: a conv needs one bias per kernel");
  Lesson bad_pool = make_lesson(grid2d({{1, 2}, {3, 4}}), {pool_op()});
  bad_pool.ops[0].pool.stride = 0;
  CHECK(check_lesson(bad_pool) == "op 1: pool size and stride must be 1 or more");
  bad_pool.ops[0].pool = PoolOp{3, 1};
  CHECK(check_lesson(bad_pool) == "op 1: pool window 3×3 is larger than its input 2×2");
}

TEST_CASE("check_lesson enforces the lesson limits on sandbox edits") {
  Lesson l = make_lesson(grid2d({{1, 2}, {3, 4}}), {conv_op({grid2d({{1}})})});
  Lesson big = l;
  big.input = Grid(65, 3, 1, 0.0);
  CHECK(check_lesson(big) == "the input is 65×3×1; a lesson grid has at most 64×64×16");
  Lesson pad = l;  // 1×1 kernel: at most 1 zero a side
  pad.ops[0].conv.padding = GridPadding::Explicit;
  pad.ops[0].conv.pad_left = 2;
  CHECK(check_lesson(pad) == "op 1: padding is more than the kernel's size 1×1");
  Lesson stride = l;
  stride.ops[0].conv.stride = 65;
  CHECK(check_lesson(stride) == "op 1: stride must be at most 64, not 65");
  Lesson grows = make_lesson(Grid(64, 64, 1, 0.0), {conv_op({grid2d({{1}})})});
  grows.ops[0].conv.padding = GridPadding::Explicit;
  grows.ops[0].conv.pad_top = 1;  // 64 + 1 rows through a 1×1 kernel: 65 output rows
  CHECK(check_lesson(grows) == "op 1: the output would be 65×64; a lesson grid has at most 64×64");
  // 16 kernels of 9×9 on 64×64: 56·56·16·81 = 4064256 ≤ 2²²; a second such op crosses the limit.
  Lesson work =
      make_lesson(Grid(64, 64, 1, 0.0), {conv_op(std::vector<Grid>(16, Grid(9, 9, 1, 0.0)))});
  CHECK(check_lesson(work) == "");
  work.ops.push_back(pool_op(1, 1));  // 56·56·16 = 50176 more comparisons: 4114432, still under
  CHECK(check_lesson(work) == "");
  work.ops.push_back(conv_op({Grid(1, 1, 16, 0.0)}));  // 56·56·16 = 50176 more: 4164608 under
  CHECK(check_lesson(work) == "");
  work.ops.push_back(conv_op({Grid(3, 3, 1, 0.0)}));  // 54·54·9 = 26244 more: 4190852 under
  CHECK(check_lesson(work) == "");
  work.ops.push_back(pool_op(2, 1));  // 53·53·4 = 11236 more: 4202088 > 4194304
  CHECK(
      check_lesson(work) ==
      "op 5: the ops up to this one need 4202088 multiplications; a lesson is limited to 4194304");
}

TEST_CASE("check_lesson refuses an edit whose output overflows to inf") {
  Lesson l = make_lesson(grid2d({{1, 2}, {3, 4}}), {conv_op({grid2d({{1}})})});
  l.input.at(1, 0) = 1e200;
  l.ops[0].conv.kernels[0].at(0, 0) = 1e200;  // 1e400 overflows a double
  CHECK(check_lesson(l) ==
        "op 1: row 2, column 1 is inf (the numbers are too large: use smaller input, kernel and "
        "bias values)");
}

TEST_CASE("same_padding (core/padding.h, shared with nn): TensorFlow's split, no int overflow") {
  // in 6, K 3, S 1: out 6, total (6−1)·1 + 3 − 6 = 2 → 1 before, 1 after.
  CHECK(same_padding(6, 3, 1).before == 1);
  CHECK(same_padding(6, 3, 1).after == 1);
  // in 6, K 4, S 1: total 3 → the extra zero goes after: 1, 2.
  CHECK(same_padding(6, 4, 1).before == 1);
  CHECK(same_padding(6, 4, 1).after == 2);
  // in 6, K 3, S 2: out 3, total (3−1)·2 + 3 − 6 = 1 → 0, 1.
  CHECK(same_padding(6, 3, 2).before == 0);
  CHECK(same_padding(6, 3, 2).after == 1);
  // in 5, K 1, S 2: out 3, total 4 + 1 − 5 = 0.
  CHECK(same_padding(5, 1, 2).after == 0);
  CHECK(same_out_size(5, 2) == 3);
  // Near 2³¹ the 32-bit sum in + S − 1 used to overflow.
  CHECK(same_out_size(2147483647, 2) == 1073741824);
  CHECK(same_out_size(2147483647, 2147483647) == 1);
  CHECK(same_padding(2147483647, 3, 2147483647).after == 0);
}
