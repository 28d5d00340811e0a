// Serves the embedded web UI (ui_assets.h) and makes JSON reads conditional (ui_routes.h).
#include "ui_routes.h"

#include <fmt/format.h>

#include <string_view>

#include "ringkeeper/core/json_api.h"
#include "ui_assets.h"

namespace rk::scheduler {
namespace {

// Scripts, styles, images and API calls only from this origin; no inline script or style, no
// framing, no plugins. uPlot sizes its elements through the CSSOM, which style-src does not
// govern.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const UiAsset* find_asset(std::string_view path) {
  for (size_t i = 0; i < kUiAssetCount; ++i) {
    if (path == kUiAssets[i].path) return &kUiAssets[i];
  }
  return nullptr;
}

// True when an If-None-Match header value ("a", W/"a", "b" or *) names `etag`.
bool etag_matches(const std::string* if_none_match, std::string_view etag) {
  if (if_none_match == nullptr) return false;
  std::string_view v = *if_none_match;
  if (v == "*") return true;
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes do not matter.
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  size_t pos = 0;
  while (pos < v.size()) {
    size_t end = v.find(',', pos);
    if (end == std::string_view::npos) end = v.size();
    std::string_view one = v.substr(pos, end - pos);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (one.starts_with("W/")) one.remove_prefix(2);
    if (one == etag) return true;
    pos = end + 1;
  }
  return false;
}

http::Response not_modified(std::string etag) {
  http::Response r;
  r.status = 304;
  r.content_type.clear();
  r.headers["ETag"] = std::move(etag);
  return r;
}

Result<http::Response> serve_asset(const http::Request& req, std::string_view path) {
  const UiAsset* asset = find_asset(path);
  if (asset == nullptr) return Status::NotFound(fmt::format("no UI file {}", path));
  http::Response r;
  if (etag_matches(req.header("If-None-Match"), asset->etag)) {
    r = not_modified(asset->etag);
  } else {
    r.content_type = asset->content_type;
    r.body.assign(reinterpret_cast<const char*>(asset->data), asset->size);
    r.headers["ETag"] = asset->etag;
  }
  // Revalidate every time: a new scheduler build must never run with an old script.
  r.headers["Cache-Control"] = "no-cache";
  r.headers["Content-Security-Policy"] = kContentSecurityPolicy;
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["Referrer-Policy"] = "no-referrer";
  r.headers["X-Frame-Options"] = "DENY";
  return r;
}

// FNV-1a over the body: cheap, and stable across restarts of the same build (an ETag is a
// change detector here, not a security boundary).
std::string body_etag(std::string_view body) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : body) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("W/\"{:016x}-{:x}\"", h, body.size());
}

}  // namespace

void add_ui_routes(http::Router& router) {
  router.get("/", [](const http::Request& req) { return serve_asset(req, "/ui/index.html"); });
  router.get("/ui/{file...}", [](const http::Request& req) {
    return serve_asset(req, "/ui/" + req.path_param("file"));
  });
  router.get(
      "/api/v1/whoami",
      [](const http::Request& req) -> Result<http::Response> {
        return api::json_ok({{"name", req.principal}, {"role", "operator"}});
      },
      RoleSet{Role::kOperator});
}

http::Router with_conditional_get(const http::Router& router) {
  http::Router out;
  for (const http::Router::Route& route : router.routes()) {
    if (route.method != "GET") {
      out.add(route.method, route.pattern, route.handler, route.roles);
      continue;
    }
    out.add(
        route.method, route.pattern,
        [inner = route.handler](const http::Request& req) -> Result<http::Response> {
          Result<http::Response> r = inner(req);
          if (!r.ok() || r->status != 200 || r->headers.contains("ETag")) return r;
          std::string etag = body_etag(r->body);
          if (etag_matches(req.header("If-None-Match"), etag)) return not_modified(etag);
          r->headers["ETag"] = std::move(etag);
          r->headers["Cache-Control"] = "no-cache";
          return r;
        },
        route.roles);
  }
  return out;
}

}  // namespace rk::scheduler
