// Named bearer tokens: who may call which route.
//
// Each token has a name (recorded in audit trails and logs instead of the token) and a role.
// Requests present `Authorization: Bearer <token>`; the presented token is hashed and compared
// with every configured token's digest in constant time, so timing reveals neither which token
// nearly matched nor how long it is. The tokens themselves are never logged or returned.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/core/status.h"

namespace rk {

enum class Role : uint8_t {
  kReadonly = 0,  // may read
  kAgent = 1,     // an rk-agent talking to the scheduler or a peer (register, heartbeat, internode)
  kOperator = 2,  // a person or script operating the cluster (rkctl, the UI)
};

// "readonly", "agent", "operator".
std::string_view role_name(Role role);
Result<Role> parse_role(std::string_view name);

// A set of roles. The empty set on a route means "open: no token needed".
class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= bit(r);
  }
  static constexpr RoleSet open() { return RoleSet(); }
  static constexpr RoleSet any() { return {Role::kReadonly, Role::kAgent, Role::kOperator}; }

  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool contains(Role r) const { return (bits_ & bit(r)) != 0; }
  constexpr bool operator==(const RoleSet&) const = default;
  // "operator|agent", or "open".
  std::string to_string() const;

 private:
  static constexpr uint8_t bit(Role r) { return static_cast<uint8_t>(1u << static_cast<int>(r)); }
  uint8_t bits_ = 0;
};

// Which roles a route needs when the route does not say: reads (GET, HEAD, OPTIONS) are open by
// default, everything else needs an operator.
struct AccessPolicy {
  RoleSet reads = RoleSet::open();            // default for GET/HEAD/OPTIONS routes
  RoleSet writes = RoleSet{Role::kOperator};  // default for POST/PUT/PATCH/DELETE routes
};

// One configured token.
struct NamedToken {
  std::string name;   // shown in audit records and logs, e.g. "alice"
  std::string token;  // the secret; at least 16 characters
  Role role = Role::kReadonly;
};

// Who made a request, once authenticated.
struct Principal {
  std::string name;
  Role role = Role::kReadonly;
};

// The configured tokens. Immutable after creation; safe to share between threads.
class BearerTokens {
 public:
  // No tokens: authentication is off and every route is open.
  BearerTokens() = default;
  // Fails with InvalidArgument on an empty or duplicate name, a token shorter than 16 characters
  // or containing whitespace, or the same token under two names.
  static Result<BearerTokens> create(const std::vector<NamedToken>& tokens);

  bool enabled() const { return !entries_.empty(); }

  // Checks an `Authorization` header value ("Bearer <token>"). PermissionDenied when it is missing
  // (nullptr), malformed or matches no token. Runs in time independent of which token matched.
  Result<Principal> authenticate(const std::string* authorization_header) const;

  // Decides a request for a route needing `required`: 200 (with the principal, or an empty one
  // when the route is open or authentication is off), 401 (missing or wrong token) or 403 (a valid
  // token whose role is not in `required`).
  struct Decision {
    int http_status = 200;  // 200, 401 or 403
    Principal principal;
    std::string detail;  // why it was refused, without the token
  };
  Decision authorize(const std::string* authorization_header, RoleSet required) const;

 private:
  struct Entry {
    std::string name;
    Role role;
    std::array<unsigned char, 32> digest;  // SHA-256 of the token
  };
  std::vector<Entry> entries_;
};

// Tokens live in their own file (readable by the service only), one per line:
//
//   # name    role      token
//   alice     operator  3f9c0d6e0b7a4c1e8f52a7d4
//   agents    agent     b71e2c90aa6f4d3c9e18f0c2
//
// Blank lines and lines starting with '#' are skipped. Errors name the file and line, never the
// token. NotFound if the file does not exist.
Result<BearerTokens> load_tokens_file(const std::string& path);
// The same for text already read; `source` names it in errors.
Result<BearerTokens> parse_tokens(std::string_view text, std::string_view source);

// The role set a route needs: its own if it set one, otherwise the policy's default for `method`.
RoleSet required_roles(const AccessPolicy& policy, std::string_view method);

}  // namespace rk
