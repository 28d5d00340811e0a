// SigV4: canonical request → string to sign → HMAC chain → signature.
#include "sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "ringkeeper/core/hex.h"
#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/sha256.h"

namespace rk::backup {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and folds runs of spaces into one, as the canonical headers want.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  if (!keep_slash) return http::percent_encode(s);
  std::string out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    out += http::percent_encode(s.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    out.push_back('/');
    start = slash + 1;
  }
}

SignedRequest sign_v4(const SigningInput& in, const AwsCredentials& cred) {
  SignedRequest out;
  out.encoded_path = uri_encode(in.path.empty() ? "/" : in.path, true);

  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [k, v] : in.query)
    query.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(query.begin(), query.end());
  for (const auto& [k, v] : query) {
    if (!out.encoded_query.empty()) out.encoded_query += '&';
    out.encoded_query += k + "=" + v;
  }

  // Headers: lower-case names, sorted (stable, so repeated names keep their order), repeated
  // names joined with ','.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : in.headers) headers.emplace_back(lower(k), canonical_value(v));
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers, signed_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // the '\n'
      canonical_headers += "," + headers[i].second + "\n";
      continue;
    }
    canonical_headers += headers[i].first + ":" + headers[i].second + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += headers[i].first;
  }

  out.canonical_request = in.method + "\n" + out.encoded_path + "\n" + out.encoded_query + "\n" +
                          canonical_headers + "\n" + signed_headers + "\n" + in.payload_sha256;
  const std::string date = in.amz_date.substr(0, 8);
  const std::string scope = date + "/" + in.region + "/" + in.service + "/aws4_request";
  out.string_to_sign =
      "AWS4-HMAC-SHA256\n" + in.amz_date + "\n" + scope + "\n" + sha256_hex(out.canonical_request);
  std::string key = hmac_sha256("AWS4" + cred.secret_access_key, date);
  key = hmac_sha256(key, in.region);
  key = hmac_sha256(key, in.service);
  key = hmac_sha256(key, "aws4_request");
  out.signature = hex_encode(hmac_sha256(key, out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + cred.access_key_id + "/" + scope +
                      ", SignedHeaders=" + signed_headers + ", Signature=" + out.signature;
  return out;
}

}  // namespace rk::backup
