// Bearer-token authentication; see auth.h.
#include "ringkeeper/core/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "ringkeeper/core/sha256.h"

namespace rk {
namespace {

bool is_read_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kReadonly:
      return "readonly";
    case Role::kAgent:
      return "agent";
    case Role::kOperator:
      return "operator";
  }
  return "unknown";
}

Result<Role> parse_role(std::string_view name) {
  for (Role r : {Role::kReadonly, Role::kAgent, Role::kOperator}) {
    if (role_name(r) == name) return r;
  }
  return Status::InvalidArgument("unknown role '" + std::string(name) +
                                 "' (expected readonly, agent or operator)");
}

std::string RoleSet::to_string() const {
  if (empty()) return "open";
  std::string s;
  for (Role r : {Role::kOperator, Role::kAgent, Role::kReadonly}) {
    if (!contains(r)) continue;
    if (!s.empty()) s += "|";
    s += role_name(r);
  }
  return s;
}

RoleSet required_roles(const AccessPolicy& policy, std::string_view method) {
  return is_read_method(method) ? policy.reads : policy.writes;
}

Result<BearerTokens> BearerTokens::create(const std::vector<NamedToken>& tokens) {
  BearerTokens out;
  std::set<std::string> names;
  for (const NamedToken& t : tokens) {
    if (t.name.empty()) return Status::InvalidArgument("a bearer token has an empty name");
    if (!names.insert(t.name).second) {
      return Status::InvalidArgument("bearer token name '" + t.name + "' is used twice");
    }
    if (t.token.size() < 16) {
      return Status::InvalidArgument("bearer token '" + t.name + "' is shorter than 16 characters");
    }
    if (std::any_of(t.token.begin(), t.token.end(),
                    [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
      return Status::InvalidArgument("bearer token '" + t.name + "' contains whitespace");
    }
    Entry e{t.name, t.role, sha256(t.token)};
    for (const Entry& other : out.entries_) {
      if (other.digest == e.digest) {
        return Status::InvalidArgument("bearer tokens '" + other.name + "' and '" + t.name +
                                       "' are the same token");
      }
    }
    out.entries_.push_back(std::move(e));
  }
  return out;
}

Result<Principal> BearerTokens::authenticate(const std::string* authorization_header) const {
  if (authorization_header == nullptr) {
    return Status::PermissionDenied("missing Authorization: Bearer <token> header");
  }
  std::string_view h = *authorization_header;
  static constexpr std::string_view kScheme = "bearer ";
  bool scheme_ok = h.size() > kScheme.size() &&
                   std::equal(kScheme.begin(), kScheme.end(), h.begin(), [](char a, char b) {
                     return a == (b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b);
                   });
  if (!scheme_ok) {
    return Status::PermissionDenied("Authorization header is not of the form 'Bearer <token>'");
  }
  std::string_view token = h.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);

  // Compare digests (all the same length) with every entry, without stopping at a match, so the
  // time taken does not depend on which token matched or how many characters were right.
  const std::array<unsigned char, 32> digest = sha256(token);
  const Entry* found = nullptr;
  for (const Entry& e : entries_) {
    bool equal = CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0;
    if (equal) found = &e;
  }
  if (found == nullptr) return Status::PermissionDenied("unknown bearer token");
  return Principal{found->name, found->role};
}

BearerTokens::Decision BearerTokens::authorize(const std::string* authorization_header,
                                               RoleSet required) const {
  Decision d;
  if (!enabled() || required.empty()) return d;
  Result<Principal> p = authenticate(authorization_header);
  if (!p.ok()) {
    d.http_status = 401;
    d.detail = p.status().message();
    return d;
  }
  d.principal = *p;
  if (!required.contains(p->role)) {
    d.http_status = 403;
    d.detail = "token '" + p->name + "' has role " + std::string(role_name(p->role)) +
               "; this needs " + required.to_string();
  }
  return d;
}

Result<BearerTokens> parse_tokens(std::string_view text, std::string_view source) {
  std::vector<NamedToken> tokens;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string where = std::string(source) + ":" + std::to_string(n) + ": ";
    std::istringstream fields(line);
    std::string name, role, token, extra;
    fields >> name;
    if (name.empty() || name.front() == '#') continue;
    fields >> role >> token >> extra;
    if (token.empty() || !extra.empty()) {
      return Status::InvalidArgument(where + "expected 'name role token'");
    }
    Result<Role> r = parse_role(role);
    if (!r.ok()) return r.status().with_context(where.substr(0, where.size() - 2));
    tokens.push_back({name, token, *r});
  }
  Result<BearerTokens> out = BearerTokens::create(tokens);
  if (!out.ok()) return out.status().with_context(std::string(source));
  return out;
}

Result<BearerTokens> load_tokens_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read tokens file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_tokens(text.str(), path);
}

}  // namespace rk
