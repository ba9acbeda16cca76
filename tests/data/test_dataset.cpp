// tests/data/test_dataset.cpp — class-folder loading: label order, sorting, bad input, duplicates,
// threads.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data_fixtures.h"

using namespace cnnlab;
using namespace cnnlab::testing;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

LoadOptions opts(int size, int threads = 2) {
  LoadOptions o;
  o.image_size = size;
  o.threads = threads;
  return o;
}

}  // namespace

TEST_CASE("classes are sorted folder names (byte order); files sorted; hidden names ignored") {
  TempDir dir("labels");
  // Byte order: 'C' (0x43) < 'a' (0x61) < 'b'. Each file is a solid colour that identifies it.
  write_png(dir.mkdir("b_cls") + "/z.png", solid_image(5, 7, {2, 0, 9}));
  write_png(dir.mkdir("b_cls") + "/a.png", solid_image(3, 3, {2, 0, 1}));
  write_png(dir.mkdir("a_cls") + "/m.png", solid_image(6, 2, {1, 0, 5}));
  write_png(dir.mkdir("C_up") + "/B.png", solid_image(4, 4, {0, 0, 2}));
  write_png(dir.mkdir("C_up") + "/A.png", solid_image(4, 4, {0, 0, 1}));
  write_png(dir.mkdir(".hidden_class") + "/x.png", solid_image(4, 4, {9, 9, 9}));
  write_png(dir / "C_up/.thumb.png", solid_image(4, 4, {9, 9, 9}));
  write_file_atomic(dir / "README.txt",
                    std::string("not a class"));  // at the root: listed, not read
  write_file_atomic(dir / ".hidden_file", std::string("ignored"));

  LoadReport report;
  Dataset ds = load_image_folder(dir.str(), opts(4), &report);
  CHECK(ds.class_names == std::vector<std::string>{"C_up", "a_cls", "b_cls"});
  REQUIRE(ds.size() == 5);
  CHECK(ds.labels == std::vector<int>{0, 0, 1, 2, 2});
  CHECK(ds.paths[0] == dir / "C_up/A.png");
  CHECK(ds.paths[1] == dir / "C_up/B.png");
  CHECK(ds.paths[2] == dir / "a_cls/m.png");
  CHECK(ds.paths[3] == dir / "b_cls/a.png");
  CHECK(ds.paths[4] == dir / "b_cls/z.png");
  CHECK(report.loaded == 5);
  REQUIRE(report.skipped.size() == 1);
  CHECK(report.skipped[0].path == dir / "README.txt");
  CHECK(contains(report.skipped[0].reason, "is not inside a class folder"));
  CHECK(ds.height == 4);
  CHECK(ds.width == 4);
  CHECK(ds.channels == 3);
  CHECK(ds.pixels.size() == 5 * 4 * 4 * 3);
  // Image 4 (b_cls/z.png, solid (2,0,9)) resized to 4×4 is still solid (2,0,9).
  for (int p = 0; p < 16; ++p) {
    CHECK(ds.image(4)[p * 3 + 0] == 2);
    CHECK(ds.image(4)[p * 3 + 2] == 9);
    CHECK(ds.image(1)[p * 3 + 2] == 2);  // C_up/B.png
  }
  CHECK(ds.duplicate_group == std::vector<int>(5, -1));
}

