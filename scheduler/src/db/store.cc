// Opening the scheduler's SQLite file and running work against it (see
// include/ringkeeper/scheduler/store.h).
#include "ringkeeper/scheduler/store.h"

#include <mutex>

#include "db/migrations.h"
#include "db/sqlite.h"

namespace rk::scheduler {

struct Store::Impl {
  std::unique_ptr<Database> db;
  std::string synchronous;  // the configured mode, restored after relaxed writes
  std::mutex mu;            // one connection: callers take turns
};

Store::Store(std::unique_ptr<Impl> impl, Clock& clock, int version)
    : impl_(std::move(impl)), clock_(clock), schema_version_(version) {}

Store::~Store() = default;

int Store::latest_schema_version() { return static_cast<int>(builtin_migrations().size()); }

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options, Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->synchronous = options.synchronous;
  RK_ASSIGN_OR_RETURN(impl->db, Database::open(options.path, {.busy_timeout = options.busy_timeout,
                                                              .synchronous = options.synchronous}));
  RK_RETURN_IF_ERROR(apply_migrations(*impl->db, builtin_migrations(), clock.now_micros()));
  RK_ASSIGN_OR_RETURN(int version, scheduler::schema_version(*impl->db));
  return std::unique_ptr<Store>(new Store(std::move(impl), clock, version));
}

Status Store::write(const std::function<Status(Database&)>& fn, WriteDurability durability) {
  std::lock_guard lock(impl_->mu);
  // The synchronous mode cannot change inside a transaction: set it around one.
  const bool relax = durability == WriteDurability::kRelaxed && impl_->synchronous != "NORMAL";
  if (relax) RK_RETURN_IF_ERROR(impl_->db->exec("PRAGMA synchronous=NORMAL"));
  Status s = [&]() -> Status {
    RK_ASSIGN_OR_RETURN(Transaction txn, Transaction::begin_immediate(*impl_->db));
    RK_RETURN_IF_ERROR(fn(*impl_->db));  // ~Transaction rolls back
    return txn.commit();
  }();
  if (relax) {
    Status restore = impl_->db->exec("PRAGMA synchronous=" + impl_->synchronous);
    if (s.ok()) s = restore;
  }
  return s;
}

Status Store::read(const std::function<Status(Database&)>& fn) {
  std::lock_guard lock(impl_->mu);
  RK_RETURN_IF_ERROR(impl_->db->exec("BEGIN"));
  Status s = fn(*impl_->db);
  Status end = impl_->db->exec(s.ok() ? "COMMIT" : "ROLLBACK");
  return s.ok() ? end : s;
}

}  // namespace rk::scheduler
