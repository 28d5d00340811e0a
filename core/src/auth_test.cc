// Bearer tokens: creation rules, authentication, role checks.
#include "ringkeeper/core/auth.h"

#include <gtest/gtest.h>

namespace rk {
namespace {

BearerTokens tokens() {
  auto t = BearerTokens::create({{"alice", "alice-secret-0123456789", Role::kOperator},
                                 {"agents", "agents-secret-0123456789", Role::kAgent}});
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return std::move(t).value();
}

TEST(BearerTokens, AuthenticatesAndNamesTheToken) {
  std::string h = "Bearer alice-secret-0123456789";
  auto p = tokens().authenticate(&h);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "alice");
  EXPECT_EQ(p->role, Role::kOperator);
  std::string lower = "bearer agents-secret-0123456789";
  EXPECT_EQ(tokens().authenticate(&lower)->name, "agents");
}

TEST(BearerTokens, RefusesMissingMalformedAndUnknownTokens) {
  BearerTokens t = tokens();
  EXPECT_EQ(t.authenticate(nullptr).status().code(), ErrorCode::kPermissionDenied);
  for (std::string h : {"alice-secret-0123456789", "Basic YWxpY2U6eA==", "Bearer ",
                        "Bearer alice-secret-012345678", "Bearer alice-secret-0123456789x"}) {
    auto p = t.authenticate(&h);
    EXPECT_FALSE(p.ok()) << h;
    EXPECT_EQ(p.status().message().find("secret"), std::string::npos) << p.status().message();
  }
}

TEST(BearerTokens, CreationRejectsBadConfigurations) {
  EXPECT_FALSE(BearerTokens::create({{"", "0123456789abcdef", Role::kOperator}}).ok());
  EXPECT_FALSE(BearerTokens::create({{"a", "short", Role::kOperator}}).ok());
  EXPECT_FALSE(BearerTokens::create({{"a", "0123456789 abcdef", Role::kOperator}}).ok());
  EXPECT_FALSE(BearerTokens::create({{"a", "0123456789abcdef", Role::kOperator},
                                     {"a", "0123456789abcdeg", Role::kOperator}})
                   .ok());
  auto same = BearerTokens::create(
      {{"a", "0123456789abcdef", Role::kOperator}, {"b", "0123456789abcdef", Role::kAgent}});
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.status().message().find("0123456789abcdef"), std::string::npos);
}

TEST(BearerTokens, AuthorizeGives401For403AndPrincipal) {
  BearerTokens t = tokens();
  std::string alice = "Bearer alice-secret-0123456789";
  std::string agent = "Bearer agents-secret-0123456789";
  EXPECT_EQ(t.authorize(nullptr, RoleSet::open()).http_status, 200);
  EXPECT_EQ(t.authorize(nullptr, {Role::kOperator}).http_status, 401);
  EXPECT_EQ(t.authorize(&agent, {Role::kOperator}).http_status, 403);
  auto d = t.authorize(&alice, {Role::kOperator, Role::kAgent});
  EXPECT_EQ(d.http_status, 200);
  EXPECT_EQ(d.principal.name, "alice");
}

TEST(BearerTokens, NoTokensMeansEverythingIsOpen) {
  BearerTokens none;
  EXPECT_FALSE(none.enabled());
  EXPECT_EQ(none.authorize(nullptr, {Role::kOperator}).http_status, 200);
}

TEST(AccessPolicy, ReadsOpenWritesNeedOperatorByDefault) {
  AccessPolicy p;
  EXPECT_TRUE(required_roles(p, "GET").empty());
  EXPECT_EQ(required_roles(p, "POST"), RoleSet{Role::kOperator});
  EXPECT_EQ(required_roles(p, "DELETE").to_string(), "operator");
  EXPECT_EQ(RoleSet::any().to_string(), "operator|agent|readonly");
}

TEST(Role, NamesRoundTrip) {
  for (Role r : {Role::kReadonly, Role::kAgent, Role::kOperator}) {
    EXPECT_EQ(*parse_role(role_name(r)), r);
  }
  EXPECT_FALSE(parse_role("admin").ok());
}

TEST(TokensFile, ParsesNamesRolesAndTokens) {
  auto t = parse_tokens(
      "# name role token\n\nalice operator alice-secret-0123456789\n"
      "  agents   agent   agents-secret-0123456789  \n",
      "tokens.txt");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  std::string h = "Bearer agents-secret-0123456789";
  EXPECT_EQ(t->authenticate(&h)->name, "agents");
}

TEST(TokensFile, ErrorsNameTheLineButNeverTheToken) {
  auto bad_role = parse_tokens("alice admin alice-secret-0123456789\n", "tokens.txt");
  ASSERT_FALSE(bad_role.ok());
  EXPECT_NE(bad_role.status().message().find("tokens.txt:1"), std::string::npos);
  EXPECT_EQ(bad_role.status().message().find("alice-secret"), std::string::npos);
  auto missing = parse_tokens("\nalice operator\n", "tokens.txt");
  EXPECT_NE(missing.status().message().find("tokens.txt:2"), std::string::npos);
  auto extra = parse_tokens("alice operator alice-secret-0123456789 x\n", "t");
  EXPECT_FALSE(extra.ok());
  EXPECT_EQ(load_tokens_file("/nonexistent/tokens").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rk
