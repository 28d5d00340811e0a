// Route matching for the HTTP server; see Router in http_server.h.
#include <set>

#include "ringkeeper/core/http_server.h"

namespace rk::http {
namespace {

// "/a/b/" → {"a", "b", ""}; "/" → {}. Patterns and paths are split the same way, so a trailing
// slash is significant.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool is_param(std::string_view seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}';
}
bool is_rest(std::string_view seg) {
  return is_param(seg) && seg.size() > 5 && seg.substr(seg.size() - 4) == "...}";
}
std::string param_name(std::string_view seg) {
  seg = seg.substr(1, seg.size() - 2);
  if (seg.size() > 3 && seg.substr(seg.size() - 3) == "...") seg.remove_suffix(3);
  return std::string(seg);
}

// How specific a match is: per segment 0 literal, 1 parameter, 2 rest. Lower sorts first.
using Rank = std::vector<int>;

// Matches `path` against `pattern`; fills params (decoded) and rank. Returns false on no match.
bool match_segments(const std::vector<std::string>& pattern,
                    const std::vector<std::string_view>& path,
                    std::map<std::string, std::string>& params, Rank& rank, bool& bad_encoding) {
  params.clear();
  rank.clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& seg = pattern[i];
    if (is_rest(seg)) {
      if (i >= path.size()) return false;
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) {
        std::string decoded;
        if (!percent_decode(path[j], decoded, false)) {
          bad_encoding = true;
          return false;
        }
        if (j > i) rest += '/';
        rest += decoded;
      }
      params[param_name(seg)] = std::move(rest);
      rank.push_back(2);
      return true;
    }
    if (i >= path.size()) return false;
    if (is_param(seg)) {
      std::string decoded;
      if (path[i].empty()) return false;
      if (!percent_decode(path[i], decoded, false)) {
        bad_encoding = true;
        return false;
      }
      params[param_name(seg)] = std::move(decoded);
      rank.push_back(1);
    } else {
      if (seg != path[i]) return false;
      rank.push_back(0);
    }
  }
  return pattern.size() == path.size();
}

}  // namespace

Router& Router::add(std::string method, std::string pattern, Handler handler,
                    std::optional<RoleSet> roles) {
  std::vector<std::string> segs;
  for (std::string_view s : split_path(pattern)) segs.emplace_back(s);
  segments_.push_back(std::move(segs));
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), roles});
  return *this;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  const std::vector<std::string_view> parts = split_path(path);
  std::set<std::string> allowed;
  std::optional<Rank> best_rank;
  std::map<std::string, std::string> params;
  Rank rank;
  const Route* get_route = nullptr;  // for HEAD without a HEAD route of its own
  std::map<std::string, std::string> get_params;
  std::optional<Rank> get_rank;
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (!match_segments(segments_[i], parts, params, rank, m.bad_encoding)) continue;
    allowed.insert(routes_[i].method);
    if (routes_[i].method == method) {
      if (!best_rank || rank < *best_rank) {
        best_rank = rank;
        m.route = &routes_[i];
        m.path_params = params;
      }
    } else if (method == "HEAD" && routes_[i].method == "GET" && (!get_rank || rank < *get_rank)) {
      get_rank = rank;
      get_route = &routes_[i];
      get_params = params;
    }
  }
  if (m.route == nullptr && get_route != nullptr) {
    m.route = get_route;
    m.path_params = std::move(get_params);
  }
  if (!allowed.empty()) {
    if (allowed.count("GET") > 0) allowed.insert("HEAD");
    allowed.insert("OPTIONS");
  }
  for (const std::string& a : allowed) m.allowed += (m.allowed.empty() ? "" : ", ") + a;
  return m;
}

}  // namespace rk::http
