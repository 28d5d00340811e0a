// The S3 store's HTTP transport: libcurl easy handles kept in a pool (connections are reused),
// request bodies streamed from an ObjectSource range, response bodies streamed into an
// ObjectSink, a shared bandwidth limit, and transport failures mapped to Statuses (refused,
// reset, stalled → Unavailable or Timeout: retryable). Knows nothing about S3.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/core/status.h"
#include "sigv4.h"
#include "token_bucket.h"

namespace rk::backup {

struct HttpRequest {
  std::string method = "GET";
  std::string url;     // complete, already encoded
  HeaderList headers;  // sent as given
  // Body: `source` bytes [offset, offset + length) when source is set, else `body`.
  const ObjectSource* source = nullptr;
  int64_t offset = 0;
  int64_t length = 0;
  std::string body;
  // 2xx response bodies go here when set (else into HttpResponse::body); error bodies always
  // go to HttpResponse::body.
  ObjectSink* sink = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower case
  std::string body;
  int64_t sink_bytes = 0;  // bytes handed to the request's sink
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds stall_timeout{30'000};
  std::string ca_file;
};

class CurlHttp {
 public:
  // `limiter` may be null (no bandwidth limit); it must outlive this object.
  CurlHttp(HttpOptions options, TokenBucket* limiter);
  ~CurlHttp();
  CurlHttp(const CurlHttp&) = delete;
  CurlHttp& operator=(const CurlHttp&) = delete;

  // One exchange, no retries. A response with any status is OK; Unavailable for refused or
  // broken connections, Timeout for a stall or connect timeout, the sink's or source's own
  // error when they failed.
  Result<HttpResponse> perform(const HttpRequest& request);

 private:
  void* take_handle();
  void give_back(void* handle);

  HttpOptions options_;
  TokenBucket* limiter_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL*
};

}  // namespace rk::backup
