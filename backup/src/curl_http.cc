// libcurl, wrapped once: the only translation unit that includes curl.h.
#include "curl_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace rk::backup {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;  // error documents are small; never buffer more

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  TokenBucket* limiter;
  CURL* curl;
  int64_t sent = 0;
  Status callback_status;  // why a callback stopped the transfer
  // Stall detection: when bytes last moved either way.
  int64_t stall_ms = 0;
  curl_off_t last_total = -1;
  std::chrono::steady_clock::time_point last_move = std::chrono::steady_clock::now();
};

// Called by libcurl about once a second even when nothing moves (and more often when things
// do). libcurl's own low-speed check averages over several seconds; this one is exact.
int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  auto now = std::chrono::steady_clock::now();
  if (dlnow + ulnow != t->last_total) {
    t->last_total = dlnow + ulnow;
    t->last_move = now;
    return 0;
  }
  auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(now - t->last_move).count();
  if (idle >= t->stall_ms) {
    t->callback_status = Status::Timeout("request to " + t->request->url + " moved no byte for " +
                                         std::to_string(idle) + " ms");
    return 1;
  }
  return 0;
}

size_t on_read(char* buffer, size_t size, size_t nitems, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const HttpRequest& r = *t->request;
  int64_t total = r.source ? r.length : static_cast<int64_t>(r.body.size());
  size_t want = std::min<int64_t>(static_cast<int64_t>(size * nitems), total - t->sent);
  if (want == 0) return 0;
  if (t->limiter) {
    want = std::min<size_t>(want, 64 * 1024);
    t->limiter->acquire(static_cast<int64_t>(want));
  }
  if (r.source) {
    auto got = r.source->read_at(r.offset + t->sent, buffer, want);
    if (!got.ok()) {
      t->callback_status = got.status();
      return CURL_READFUNC_ABORT;
    }
    if (*got == 0) {
      t->callback_status = Status::IOError("upload source ended early");
      return CURL_READFUNC_ABORT;
    }
    want = *got;
  } else {
    std::memcpy(buffer, r.body.data() + t->sent, want);
  }
  t->sent += static_cast<int64_t>(want);
  return want;
}

size_t on_write(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  if (t->limiter) t->limiter->acquire(static_cast<int64_t>(n));
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->request->sink && status >= 200 && status < 300) {
    Status s = t->request->sink->write(std::string_view(data, n));
    if (!s.ok()) {
      t->callback_status = s;
      return 0;
    }
    t->response->sink_bytes += static_cast<int64_t>(n);
    return n;
  }
  size_t keep = std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, t->response->body.size()));
  t->response->body.append(data, keep);
  return n;
}

size_t on_header(char* data, size_t size, size_t nitems, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nitems;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a 100 Continue or a redirect came first
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->response->headers[name] = std::string(value);
  return n;
}

Status transport_status(CURLcode code, const char* error_buffer, const std::string& url) {
  std::string what = std::string(curl_easy_strerror(code));
  if (error_buffer[0] != '\0') what += " (" + std::string(error_buffer) + ")";
  std::string m = "request to " + url + " failed: " + what;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::Timeout(m);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(m);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return Status::PermissionDenied(m);
    default:
      return Status::Unavailable(m);
  }
}

}  // namespace

CurlHttp::CurlHttp(HttpOptions options, TokenBucket* limiter)
    : options_(std::move(options)), limiter_(limiter) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHttp::~CurlHttp() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* CurlHttp::take_handle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void CurlHttp::give_back(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(handle);
}

Result<HttpResponse> CurlHttp::perform(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(take_handle());
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(curl);
  HttpResponse response;
  Transfer t{&request, &response, limiter_, curl};
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  // A transfer that moves no byte for stall_timeout is abandoned (on_progress).
  t.stall_ms = options_.stall_timeout.count();
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);

  const int64_t body_length =
      request.source ? request.length : static_cast<int64_t>(request.body.size());
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT" || request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_length));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    if (request.method == "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) {
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  }
  // No "Expect: 100-continue" round trip before each body; no default Accept or Content-Type.
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Accept:");
  headers = curl_slist_append(headers, "Content-Type:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    give_back(curl);
    return response;
  }
  Status s = t.callback_status.ok() ? transport_status(code, error_buffer, request.url)
                                    : t.callback_status;
  curl_easy_cleanup(curl);  // its connection may be in any state
  return s;
}

}  // namespace rk::backup
