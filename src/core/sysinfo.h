// core/sysinfo.h — what the machine offers: available memory (cgroup-aware), peak RSS, CPU count.
#pragma once
#include <cstddef>
#include <string>

namespace cnnlab {

// MemAvailable from /proc/meminfo, capped by the tightest cgroup (v2 or v1) memory limit minus
// usage over this process's cgroup and its ancestors (from /proc/self/cgroup). 0 if unknown.
size_t available_memory_bytes();
// The same over given files (tests): a meminfo file, a /proc/self/cgroup file, the cgroup mount.
size_t available_memory_bytes(const std::string& meminfo, const std::string& self_cgroup,
                              const std::string& cgroup_root);
// Peak resident set size of this process so far (getrusage).
size_t peak_rss_bytes();
int cpu_count();
// "1.40 GB", "350 MB", "12 KB" (decimal units, as users read them)
std::string format_bytes(double bytes);

}  // namespace cnnlab
