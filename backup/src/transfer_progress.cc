// Transfer progress figures (see transfer_progress.h).
#include "ringkeeper/backup/transfer_progress.h"

#include <algorithm>
#include <cmath>

namespace rk::backup {

double TransferProgress::rate_bytes_per_second() const {
  const int64_t elapsed_us = updated_at_us - started_at_us;
  if (elapsed_us <= 0 || started_at_us == 0) return 0;
  return static_cast<double>(bytes_sent) * 1e6 / static_cast<double>(elapsed_us);
}

int64_t TransferProgress::eta_seconds() const {
  if (bytes_done >= bytes_total && files_done >= files_total) return 0;
  const double rate = rate_bytes_per_second();
  if (rate <= 0) return -1;
  return static_cast<int64_t>(std::ceil(static_cast<double>(bytes_total - bytes_done) / rate));
}

void TransferProgress::add(const TransferProgress& o) {
  files_total += o.files_total;
  files_done += o.files_done;
  bytes_total += o.bytes_total;
  bytes_done += o.bytes_done;
  bytes_sent += o.bytes_sent;
  files_skipped += o.files_skipped;
  if (o.started_at_us != 0)
    started_at_us = started_at_us == 0 ? o.started_at_us : std::min(started_at_us, o.started_at_us);
  updated_at_us = std::max(updated_at_us, o.updated_at_us);
}

nlohmann::json progress_to_json(const TransferProgress& p) {
  return {{"files_total", p.files_total},
          {"files_done", p.files_done},
          {"files_skipped", p.files_skipped},
          {"bytes_total", p.bytes_total},
          {"bytes_done", p.bytes_done},
          {"bytes_sent", p.bytes_sent},
          {"rate_bytes_per_second", std::round(p.rate_bytes_per_second())},
          {"eta_seconds", p.eta_seconds()}};
}

TransferProgress progress_from_json(const nlohmann::json& j) {
  TransferProgress p;
  if (!j.is_object()) return p;
  auto u = [&](const char* k) {
    return j.contains(k) && j[k].is_number() ? j[k].get<uint64_t>() : 0;
  };
  p.files_total = u("files_total");
  p.files_done = u("files_done");
  p.files_skipped = u("files_skipped");
  p.bytes_total = u("bytes_total");
  p.bytes_done = u("bytes_done");
  p.bytes_sent = u("bytes_sent");
  return p;
}

}  // namespace rk::backup
