// The chaos soak's client load (see soak_load.h).
#include "soak_load.h"

#include <algorithm>
#include <random>

#include "ringkeeper/core/http_client.h"

namespace rk::soak {

using nlohmann::json;

namespace {

// Bursts of load, then silence longer than the listeners' idle_timeout (1.5 s).
constexpr std::chrono::milliseconds kBurst{9000};
constexpr std::chrono::milliseconds kGap{2500};
constexpr size_t kMaxKeys = 50'000;
constexpr int kRetryAfterAttempts = 5;

}  // namespace

void LatencyBook::add(bool disturbed, int64_t micros) {
  std::lock_guard lock(mu_);
  samples_[disturbed ? 1 : 0].push_back(micros);
}

double LatencyBook::quantile_ms(bool disturbed, double q) const {
  std::lock_guard lock(mu_);
  std::vector<int64_t> s = samples_[disturbed ? 1 : 0];
  if (s.empty()) return 0;
  const size_t at = std::min(s.size() - 1, static_cast<size_t>(q * static_cast<double>(s.size())));
  std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(at), s.end());
  return static_cast<double>(s[at]) / 1000.0;
}

size_t LatencyBook::count(bool disturbed) const {
  std::lock_guard lock(mu_);
  return samples_[disturbed ? 1 : 0].size();
}

Result<Observed> observed_in_read(const json& answer) {
  if (!answer.is_object() || !answer.contains("rows") || !answer["rows"].is_array()) {
    return Status::Corruption("read answer without rows: " + answer.dump().substr(0, 200));
  }
  Observed seen;
  for (const json& row : answer["rows"]) {
    if (row.value("clustering", "") != "c" || !row.contains("cells")) continue;
    const json& cells = row["cells"];
    if (!cells.contains("v")) continue;
    seen.present = true;
    seen.value = cells["v"].value("value", "");
    seen.timestamp = cells["v"].value("timestamp", int64_t{0});
  }
  return seen;
}

Load::Load(SoakCluster& cluster, History& history, Violations& violations, uint64_t seed,
           std::function<bool()> disturbed)
    : cluster_(cluster),
      history_(history),
      violations_(violations),
      seed_(seed),
      disturbed_(std::move(disturbed)) {}

Load::~Load() { stop(); }

void Load::start(int threads) {
  began_ = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, t] { run(seed_ * 1000 + static_cast<uint64_t>(t)); });
  }
}

void Load::stop() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Load::run(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  http::Client client(http::ClientOptions{.timeout = std::chrono::seconds(5)});
  while (!stopping_) {
    // Bursts and gaps, the same for every thread.
    const auto since = std::chrono::steady_clock::now() - began_;
    if (since % (kBurst + kGap) >= kBurst) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    std::vector<AgentView> up;
    for (auto& a : cluster_.agents()) {
      if (a.up) up.push_back(a);
    }
    if (up.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const AgentView& coordinator = up[rng() % up.size()];
    const size_t keys = history_.key_count();
    const double u = uniform();
    const bool write = u < 0.45 || keys == 0;
    const bool del = !write && u < 0.60;
    size_t key = 0;
    if (write && (keys == 0 || (uniform() < 0.3 && keys < kMaxKeys))) {
      key = history_.new_key();
    } else {
      key = rng() % history_.key_count();
    }
    const std::string base = "http://" + coordinator.client;
    const bool disturbed = disturbed_();
    const int64_t start = wall_us();
    if (write || del) {
      const int64_t ts = history_.next_timestamp();
      json ops = del ? json::array({{{"op", "delete_partition"}}})
                     : json::array({{{"op", "set"},
                                     {"clustering", "c"},
                                     {"column", "v"},
                                     {"value", History::value_for(ts)}}});
      const json body = {{"keyspace", kKeyspace},   {"table", kTable},
                         {"partition", History::key_name(key)}, {"consistency", "QUORUM"},
                         {"timestamp", ts},         {"ops", std::move(ops)}};
      const size_t op =
          history_.begin(key, del ? History::Kind::kDelete : History::Kind::kSet, ts, start);
      (del ? counts_.deletes : counts_.writes)++;
      bool acked = false;
      for (int attempt = 0; attempt < kRetryAfterAttempts && !stopping_; ++attempt) {
        auto r = client.post(base + "/v1/write", body.dump());
        if (r.ok() && r->status == 200) {
          acked = true;
          break;
        }
        // Only an overloaded server's 503 (it says when to come back) is worth waiting for.
        if (!r.ok() || r->status != 503) break;
        auto retry_after = r->headers.find("Retry-After");
        if (retry_after == r->headers.end()) break;
        ++counts_.retried_after;
        const int seconds = std::clamp(std::atoi(retry_after->second.c_str()), 0, 2);
        std::this_thread::sleep_for(std::chrono::seconds(seconds) + std::chrono::milliseconds(50));
      }
      const int64_t end = wall_us();
      history_.finish(key, op, acked ? History::Outcome::kAcked : History::Outcome::kFailed, end);
      if (acked) {
        (del ? counts_.deletes_acked : counts_.writes_acked)++;
        latencies_.add(disturbed, end - start);
      }
      continue;
    }
    ++counts_.reads;
    const json body = {{"keyspace", kKeyspace},
                       {"table", kTable},
                       {"partition", History::key_name(key)},
                       {"consistency", "QUORUM"}};
    auto r = client.post(base + "/v1/read", body.dump());
    const int64_t end = wall_us();
    if (!r.ok() || r->status != 200) continue;
    auto seen = observed_in_read(json::parse(r->body, nullptr, false));
    if (!seen.ok()) {
      violations_.add("QUORUM read through " + coordinator.name + ": " + seen.status().message());
      continue;
    }
    ++counts_.reads_ok;
    latencies_.add(disturbed, end - start);
    const std::string wrong = history_.check_read(key, *seen, start, end);
    if (!wrong.empty()) violations_.add("QUORUM read through " + coordinator.name + ": " + wrong);
  }
}

}  // namespace rk::soak
