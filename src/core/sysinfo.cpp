// core/sysinfo.cpp — /proc and cgroup reads for memory checks; getrusage for peak RSS.
#include "core/sysinfo.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace cnnlab {

namespace {
// The first word of PATH as a number; 0 if absent, unreadable or "max" (no limit).
size_t read_number_file(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  if (!(f >> s) || s == "max") return 0;
  try {
    return size_t(std::stoull(s));
  } catch (...) {
    return 0;
  }
}

// MemAvailable in bytes from a /proc/meminfo-style file; 0 if absent.
size_t meminfo_available(const std::string& path) {
  std::ifstream f(path);
  std::string key, unit;
  size_t kb = 0;
  while (f >> key >> kb) {
    std::getline(f, unit);
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

// The tightest limit - usage over DIR and its ancestors up to ROOT (limits nest: a parent's
// limit binds its children). 0 = no limit found.
size_t headroom_up_to(const std::string& root, std::string rel, const char* limit_file,
                      const char* usage_file) {
  size_t best = 0;
  bool found = false;
  for (;;) {
    const std::string dir = root + rel;
    const size_t limit = read_number_file(dir + "/" + limit_file);
    if (limit && limit < (size_t(1) << 60)) {  // v1 writes "no limit" as ~2^63
      const size_t used = read_number_file(dir + "/" + usage_file);
      const size_t left = limit > used ? limit - used : 0;
      if (!found || left < best) best = left;
      found = true;
    }
    if (rel.empty() || rel == "/") break;
    const size_t slash = rel.find_last_of('/');
    rel = slash == std::string::npos || slash == 0 ? "" : rel.substr(0, slash);
  }
  return found ? std::max<size_t>(best, 1) : 0;  // 1: limited and full (0 would read "unknown")
}
}  // namespace

size_t available_memory_bytes(const std::string& meminfo, const std::string& self_cgroup,
                              const std::string& cgroup_root) {
  size_t avail = meminfo_available(meminfo);
  auto take = [&](size_t left) {
    if (left && (!avail || left < avail)) avail = left;
  };
  // /proc/self/cgroup lines: "0::/path" (v2) or "4:memory:/path" (v1, controllers comma-separated).
  std::ifstream f(self_cgroup);
  std::string line;
  while (std::getline(f, line)) {
    const size_t c1 = line.find(':'), c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    const std::string id = line.substr(0, c1), ctrl = line.substr(c1 + 1, c2 - c1 - 1);
    std::string rel = line.substr(c2 + 1);
    if (rel == "/") rel.clear();
    if (id == "0" && ctrl.empty()) {
      take(headroom_up_to(cgroup_root, rel, "memory.max", "memory.current"));
      take(headroom_up_to(cgroup_root + "/unified", rel, "memory.max", "memory.current"));
    } else if (("," + ctrl + ",").find(",memory,") != std::string::npos) {
      take(headroom_up_to(cgroup_root + "/memory", rel, "memory.limit_in_bytes",
                          "memory.usage_in_bytes"));
    }
  }
  return avail;
}

size_t available_memory_bytes() {
  return available_memory_bytes("/proc/meminfo", "/proc/self/cgroup", "/sys/fs/cgroup");
}

size_t peak_rss_bytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return size_t(ru.ru_maxrss) * 1024;
}

int cpu_count() {
  unsigned n = std::thread::hardware_concurrency();
  return n ? int(n) : 1;
}

std::string format_bytes(double b) {
  char buf[32];
  if (b >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(buf, sizeof buf, "%.0f MB", b / 1e6);
  else if (b >= 1e3)
    std::snprintf(buf, sizeof buf, "%.0f KB", b / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

}  // namespace cnnlab
