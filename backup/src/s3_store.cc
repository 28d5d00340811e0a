// The s3:// store: S3's REST API over CurlHttp, signed with sign_v4 (sigv4.h).
//
//   put     single PUT up to multipart_threshold (Content-MD5, signed SHA-256 payload);
//           above it CreateMultipartUpload, parts in parallel (Content-MD5 each, ETag checked),
//           CompleteMultipartUpload; AbortMultipartUpload on failure (servers that lack it, such
//           as s3rver, are tolerated: the abort is best effort).
//   get     one GET streamed into the sink; a broken transfer resumes with Range + If-Match.
//   list    ListObjectsV2 pages followed through continuation tokens.
// Every request is retried with exponential backoff and jitter on 5xx/429, timeouts and broken
// connections; 4xx answers are final. The object's SHA-256 travels as x-amz-meta-rk-sha256.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

#include "checksum.h"
#include "curl_http.h"
#include "multipart.h"
#include "ringkeeper/backup/store_factory.h"
#include "ringkeeper/core/backoff.h"
#include "ringkeeper/core/clock.h"
#include "ringkeeper/core/hex.h"
#include "ringkeeper/core/sha256.h"
#include "ringkeeper/core/time_text.h"
#include "s3_xml.h"
#include "sigv4.h"
#include "token_bucket.h"

namespace rk::backup {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // host[:port]
};

Result<Endpoint> parse_endpoint(const std::string& endpoint, const std::string& region) {
  std::string e = endpoint.empty() ? "https://s3." + region + ".amazonaws.com" : endpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  size_t sep = e.find("://");
  if (sep == std::string::npos) {
    return Status::InvalidArgument("S3 endpoint '" + endpoint +
                                   "' needs a scheme (http:// or https://)");
  }
  Endpoint out{e.substr(0, sep), e.substr(sep + 3)};
  if (out.scheme != "http" && out.scheme != "https") {
    return Status::InvalidArgument("S3 endpoint '" + endpoint + "': scheme must be http or https");
  }
  if (out.host.empty() || out.host.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 endpoint '" + endpoint + "' must be scheme://host[:port]");
  }
  return out;
}