TEST_CASE("bad files are skipped with path and reason, never silently") {
  TempDir dir("badfiles");
  write_png(dir.mkdir("cat") + "/good1.png", solid_image(8, 8, {10, 10, 10}));
  write_png(dir / "cat/good2.png", solid_image(8, 8, {20, 20, 20}));
  write_file_atomic(dir / "cat/notes.txt", std::string("remember to water the flowers"));
  write_bytes(dir / "cat/zero.jpg", {});
  std::vector<uint8_t> cut = encode(solid_image(64, 64, {1, 2, 3}), "jpg");
  cut.resize(cut.size() - 40);
  write_bytes(dir / "cat/cut.jpg", cut);
  write_bytes(dir / "cat/huge.png", fake_png_header(30000, 30000));
  dir.mkdir("cat/nested");
  write_png(dir.mkdir("dog") + "/d.bmp", solid_image(8, 8, {30, 30, 30}));

  LoadReport report;
  Dataset ds = load_image_folder(dir.str(), opts(8), &report);
  CHECK(ds.size() == 3);
  CHECK(report.loaded == 3);
  CHECK(ds.labels == std::vector<int>{0, 0, 1});
  CHECK(ds.image(1)[0] == 20);  // compaction kept the order: good1, good2, d
  CHECK(ds.image(2)[0] == 30);
  REQUIRE(report.skipped.size() == 5);
  auto reason_for = [&](const std::string& path) {
    for (auto& s : report.skipped)
      if (s.path == path) return s.reason;
    return std::string("<not skipped>");
  };
  CHECK(contains(reason_for(dir / "cat/notes.txt"), "not an image file"));
  CHECK(contains(reason_for(dir / "cat/zero.jpg"), "empty file (0 bytes)"));
  CHECK(contains(reason_for(dir / "cat/cut.jpg"), "JPEG data ends early"));
  CHECK(contains(reason_for(dir / "cat/huge.png"), "image too large"));
  CHECK(contains(reason_for(dir / "cat/nested"), "nested folders are not read"));
}

TEST_CASE("unusable folders give a UserError with the path, the reason and a hint") {
  TempDir dir("badfolders");
  std::string msg = error_of([&] { load_image_folder(dir / "missing", opts(8), nullptr); });
  CHECK(contains(msg, dir / "missing"));
  CHECK(contains(msg, "does not exist"));

  write_file_atomic(dir / "file.txt", std::string("x"));
  msg = error_of([&] { load_image_folder(dir / "file.txt", opts(8), nullptr); });
  CHECK(contains(msg, dir / "file.txt"));
  CHECK(contains(msg, "is a file, not a dataset folder"));

  // Images directly in the folder, no class subfolders.
  std::string flat = dir.mkdir("flat");
  write_png(flat + "/a.png", solid_image(2, 2, {1, 1, 1}));
  msg = error_of([&] { load_image_folder(flat, opts(8), nullptr); });
  CHECK(contains(msg, flat));
  CHECK(contains(msg, "no class subfolders"));
  CHECK(contains(msg, "expected DIR/<class>/<image files>, like tiny_FR/daisy/*.jpg"));

  std::string one = dir.mkdir("one");
  write_png(dir.mkdir("one/daisy") + "/a.png", solid_image(2, 2, {1, 1, 1}));
  msg = error_of([&] { load_image_folder(one, opts(8), nullptr); });
  CHECK(contains(msg, "need at least two classes"));
  // One level too high: the single "class" holds class folders itself.
  std::string parent = dir.mkdir("parent");
  write_png(dir.mkdir("parent/tiny/daisy") + "/a.png", solid_image(2, 2, {1, 1, 1}));
  write_png(dir.mkdir("parent/tiny/rose") + "/a.png", solid_image(2, 2, {1, 1, 1}));
  msg = error_of([&] { load_image_folder(parent, opts(8), nullptr); });
  CHECK(contains(msg, "did you mean " + dir / "parent/tiny" + "?"));

  std::string with_empty = dir.mkdir("with_empty");
  write_png(dir.mkdir("with_empty/daisy") + "/a.png", solid_image(2, 2, {1, 1, 1}));
  std::string empty_class = dir.mkdir("with_empty/rose");
  write_file_atomic(empty_class + "/.DS_Store", std::string("hidden files do not count"));
  msg = error_of([&] { load_image_folder(with_empty, opts(8), nullptr); });
  CHECK(contains(msg, empty_class));
  CHECK(contains(msg, "class folder has no image files"));
  CHECK(contains(msg, "remove the folder or add images"));

  // A class whose every file is unreadable: error names the class folder; report lists the files.
  std::string all_bad = dir.mkdir("all_bad");
  write_png(dir.mkdir("all_bad/daisy") + "/a.png", solid_image(2, 2, {1, 1, 1}));
  write_file_atomic(dir.mkdir("all_bad/rose") + "/a.txt", std::string("text"));
  LoadReport report;
  msg = error_of([&] { load_image_folder(all_bad, opts(8), &report); });
  CHECK(contains(msg, dir / "all_bad/rose"));
  CHECK(contains(msg, "no usable images"));
  REQUIRE(report.skipped.size() == 1);
  CHECK(report.skipped[0].path == dir / "all_bad/rose/a.txt");

  msg = error_of([&] { load_image_folder(all_bad, opts(0), nullptr); });
  CHECK(contains(msg, "image_size 0 is out of range"));
}

