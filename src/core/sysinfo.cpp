// core/sysinfo.cpp — /proc and cgroup reads for memory checks; getrusage for peak RSS.
#include "core/sysinfo.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace cnnlab {

namespace {
size_t read_number_file(const char* path) {
  std::ifstream f(path);
  std::string s;
  if (!(f >> s) || s == "max") return 0;
  try {
    return size_t(std::stoull(s));
  } catch (...) {
    return 0;
  }
}
}  // namespace

size_t available_memory_bytes() {
  size_t avail = 0;
  std::ifstream f("/proc/meminfo");
  std::string key;
  size_t kb;
  std::string unit;
  while (f >> key >> kb) {
    std::getline(f, unit);
    if (key == "MemAvailable:") {
      avail = kb * 1024;
      break;
    }
  }
  size_t limit = read_number_file("/sys/fs/cgroup/memory.max");
  if (limit) {
    size_t used = read_number_file("/sys/fs/cgroup/memory.current");
    size_t left = limit > used ? limit - used : 0;
    if (!avail || left < avail) avail = left;
  } else if (size_t l1 = read_number_file("/sys/fs/cgroup/memory/memory.limit_in_bytes");
             l1 && l1 < (size_t(1) << 60)) {
    size_t used = read_number_file("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    size_t left = l1 > used ? l1 - used : 0;
    if (!avail || left < avail) avail = left;
  }
  return avail;
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
  if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.0f MB", b / 1e6);
  else if (b >= 1e3) std::snprintf(buf, sizeof buf, "%.0f KB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

}  // namespace cnnlab