Status check_metadata(const std::map<std::string, std::string>& metadata) {
  for (const auto& [k, v] : metadata) {
    bool name_ok = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    bool value_ok = std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    if (!name_ok || !value_ok) {
      return Status::InvalidArgument("metadata '" + k +
                                     "': names are lower-case letters, digits and '-', values "
                                     "printable ASCII");
    }
  }
  return Status::OK();
}

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool looks_like_md5(const std::string& etag) {
  return etag.size() == 32 && std::all_of(etag.begin(), etag.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// What a request is, before signing (each attempt is signed afresh: the date moves).
struct S3Call {
  std::string method = "GET";
  std::string key;  // full key (with the store prefix); "" for bucket-level calls
  HeaderList query;
  HeaderList headers;  // beyond host/x-amz-*: Content-MD5, x-amz-meta-*, Range, If-Match
  std::string payload_sha256 = "UNSIGNED-PAYLOAD";
  const ObjectSource* source = nullptr;
  int64_t offset = 0;
  int64_t length = 0;
  std::string body;
  ObjectSink* sink = nullptr;
  std::string what;  // "put a/b" — for messages
};

// Counts and hashes what a download hands on, so a retry can resume at the right byte.
class ResumingSink final : public ObjectSink {
 public:
  explicit ResumingSink(ObjectSink& out) : out_(out) {}
  Status write(std::string_view bytes) override {
    sha_.update(bytes);
    received_ += static_cast<int64_t>(bytes.size());
    return out_.write(bytes);
  }
  int64_t received() const { return received_; }
  std::string finish_hex() { return sha_.finish_hex(); }

 private:
  ObjectSink& out_;
  Sha256 sha_;
  int64_t received_ = 0;
};

class S3Store final : public ObjectStore {
 public:
  S3Store(std::string bucket, std::string prefix, S3Options options, AwsCredentials credentials,
          Endpoint endpoint)
      : bucket_(std::move(bucket)),
        prefix_(std::move(prefix)),
        options_(std::move(options)),
        credentials_(std::move(credentials)),
        endpoint_(std::move(endpoint)),
        limiter_(options_.bandwidth_limit > 0
                     ? std::make_unique<TokenBucket>(
                           options_.bandwidth_limit,
                           std::max<int64_t>(options_.bandwidth_limit / 10, 256 * 1024),
                           SystemClock::instance())
                     : nullptr),
        http_(HttpOptions{options_.connect_timeout, options_.stall_timeout, options_.ca_file},
              limiter_.get()) {}

  std::string url() const override {
    return "s3://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_);
  }

  Result<ObjectInfo> put(std::string_view key, const ObjectSource& source,
                         const PutOptions& options) override {
    RK_RETURN_IF_ERROR(validate_object_key(key));
    RK_RETURN_IF_ERROR(check_metadata(options.metadata));
    const int64_t size = source.size();
    const bool single = size <= options_.multipart_threshold;
    std::string sha, md5;
    RK_RETURN_IF_ERROR(digest_range(source, 0, size, &sha, single ? &md5 : nullptr));
    ObjectInfo info;
    info.key = std::string(key);
    info.size = size;
    info.sha256 = sha;
    info.metadata = options.metadata;
    info.metadata[std::string(kMetaSha256)] = info.sha256;
    if (!options.sha256.empty() && options.sha256 != info.sha256) {
      return Status::Corruption("put " + info.key + ": source's SHA-256 is " + info.sha256 +
                                ", expected " + options.sha256);
    }
    HeaderList meta;
    for (const auto& [k, v] : info.metadata) meta.emplace_back("x-amz-meta-" + k, v);

    if (single) {
      S3Call c;
      c.method = "PUT";
      c.key = full_key(info.key);
      c.headers = meta;
      c.headers.emplace_back("Content-MD5", base64_encode(md5));
      c.payload_sha256 = info.sha256;
      c.source = &source;
      c.length = size;
      c.what = "put " + info.key;
      RK_RETURN_IF_ERROR(upload_with_retries(c, hex_encode(md5)).status());
    } else {
      RK_RETURN_IF_ERROR(put_multipart(info.key, source, meta));
    }
    return info;
  }

  Result<ObjectInfo> get(std::string_view key, ObjectSink& sink) override {
    RK_RETURN_IF_ERROR(validate_object_key(key));
    ResumingSink counted(sink);
    ObjectInfo info;
    info.key = std::string(key);
    std::string etag;
    int64_t expected = -1;
    auto attempt = [&]() -> Status {
      S3Call c;
      c.method = "GET";
      c.key = full_key(info.key);
      c.sink = &counted;
      c.what = "get " + info.key;
      const int64_t resume_at = counted.received();
      if (resume_at > 0) {  // resume after a broken transfer
        c.headers.emplace_back("Range", "bytes=" + std::to_string(resume_at) + "-");
        if (!etag.empty()) c.headers.emplace_back("If-Match", etag);
      }
      RK_ASSIGN_OR_RETURN(HttpResponse r, call_once(c));
      if (resume_at > 0 && r.status != 206) {
        return Status::FailedPrecondition(c.what + ": the server ignored a Range request");
      }
      if (etag.empty()) etag = r.headers["etag"];
      fill_info(r, &info);
      if (r.status == 206) {  // "bytes 100-199/200": the total is after the '/'
        const std::string& range = r.headers["content-range"];
        size_t slash = range.rfind('/');
        info.size = slash == std::string::npos ? -1 : std::atoll(range.c_str() + slash + 1);
      }
      expected = info.size;
      if (counted.received() < expected) {
        return Status::Unavailable(c.what + ": connection closed after " +
                                   std::to_string(counted.received()) + " of " +
                                   std::to_string(expected) + " bytes");
      }
      return Status::OK();
    };
    RK_RETURN_IF_ERROR(retry_with_backoff(retry_options(), attempt));
    if (counted.received() != expected) {
      return Status::Corruption("get " + info.key + ": received " +
                                std::to_string(counted.received()) + " bytes, expected " +
                                std::to_string(expected));
    }
    std::string got = counted.finish_hex();
    if (!info.sha256.empty() && got != info.sha256) {
      return Status::Corruption("object '" + info.key + "' is damaged: its bytes hash to " + got +
                                ", recorded SHA-256 is " + info.sha256);
    }
    return info;
  }

  Result<ObjectInfo> head(std::string_view key) override {
    RK_RETURN_IF_ERROR(validate_object_key(key));
    S3Call c;
    c.method = "HEAD";
    c.key = full_key(key);
    c.what = "head " + std::string(key);
    RK_ASSIGN_OR_RETURN(HttpResponse r, call_with_retries(c));
    ObjectInfo info;
    info.key = std::string(key);
    fill_info(r, &info);
    return info;
  }

  Status list(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    RK_RETURN_IF_ERROR(validate_key_prefix(prefix));
    const std::string store_prefix = prefix_.empty() ? "" : prefix_ + "/";
    std::string token;
    while (true) {
      S3Call c;
      c.method = "GET";
      c.query = {{"list-type", "2"},
                 {"encoding-type", "url"},
                 {"prefix", store_prefix + std::string(prefix)},
                 {"max-keys", std::to_string(options_.list_page_size)}};
      if (!token.empty()) c.query.emplace_back("continuation-token", token);
      c.what = "list " + std::string(prefix);
      RK_ASSIGN_OR_RETURN(HttpResponse r, call_with_retries(c));
      RK_ASSIGN_OR_RETURN(ListPage page, parse_list_page(r.body));
      for (ObjectInfo& info : page.objects) {
        if (!info.key.starts_with(store_prefix)) continue;
        info.key = info.key.substr(store_prefix.size());
        RK_RETURN_IF_ERROR(fn(info));
      }
      if (!page.truncated) return Status::OK();
      token = page.next_token;
    }
  }

  Status remove(std::string_view key) override {
    RK_RETURN_IF_ERROR(validate_object_key(key));
    S3Call c;
    c.method = "DELETE";
    c.key = full_key(key);
    c.what = "delete " + std::string(key);
    auto r = call_with_retries(c);
    if (!r.ok() && r.status().code() != ErrorCode::kNotFound) return r.status();
    return Status::OK();
  }

 private:
  std::string full_key(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "/" + std::string(key);
  }

  BackoffOptions retry_options() {
    BackoffOptions o = options_.retry;
    o.seed = o.seed + seed_counter_.fetch_add(1);  // jitter differs between requests
    return o;
  }

  // Size, checksum, metadata and time from a HEAD or GET response.
  static void fill_info(HttpResponse& r, ObjectInfo* info) {
    info->size = std::atoll(r.headers["content-length"].c_str());
    info->modified_us = parse_http_date_us(r.headers["last-modified"]);
    for (const auto& [name, value] : r.headers) {
      if (name.starts_with("x-amz-meta-")) info->metadata[name.substr(11)] = value;
    }
    auto sha = info->metadata.find(std::string(kMetaSha256));
    if (sha != info->metadata.end()) info->sha256 = sha->second;
  }

  Status check_etag(HttpResponse& r, const std::string& md5_hex, const std::string& what) {
    if (!options_.check_etag) return Status::OK();
    std::string etag = strip_quotes(r.headers["etag"]);
    if (looks_like_md5(etag) && etag != md5_hex) {
      return Status::Corruption(what + ": the server stored bytes with MD5 " + etag + ", we sent " +
                                md5_hex);
    }
    return Status::OK();
  }

  Status put_multipart(const std::string& key, const ObjectSource& source, const HeaderList& meta) {
    const int64_t size = source.size();
    const int64_t part_size = multipart_part_size(size, options_.part_size);
    const int64_t parts = multipart_part_count(size, part_size);

    S3Call create;
    create.method = "POST";
    create.key = full_key(key);
    create.query = {{"uploads", ""}};
    create.headers = meta;
    create.what = "start multipart upload of " + key;
    RK_ASSIGN_OR_RETURN(HttpResponse created, call_with_retries(create));
    const std::string upload_id = xml_first(created.body, "UploadId");
    if (upload_id.empty()) {
      return Status::Unavailable(create.what + ": no UploadId in the reply");
    }

    std::vector<std::string> etags(static_cast<size_t>(parts));
    std::atomic<int64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    Status first_error;
    auto worker = [&] {
      while (!failed.load()) {
        int64_t i = next.fetch_add(1);
        if (i >= parts) return;
        Status s = put_part(key, source, upload_id, i, part_size, &etags[static_cast<size_t>(i)]);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = s;
          failed = true;
        }
      }
    };
    const int64_t threads = std::min<int64_t>(options_.parallel_parts, parts);
    std::vector<std::thread> pool;
    for (int64_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();

    Status s = first_error;
    if (s.ok()) s = complete_multipart(key, upload_id, etags, size);
    if (!s.ok()) abort_multipart(key, upload_id);
    return s;
  }

  Status put_part(const std::string& key, const ObjectSource& source, const std::string& upload_id,
                  int64_t index, int64_t part_size, std::string* etag) {
    const int64_t offset = index * part_size;
    const int64_t length = std::min(part_size, source.size() - offset);
    std::string md5;
    RK_RETURN_IF_ERROR(digest_range(source, offset, length, nullptr, &md5));
    S3Call c;
    c.method = "PUT";
    c.key = full_key(key);
    c.query = {{"partNumber", std::to_string(index + 1)}, {"uploadId", upload_id}};
    c.headers = {{"Content-MD5", base64_encode(md5)}};
    c.source = &source;
    c.offset = offset;
    c.length = length;
    c.what = "put part " + std::to_string(index + 1) + " of " + key;
    RK_ASSIGN_OR_RETURN(HttpResponse r, upload_with_retries(c, hex_encode(md5)));
    *etag = r.headers["etag"];
    if (etag->empty()) *etag = "\"" + hex_encode(md5) + "\"";
    return Status::OK();
  }

  Status complete_multipart(const std::string& key, const std::string& upload_id,
                            const std::vector<std::string>& etags, int64_t size) {
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags.size(); ++i) {
      xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
             xml_escape(etags[i]) + "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    S3Call c;
    c.method = "POST";
    c.key = full_key(key);
    c.query = {{"uploadId", upload_id}};
    c.body = xml;
    c.payload_sha256 = sha256_hex(xml);
    c.what = "complete multipart upload of " + key;
    int attempts = 0;
    Status s = retry_with_backoff(retry_options(), [&]() -> Status {
      ++attempts;
      auto r = call_once(c);
      if (!r.ok()) return r.status();
      // S3 may answer 200 and report the failure in the body.
      if (r->body.find("<Error>") != std::string::npos) {
        return status_from_s3(500, r->body, c.what);
      }
      return Status::OK();
    });
    if (s.code() == ErrorCode::kNotFound && attempts > 1) {
      // An earlier attempt completed the upload but its reply was lost: check the object.
      auto h = head(key);
      if (h.ok() && h->size == size) return Status::OK();
    }
    return s;
  }

  void abort_multipart(const std::string& key, const std::string& upload_id) {
    S3Call c;
    c.method = "DELETE";
    c.key = full_key(key);
    c.query = {{"uploadId", upload_id}};
    c.what = "abort multipart upload of " + key;
    (void)call_once(c);  // best effort: some servers (s3rver) do not implement it
  }

  // A PUT of a body whose MD5 we know: a reply whose ETag disagrees means the bytes were damaged
  // on the way (a server that ignores Content-MD5 stored them anyway); the same bytes are sent
  // again, like any other transient failure, and Corruption is final only when retries run out.
  Result<HttpResponse> upload_with_retries(const S3Call& c, const std::string& md5_hex) {
    auto retryable = [](const Status& s) {
      return is_retryable(s) || s.code() == ErrorCode::kCorruption;
    };
    return retry_with_backoff(
        retry_options(),
        [&]() -> Result<HttpResponse> {
          RK_ASSIGN_OR_RETURN(HttpResponse r, call_once(c));
          RK_RETURN_IF_ERROR(check_etag(r, md5_hex, c.what));
          return r;
        },
        retryable);
  }

  Result<HttpResponse> call_with_retries(const S3Call& c) {
    return retry_with_backoff(retry_options(), [&] { return call_once(c); });
  }

  Result<HttpResponse> call_once(const S3Call& c) {
    SigningInput in;
    in.method = c.method;
    std::string host = endpoint_.host;
    if (options_.path_style) {
      in.path = "/" + bucket_ + (c.key.empty() ? "" : "/" + c.key);
    } else {
      host = bucket_ + "." + host;
      in.path = "/" + c.key;
    }
    in.query = c.query;
    in.amz_date = format_time_us(SystemClock::instance().now_micros(), TimeForm::kBasic);
    in.region = options_.region;
    in.payload_sha256 = c.payload_sha256;
    in.headers = {
        {"host", host}, {"x-amz-date", in.amz_date}, {"x-amz-content-sha256", c.payload_sha256}};
    if (!credentials_.session_token.empty()) {
      in.headers.emplace_back("x-amz-security-token", credentials_.session_token);
    }
    for (const auto& h : c.headers) in.headers.push_back(h);
    SignedRequest s = sign_v4(in, credentials_);

    HttpRequest req;
    req.method = c.method;
    req.url = endpoint_.scheme + "://" + host + s.encoded_path +
              (s.encoded_query.empty() ? "" : "?" + s.encoded_query);
    req.headers = in.headers;
    req.headers.emplace_back("Authorization", s.authorization);
    req.source = c.source;
    req.offset = c.offset;
    req.length = c.length;
    req.body = c.body;
    req.sink = c.sink;
    auto r = http_.perform(req);
    if (!r.ok()) return r.status().with_context(c.what);
    if (r->status >= 200 && r->status < 300) return r;
    return status_from_s3(r->status, r->body, c.what);
  }

  Status status_from_s3(long status, const std::string& body, const std::string& what) {
    std::string code = xml_first(body, "Code");
    std::string message = xml_first(body, "Message");
    std::string detail = what + ": S3 answered " + std::to_string(status) +
                         (code.empty() ? "" : " " + code) + (message.empty() ? "" : ": " + message);
    if (status == 404 || code == "NoSuchKey" || code == "NoSuchBucket" || code == "NoSuchUpload") {
      return Status::NotFound(detail);
    }
    if (status == 403 || status == 401) {
      return Status::PermissionDenied(
          detail + " (check the access key id and secret access key for " + url() + ")");
    }
    if (code == "BadDigest" || code == "InvalidDigest" || code == "XAmzContentSHA256Mismatch") {
      return Status::Corruption(detail);
    }
    if (status >= 500 || status == 429 || code == "SlowDown" || code == "RequestTimeout") {
      return Status::Unavailable(detail);
    }
    if (status == 412) return Status::FailedPrecondition(detail + " (the object changed)");
    return Status::InvalidArgument(detail);
  }

  const std::string bucket_;
  const std::string prefix_;
  const S3Options options_;
  const AwsCredentials credentials_;
  const Endpoint endpoint_;
  std::unique_ptr<TokenBucket> limiter_;
  CurlHttp http_;
  std::atomic<uint64_t> seed_counter_{0};
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> open_s3_store(const std::string& bucket,
                                                   const std::string& prefix,
                                                   const S3Options& options) {
  if (bucket.empty() || bucket.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 bucket name '" + bucket + "' is not valid");
  }
  if (!prefix.empty()) RK_RETURN_IF_ERROR(validate_object_key(prefix));
  RK_ASSIGN_OR_RETURN(Endpoint endpoint, parse_endpoint(options.endpoint, options.region));
  AwsCredentials creds{options.access_key_id, options.secret_access_key, options.session_token};
  if (creds.access_key_id.empty() && creds.secret_access_key.empty()) {
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    const char* token = std::getenv("AWS_SESSION_TOKEN");
    creds.access_key_id = id ? id : "";
    creds.secret_access_key = secret ? secret : "";
    if (creds.session_token.empty() && token) creds.session_token = token;
  }
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return Status::InvalidArgument(
        "no S3 credentials for s3://" + bucket +
        ": set s3.access_key_id and s3.secret_access_key, or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY in the environment");
  }
  if (options.part_size < 5 * kMiB) {
    return Status::InvalidArgument("s3.part_size must be at least 5MiB (S3's minimum)");
  }
  if (options.parallel_parts < 1) {
    return Status::InvalidArgument("s3.parallel_parts must be at least 1");
  }
  return std::unique_ptr<ObjectStore>(
      new S3Store(bucket, prefix, options, std::move(creds), std::move(endpoint)));
}

}  // namespace rk::backup
