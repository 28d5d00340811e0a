// Feeds repair's TimeZone::from_tzif: TZif files (RFC 8536, versions 1 to 3, with the POSIX TZ
// rule of their footer) that maintenance windows name, read from the zoneinfo directory. A
// malformed file must be refused; an accepted one must answer offsets and local times anywhere on
// the time line without overflow.
#include <cstdlib>

#include "fuzz_check.h"
#include "ringkeeper/repair/maintenance_window.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto zone = rk::repair::TimeZone::from_tzif("Fuzz/Zone", fuzz_text(data, size));
  if (!zone.ok()) return 0;
  // Instants from before the first transition to far past the last (years -1000..3000 or so).
  constexpr int64_t kYear = 31'556'952;
  for (int64_t t : {-kYear * 3000, -kYear * 100, int64_t{-1}, int64_t{0}, int64_t{1'700'000'000},
                    int64_t{1'700'000'000} + kYear / 2, kYear * 200, kYear * 1000}) {
    const int32_t offset = zone->offset_at(t);
    RK_FUZZ_CHECK(std::abs(static_cast<int64_t>(offset)) <= 7 * 24 * 3600, "offsets are sane");
    (void)zone->to_utc(t);
  }
  // A maintenance window over the zone walks days across its transitions.
  auto schedule = rk::repair::MaintenanceSchedule::parse("mon-fri 22:00-06:00", *zone);
  RK_FUZZ_CHECK(schedule.ok(), "a valid window parses in any zone");
  for (int64_t t_us : {int64_t{0}, int64_t{1'700'000'000'000'000}, kYear * 500 * 1'000'000}) {
    const int64_t open = schedule->next_open(t_us);
    RK_FUZZ_CHECK(open >= t_us, "the next opening is not in the past");
    RK_FUZZ_CHECK(schedule->next_close(open) >= open, "a window closes after it opens");
  }
  return 0;
}
