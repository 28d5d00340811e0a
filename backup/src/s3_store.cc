// The s3:// store (in progress).
#include "ringkeeper/backup/store_factory.h"

namespace rk::backup {

Result<std::unique_ptr<ObjectStore>> open_s3_store(const std::string& bucket,
                                                   const std::string& prefix,
                                                   const S3Options& options) {
  (void)bucket;
  (void)prefix;
  (void)options;
  return Status::FailedPrecondition("s3:// stores are not built yet");
}

}  // namespace rk::backup
