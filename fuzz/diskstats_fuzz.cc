// Feeds monitor/diskstats.h's parse_diskstats: /proc/diskstats as the kernel prints it (14, 18 or
// 20 fields a line). The agent samples it every few seconds; a line it cannot read must be an
// error, never a crash, and iostat's figures between any two parsed lines must stay finite.
#include <cmath>

#include "fuzz_check.h"
#include "ringkeeper/monitor/diskstats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = rk::monitor::parse_diskstats(fuzz_text(data, size));
  if (!parsed.ok()) return 0;
  const auto& disks = *parsed;
  for (size_t i = 0; i < disks.size(); ++i) {
    RK_FUZZ_CHECK(disks[i].fields == 14 || disks[i].fields == 18 || disks[i].fields == 20,
                  "a parsed line has a known layout");
    RK_FUZZ_CHECK(rk::monitor::find_disk(disks, disks[i].name) != nullptr, "names are found");
    const auto& prev = disks[i == 0 ? 0 : i - 1];
    const rk::monitor::IoRates r = rk::monitor::compute_io_rates(prev, disks[i], 1.5);
    RK_FUZZ_CHECK(std::isfinite(r.await) && std::isfinite(r.util_percent) &&
                      std::isfinite(r.aqu_sz) && std::isfinite(r.r_await) &&
                      std::isfinite(r.w_await) && r.util_percent >= 0,
                  "rates are finite");
  }
  return 0;
}
