// lesson/lesson_load.cpp — finds the lessons folder and loads every lesson in it, collecting errors
// per file.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/error.h"
#include "lesson/lesson.h"

namespace cnnlab {

namespace fs = std::filesystem;

LessonLoadResult load_lessons(const std::string& dir) {
  LessonLoadResult r;
  std::error_code ec;
  std::vector<std::string> files;
  std::vector<fs::path> subdirs;  // one level down: lessons/backward/ (a *.toml folder is an error)
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code kind_ec;
    if (it->path().extension() == ".toml")
      files.push_back(it->path().string());
    else if (it->is_directory(kind_ec))
      subdirs.push_back(it->path());
  }
  for (const fs::path& sub : subdirs) {
    std::error_code sub_ec;  // an unreadable subfolder is skipped; its files are not lessons then
    for (fs::directory_iterator it(sub, sub_ec), end; !sub_ec && it != end; it.increment(sub_ec))
      if (it->path().extension() == ".toml") files.push_back(it->path().string());
  }
  if (ec) {
    r.errors.push_back(UserError::format(
        dir, "cannot read the lessons folder: " + ec.message(),
        "pass --dir or set CNNLAB_LESSONS to the folder with the *.toml lessons", 0));
    return r;
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    try {
      Lesson l = load_lesson_file(f);
      if (const Lesson* other = find_lesson(r.lessons, l.id)) {
        r.errors.push_back(UserError::format(
            f, "duplicate lesson id \"" + l.id + "\" (also in " + other->source_path + ")",
            "give every lesson its own id", 1));
        continue;
      }
      r.lessons.push_back(std::move(l));
    } catch (const UserError& e) {
      r.errors.push_back(e.what());
    } catch (const std::exception& e) {
      r.errors.push_back(UserError::format(f, e.what(), {}, 0));
    }
  }
  std::stable_sort(r.lessons.begin(), r.lessons.end(), [](const Lesson& a, const Lesson& b) {
    return a.order != b.order ? a.order < b.order : a.id < b.id;
  });
  return r;
}

std::string default_lesson_dir() {
  if (const char* env = std::getenv("CNNLAB_LESSONS"); env && *env) return env;
  std::error_code ec;
  if (fs::is_directory(CNNLAB_LESSON_DIR, ec)) return CNNLAB_LESSON_DIR;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path() / ".." / "share" / "cnnlab" / "lessons";
    if (fs::is_directory(installed, ec)) return fs::weakly_canonical(installed, ec).string();
  }
  return CNNLAB_LESSON_DIR;  // missing: load_lessons reports it with this path
}

const Lesson* find_lesson(const std::vector<Lesson>& lessons, const std::string& id) {
  for (const Lesson& l : lessons)
    if (l.id == id) return &l;
  return nullptr;
}

}  // namespace cnnlab
