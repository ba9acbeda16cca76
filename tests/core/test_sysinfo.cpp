// tests/core/test_sysinfo.cpp — available memory: MemAvailable capped by the tightest cgroup limit
// over the process's cgroup and its ancestors (v2 and v1), on fake /proc and /sys trees.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/sysinfo.h"
#include "test_tmp.h"

using namespace cnnlab;

namespace {
void put(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}
}  // namespace

TEST_CASE("available memory: MemAvailable, then the tightest cgroup limit above the process") {
  test::TempDir dir("sysinfo");
  const std::string meminfo = dir / "meminfo", self = dir / "cgroup", root = dir / "fs";
  put(meminfo, "MemTotal:       24000000 kB\nMemFree:  1000 kB\nMemAvailable:   16000000 kB\n");
  put(self, "0::/\n");
  CHECK(available_memory_bytes(meminfo, self, root) == size_t(16000000) * 1024);  // no limits

  // v2, the process two levels down; the parent's limit (4 GB, 1 GB used) binds, the leaf's is
  // "max".
  put(self, "0::/user/job\n");
  put(root + "/user/job/memory.max", "max\n");
  put(root + "/user/job/memory.current", "500000000\n");
  put(root + "/user/memory.max", "4000000000\n");
  put(root + "/user/memory.current", "1000000000\n");
  CHECK(available_memory_bytes(meminfo, self, root) == size_t(3000000000));
  put(root + "/user/job/memory.max", "2000000000\n");  // now the leaf is tighter: 2 GB - 0.5 GB
  CHECK(available_memory_bytes(meminfo, self, root) == size_t(1500000000));

  // v1 (this machine's layout): memory controller in a nested group, "unlimited" above it.
  put(self, "4:memory:/process_api/abc\n0::/\n");
  put(root + "/memory/memory.limit_in_bytes", "9223372036854771712\n");
  put(root + "/memory/process_api/abc/memory.limit_in_bytes", "2147483648\n");
  put(root + "/memory/process_api/abc/memory.usage_in_bytes", "1073741824\n");
  CHECK(available_memory_bytes(meminfo, self, root) == size_t(1073741824));
  // Over its limit: 1 byte left (not 0, which would mean "unknown" and let anything through).
  put(root + "/memory/process_api/abc/memory.usage_in_bytes", "3000000000\n");
  CHECK(available_memory_bytes(meminfo, self, root) == 1);
}
