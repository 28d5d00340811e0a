// Row digests; the canonical byte form is documented in row_digest.h.
#include "row_digest.h"

namespace rk::storage {
namespace {

void put_u64(Sha256& h, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
  h.update(b, 8);
}

void put_bytes(Sha256& h, std::string_view s) {
  put_u64(h, s.size());
  h.update(s);
}

bool purgeable(const Deletion& d, int64_t gc_before) {
  return !d.is_live() && d.local_deletion_time <= gc_before;
}

}  // namespace

void digest_partition(const Partition& p, int64_t now_seconds, int64_t gc_before,
                      const std::function<void(const Digest&, uint64_t)>& unit) {
  Sha256 h;
  if (!p.deletion.is_live() && !purgeable(p.deletion, gc_before)) {
    h.update("P", 1);
    put_bytes(h, p.partition_key);
    put_u64(h, static_cast<uint64_t>(p.deletion.marked_for_delete_at));
    unit(h.finish(), p.partition_key.size() + 16);
  }
  for (const Row& r : p.rows) {
    bool any = false;
    uint64_t bytes = p.partition_key.size() + r.clustering_key.size();
    h.update("R", 1);
    put_bytes(h, p.partition_key);
    put_bytes(h, r.clustering_key);
    if (!r.deletion.is_live() && !purgeable(r.deletion, gc_before)) {
      h.update("D", 1);
      put_u64(h, static_cast<uint64_t>(r.deletion.marked_for_delete_at));
      any = true;
    }
    for (const auto& [column, c] : r.cells) {
      if (!c.is_live(now_seconds) && c.local_deletion_time <= gc_before) continue;
      h.update("C", 1);
      put_bytes(h, column);
      const auto kind = static_cast<unsigned char>(c.kind);
      h.update(&kind, 1);
      put_u64(h, static_cast<uint64_t>(c.timestamp));
      put_u64(h, static_cast<uint64_t>(c.ttl_seconds));
      put_bytes(h, c.value);
      bytes += column.size() + c.value.size() + 24;
      any = true;
    }
    Digest d = h.finish();  // also resets the hasher for the next row
    if (any) unit(d, bytes);
  }
}

}  // namespace rk::storage
