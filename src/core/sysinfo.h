// core/sysinfo.h — what the machine offers: available memory (cgroup-aware), peak RSS, CPU count.
#pragma once
#include <cstddef>
#include <string>

namespace cnnlab {

// MemAvailable from /proc/meminfo, capped by a cgroup v2/v1 memory limit when one is set.
// Returns 0 if unknown.
size_t available_memory_bytes();
// Peak resident set size of this process so far (getrusage).
size_t peak_rss_bytes();
int cpu_count();
// "1.40 GB", "350 MB", "12 KB" (decimal units, as users read them)
std::string format_bytes(double bytes);

}  // namespace cnnlab