TEST_CASE("byte-identical files share a duplicate group, across and within classes") {
  TempDir dir("dups");
  std::vector<uint8_t> a = encode(solid_image(4, 4, {1, 2, 3}), "png");
  std::vector<uint8_t> b = encode(solid_image(4, 4, {7, 8, 9}), "png");
  write_bytes(dir.mkdir("x") + "/0.png", a);
  write_bytes(dir / "x/1.png", b);
  write_bytes(dir / "x/2.png", encode(solid_image(4, 4, {5, 5, 5}), "png"));
  write_bytes(dir / "x/3.png", b);
  write_bytes(dir.mkdir("y") + "/0.png", a);
  write_bytes(dir / "y/1.png", encode(solid_image(4, 4, {5, 5, 6}), "png"));
  LoadReport report;
  Dataset ds = load_image_folder(dir.str(), opts(4), &report);
  // Groups are numbered in order of their first member: a → 0 (x/0, y/0), b → 1 (x/1, x/3).
  CHECK(ds.duplicate_group == std::vector<int>{0, 1, -1, 1, 0, -1});
  CHECK(report.duplicate_groups == 2);
}

TEST_CASE("1 and 2 threads give the same pixels; progress ends at total; cancel throws") {
  TempDir dir("threads");
  for (int c = 0; c < 2; ++c) {
    std::string cls = dir.mkdir("c" + std::to_string(c));
    for (int i = 0; i < 10; ++i)
      write_png(cls + "/" + std::to_string(i) + ".png",
                solid_image(5 + i, 3 + c, {uint8_t(i * 20), uint8_t(c * 100), uint8_t(i + c)}));
  }
  LoadOptions one = opts(6, 1), two = opts(6, 2);
  size_t calls = 0, last_done = 0, last_total = 0;
  bool monotonic = true;
  two.progress = [&](size_t done, size_t total) {
    monotonic = monotonic && done >= last_done;
    ++calls;
    last_done = done;
    last_total = total;
  };
  Dataset d1 = load_image_folder(dir.str(), one, nullptr);
  Dataset d2 = load_image_folder(dir.str(), two, nullptr);
  CHECK(d1.size() == 20);
  CHECK(d1.pixels == d2.pixels);
  CHECK(d1.paths == d2.paths);
  CHECK(calls >= 1);
  CHECK(monotonic);
  CHECK(last_done == 20);
  CHECK(last_total == 20);

  std::atomic<bool> cancel{true};
  LoadOptions c = opts(6, 2);
  c.cancel = &cancel;
  std::string msg = error_of([&] { load_image_folder(dir.str(), c, nullptr); });
  CHECK(contains(msg, dir.str()));
  CHECK(contains(msg, "cancelled"));

  // Cancelling from the progress callback (after the first file) also stops the load.
  std::atomic<bool> cancel2{false};
  LoadOptions c2 = opts(6, 1);
  c2.cancel = &cancel2;
  c2.progress = [&](size_t, size_t) { cancel2 = true; };
  CHECK(contains(error_of([&] { load_image_folder(dir.str(), c2, nullptr); }), "cancelled"));
}

