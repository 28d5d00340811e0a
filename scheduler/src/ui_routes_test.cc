// The web UI's routes as the router sees them: embedded files with their content types, ETags,
// 304s and security headers; conditional GETs for JSON reads; whoami for the sign-in check.
#include "ui_routes.h"

#include <gtest/gtest.h>

namespace rk::scheduler {
namespace {

http::Response get(const http::Router& router, const std::string& path,
                   const std::string& if_none_match = "") {
  http::Router::Match m = router.match("GET", path);
  EXPECT_NE(m.route, nullptr) << path;
  if (m.route == nullptr) return {};
  http::Request req;
  req.method = "GET";
  req.path = path;
  req.path_params = m.path_params;
  if (!if_none_match.empty()) req.headers["If-None-Match"] = if_none_match;
  Result<http::Response> r = m.route->handler(req);
  if (!r.ok()) {
    http::Response e;
    e.status = r.status().code() == ErrorCode::kNotFound ? 404 : 500;
    return e;
  }
  return *r;
}

TEST(UiRoutesTest, RootServesThePageWithAStrictPolicy) {
  http::Router r;
  add_ui_routes(r);
  http::Response page = get(r, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  const std::string& csp = page.headers["Content-Security-Policy"];
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(page.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(page.headers["Cache-Control"], "no-cache");
}

TEST(UiRoutesTest, ScriptsAndStylesHaveTheirContentTypes) {
  http::Router r;
  add_ui_routes(r);
  EXPECT_EQ(get(r, "/ui/app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get(r, "/ui/app.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(get(r, "/ui/nothing.js").status, 404);
}

TEST(UiRoutesTest, AMatchingETagGets304WithoutABody) {
  http::Router r;
  add_ui_routes(r);
  http::Response first = get(r, "/ui/app.js");
  const std::string etag = first.headers["ETag"];
  ASSERT_EQ(etag.front(), '"');
  http::Response again = get(r, "/ui/app.js", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_TRUE(again.content_type.empty());
  EXPECT_EQ(get(r, "/ui/app.js", "\"other\", " + etag).status, 304);
  EXPECT_EQ(get(r, "/ui/app.js", "\"other\"").status, 200);
}

TEST(UiRoutesTest, JsonReadsBecomeConditional) {
  http::Router inner;
  std::string body = R"({"n":1})";
  inner.get("/api/v1/thing", [&body](const http::Request&) -> Result<http::Response> {
    http::Response r;
    r.body = body;
    return r;
  });
  inner.post("/api/v1/thing",
             [](const http::Request&) -> Result<http::Response> { return http::Response{}; });
  http::Router r = with_conditional_get(inner);
  http::Response first = get(r, "/api/v1/thing");
  const std::string etag = first.headers["ETag"];
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(first.body, body);
  EXPECT_EQ(get(r, "/api/v1/thing", etag).status, 304);
  body = R"({"n":2})";
  http::Response changed = get(r, "/api/v1/thing", etag);
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.headers["ETag"], etag);
  EXPECT_NE(r.match("POST", "/api/v1/thing").route, nullptr);
}

TEST(UiRoutesTest, WhoamiNeedsAnOperatorToken) {
  http::Router r;
  add_ui_routes(r);
  http::Router::Match m = r.match("GET", "/api/v1/whoami");
  ASSERT_NE(m.route, nullptr);
  ASSERT_TRUE(m.route->roles.has_value());
  EXPECT_EQ(*m.route->roles, RoleSet{Role::kOperator});
}

}  // namespace
}  // namespace rk::scheduler
