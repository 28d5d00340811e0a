// Feeds JSON request bodies through core/json_api.h's strict reader (read_body) and the agent's
// wire decoders (agent/wire.h), whose Specs are the ones the internode and client data APIs
// check: mutations (/internode/v1/apply, /v1/write and /v1/batch ops), raw partitions, rows,
// cells, deletions, clustering slices and keyspace replication. Every body comes from the network:
// it must decode or be refused with the field named, and whatever decodes must encode back to
// JSON that decodes to the same value.
#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "ringkeeper/agent/wire.h"
#include "ringkeeper/core/json_api.h"

namespace {

namespace api = rk::api;
namespace wire = rk::agent::wire;
using nlohmann::json;

// Decodes `j` with `from`, and if that works checks that `to` then `from` gives the same JSON.
template <class From, class To>
void round_trip(const json& j, From from, To to, const char* what) {
  auto decoded = from(j);
  if (!decoded.ok()) {
    RK_FUZZ_CHECK(!decoded.status().message().empty(), "a refusal says why");
    return;
  }
  const json encoded = to(*decoded);
  auto again = from(encoded);
  RK_FUZZ_CHECK(again.ok() && to(*again) == encoded, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rk::http::Request request;
  request.method = "POST";
  request.body.assign(fuzz_text(data, size));

  // The envelope of /internode/v1/apply, then each mutation as that handler decodes it.
  static const api::Spec kApply = {{"mutations", api::Type::kArray, api::kRequired}};
  if (auto body = api::read_body(request, kApply); body.ok()) {
    for (const json& m : (*body)["mutations"]) {
      round_trip(m, wire::mutation_from_json, wire::mutation_to_json,
                 "a mutation encodes back to itself");
    }
  }

  // The same body as any of the wire's values.
  const json j = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  round_trip(j, wire::mutation_from_json, wire::mutation_to_json,
             "a mutation encodes back to itself");
  round_trip(j, wire::partition_from_json, wire::partition_to_json,
             "a partition encodes back to itself");
  round_trip(j, wire::row_from_json, wire::row_to_json, "a row encodes back to itself");
  round_trip(j, wire::cell_from_json, wire::cell_to_json, "a cell encodes back to itself");
  round_trip(j, wire::deletion_from_json, wire::deletion_to_json,
             "a deletion encodes back to itself");
  round_trip(j, wire::slice_from_json, wire::slice_to_json, "a slice encodes back to itself");
  round_trip(j, wire::replication_from_json, wire::replication_to_json,
             "a replication encodes back to itself");
  // A client's write: its "ops" with the coordinator's timestamp.
  if (j.is_object() && j.contains("ops")) (void)wire::client_ops_from_json(j["ops"], 1'700'000'000);
  return 0;
}