TEST_CASE(
    "a FIFO, a link to /dev/zero, a huge file and a folder are skipped unread, with a reason") {
  // Before: the FIFO hung the loader, /dev/zero filled memory, a 3 GB file was read whole.
  TempDir dir("special");
  write_png(dir.mkdir("cat") + "/good.png", solid_image(8, 8, {10, 10, 10}));
  write_png(dir.mkdir("dog") + "/d.png", solid_image(8, 8, {30, 30, 30}));
  REQUIRE(mkfifo((dir / "cat/pipe.png").c_str(), 0600) == 0);
  REQUIRE(mkfifo((dir / "top_pipe").c_str(), 0600) == 0);  // beside the class folders
  std::filesystem::create_symlink("/dev/zero", dir / "cat/zero.png");
  std::filesystem::create_symlink(dir / "cat/missing.png", dir / "cat/dangling.png");
  write_bytes(dir / "cat/movie.jpg", {0xFF, 0xD8, 0xFF});
  std::filesystem::resize_file(dir / "cat/movie.jpg", kMaxImageFileBytes + 1);  // sparse
  dir.mkdir("cat/folder.png");

  LoadReport report;
  Dataset ds = load_image_folder(dir.str(), opts(8, 2), &report);
  CHECK(ds.paths == std::vector<std::string>{dir / "cat/good.png", dir / "dog/d.png"});
  REQUIRE(report.skipped.size() == 6);
  auto reason_for = [&](const std::string& path) {
    for (auto& s : report.skipped)
      if (s.path == path) return s.reason;
    return std::string("<not skipped>");
  };
  CHECK(reason_for(dir / "cat/pipe.png") == "is a FIFO (named pipe), not a regular file");
  CHECK(reason_for(dir / "cat/zero.png") == "is a character device, not a regular file");
  CHECK(reason_for(dir / "cat/dangling.png") == "cannot open: No such file or directory");
  CHECK(reason_for(dir / "cat/movie.jpg") ==
        "file too large to be an image (512 MiB; limit 512 MiB)");
  CHECK(reason_for(dir / "cat/folder.png") ==
        "is a folder inside a class folder; nested folders are not read");
  CHECK(contains(reason_for(dir / "top_pipe"), "is not inside a class folder"));
}

namespace {
// 2 classes × `per_class` PNGs of side × side pixels.
void write_squares(const TempDir& dir, int per_class, int side) {
  for (int c = 0; c < 2; ++c) {
    std::string cls = dir.mkdir("c" + std::to_string(c));
    for (int i = 0; i < per_class; ++i)
      write_png(cls + "/" + std::to_string(i) + ".png",
                solid_image(side, side, {uint8_t(i), uint8_t(c), 7}));
  }
}
}  // namespace

TEST_CASE("decode memory: the threads share a pixel budget; an image over it still loads, alone") {
  // Before: each thread decoded a 100-MP image at once (2.1 GB at 4 threads vs 0.57 GB at 1).
  TempDir dir("budget");
  write_squares(dir, 12, 32);  // 24 images of 1024 pixels
  LoadOptions o = opts(8, 4);
  LoadReport report;
  o.decode_budget_pixels = 1500;  // room for one 1024-pixel image at a time
  Dataset serial = load_image_folder(dir.str(), o, &report);
  CHECK(serial.size() == 24);
  CHECK(report.peak_decode_pixels == 1024);
  o.decode_budget_pixels = 10;  // smaller than any image: each goes alone
  Dataset alone = load_image_folder(dir.str(), o, &report);
  CHECK(alone.pixels == serial.pixels);
  CHECK(report.peak_decode_pixels == 1024);
  o.decode_budget_pixels = 2048;  // two at a time at most
  load_image_folder(dir.str(), o, &report);
  CHECK(report.peak_decode_pixels >= 1024);
  CHECK(report.peak_decode_pixels <= 2048);
  o.decode_budget_pixels = kDecodeBudgetPixels;  // the default: small images never wait
  Dataset free = load_image_folder(dir.str(), o, &report);
  CHECK(free.pixels == serial.pixels);
  CHECK(report.peak_decode_pixels >= 1024);
  CHECK(report.peak_decode_pixels <= 4 * 1024);
  CHECK(LoadOptions{}.decode_budget_pixels == kMaxImagePixels);
}

TEST_CASE("estimate_dataset_bytes") {
  CHECK(estimate_dataset_bytes(500, 299) == size_t(500) * 299 * 299 * 3);  // 134,101,500
  CHECK(estimate_dataset_bytes(3670, 299) == 984'305'010);                 // 3670 * 89401 * 3
}
