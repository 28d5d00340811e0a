// Progress of a transfer (a node's upload or restore, or a whole backup run): files and bytes
// done, the rate so far and the time the rest should take. One model, shown the same way by the
// agent's ops API, the scheduler's REST API and rkctl.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace rk::backup {

struct TransferProgress {
  uint64_t files_total = 0;
  uint64_t files_done = 0;     // sent, or skipped because the store already had them
  uint64_t bytes_total = 0;    // plaintext bytes of every file
  uint64_t bytes_done = 0;     // of files_done
  uint64_t bytes_sent = 0;     // bytes actually moved (dedup and resume skip the rest)
  uint64_t files_skipped = 0;  // already in the store, or finished before a restart
  int64_t started_at_us = 0;   // when this transfer (or its resumption) began
  int64_t updated_at_us = 0;   // the time the figures are as of

  // Bytes moved per second since started_at_us (0 before any time has passed).
  double rate_bytes_per_second() const;
  // Seconds the remaining bytes take at that rate; -1 when unknown (nothing moved yet).
  int64_t eta_seconds() const;
  // Adds another transfer's figures (a run's progress is the sum of its nodes').
  void add(const TransferProgress& other);
};

// {"files_total","files_done","files_skipped","bytes_total","bytes_done","bytes_sent",
//  "rate_bytes_per_second","eta_seconds"}
nlohmann::json progress_to_json(const TransferProgress& p);
// Reads what progress_to_json wrote (missing figures are 0); started_at_us and updated_at_us are
// not part of the JSON.
TransferProgress progress_from_json(const nlohmann::json& j);

}  // namespace rk::backup
