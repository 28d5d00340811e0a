// `rkctl repair proof [KEYSPACE[.TABLE]]`: the zombie-safety proof the scheduler serves as
// GET /api/v1/repair/proof (docs/repair.md, "Proof"). One table: its verdict, modes and windows;
// several: one line each. Exit 0 when every table shown is zombie-safe now, 1 when one is not.
#include <fmt/format.h>

#include "args.h"
#include "cluster_client.h"
#include "commands.h"
#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/time_text.h"

namespace rk::cli {
namespace {

using nlohmann::json;

std::string when(const json& us) {
  const int64_t v = us.is_number_integer() ? us.get<int64_t>() : 0;
  return v == 0 ? "-" : format_time_us(v, TimeForm::kRfc3339Seconds);
}

std::string ranges_text(const json& ranges) {
  std::string out;
  size_t shown = 0;
  for (const json& r : ranges) {
    if (shown == 3) {
      out += fmt::format(" (+{} more)", ranges.size() - shown);
      break;
    }
    out += (out.empty() ? "" : " ") + r.get<std::string>();
    ++shown;
  }
  return out;
}

void print_one(std::ostream& out, const json& t) {
  out << t.value("message", "") << "\n";
  std::string modes;
  for (const json& m : t["modes"]) {
    modes += fmt::format("{}{} from {}", modes.empty() ? "" : ", ", m.value("tombstone_gc", ""),
                         when(m["since_us"]));
  }
  out << fmt::format("  tombstone_gc: {}; gc_grace {} s; {} replicas\n", modes,
                     t.value("gc_grace_seconds", int64_t{0}), t.value("replicas", 0));
  out << fmt::format("  record since {} (table created {})\n", when(t["record_since_us"]),
                     when(t["created_at_us"]));
  const json& windows = t["windows"];
  const size_t total = t.value("windows_total", size_t{0});
  if (total == 0) {
    out << "  no window in which a tombstone could be purged before a repair covered it\n";
    return;
  }
  out << fmt::format("  windows in which tombstones could be purged unrepaired ({}{}):\n", total,
                     windows.size() < total ? fmt::format(", newest {} shown", windows.size())
                                            : "");
  std::vector<std::vector<std::string>> rows;
  for (const json& w : windows) {
    rows.push_back({when(w["from_us"]), w.value("open", false) ? "open" : when(w["to_us"]),
                    w.value("tombstone_gc", ""), when(w["repaired_before_us"]),
                    ranges_text(w["ranges"])});
  }
  print_table(out, {"FROM", "TO", "MODE", "REPAIRED BEFORE", "RANGES"}, rows);
}

}  // namespace

int repair_proof_command(Context& ctx, ClusterClient& client, const ParsedArgs& a) {
  const char* kCmd = "repair proof";
  if (a.positionals.size() > 2) {
    return command_failed(ctx, kCmd,
                          Status::InvalidArgument("usage: rkctl repair proof [KEYSPACE[.TABLE]]"));
  }
  auto usage = [&](const Status& s) {
    return command_failed(ctx, kCmd, Status::InvalidArgument("usage: " + s.message()));
  };
  Result<int64_t> limit = int_flag(a, "--limit", 20, 0, 10000);
  if (!limit.ok()) return usage(limit.status());
  std::string query = fmt::format("?limit={}", *limit);
  bool one_table = false;
  if (a.positionals.size() == 2) {
    const std::string& name = a.positionals[1];
    std::string keyspace = name;
    std::string table;
    if (name.find('.') != std::string::npos) {
      if (Status s = split_table(name, &keyspace, &table); !s.ok()) return usage(s);
      one_table = true;
    }
    query += "&keyspace=" + http::percent_encode(keyspace);
    if (one_table) query += "&table=" + http::percent_encode(table);
  }
  Result<json> reply = client.get("/api/v1/repair/proof" + query);
  if (!reply.ok()) return command_failed(ctx, kCmd, reply.status());
  bool all_safe = true;
  for (const json& t : (*reply)["tables"]) all_safe = all_safe && t.value("safe_now", false);
  if (ctx.json) {
    *ctx.out << reply->dump() << "\n";
  } else if (one_table && !(*reply)["tables"].empty()) {
    print_one(*ctx.out, (*reply)["tables"].at(0));
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const json& t : (*reply)["tables"]) {
      const bool safe = t.value("safe_now", false);
      rows.push_back({t.value("keyspace", "") + "." + t.value("table", ""),
                      safe ? "SAFE" : "NOT SAFE",
                      safe ? when(t["safe_since_us"]) : when(t["exposed_since_us"]),
                      when(t["safe_until_us"]), t.value("tombstone_gc", ""),
                      std::to_string(t.value("windows_total", 0))});
    }
    print_table(*ctx.out, {"TABLE", "PROOF", "SINCE", "SAFE UNTIL", "TOMBSTONE_GC", "WINDOWS"},
                rows);
  }
  return all_safe ? kExitOk : kExitFailed;
}

}  // namespace rk::cli
