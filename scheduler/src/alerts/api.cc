// REST handlers for alerts (see api.h).
#include "alerts/api.h"

#include <fmt/format.h>

#include <algorithm>

#include "ringkeeper/core/json_api.h"

namespace rk::scheduler {
namespace {

using nlohmann::json;

const api::Spec kAlertPost = {
    {"host_id", api::Type::kString, api::kRequired},
    {"signal", api::Type::kString, api::kRequired},
    {"state", api::Type::kString, api::kRequired},
    {"previous_state", api::Type::kString},
    {"message", api::Type::kString},
    {.name = "at_us", .type = api::Type::kInteger, .min = 0},
    {"value", api::Type::kAny},  // a number, or null when the signal could not be measured
};

Result<monitor::State> state_field(const json& body, const char* key) {
  const std::string& text = body[key].get_ref<const std::string&>();
  auto s = monitor::parse_state_name(text);
  if (!s) {
    return Status::InvalidArgument(
        fmt::format("{} must be OK, WARNING, CRITICAL or UNKNOWN, got '{}'", key, text));
  }
  return *s;
}

Result<http::Response> handle_post(AlertStore& alerts, const http::Request& req) {
  RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kAlertPost));
  AlertEvent e;
  e.source = body["host_id"].get<std::string>();
  e.signal = body["signal"].get<std::string>();
  if (e.source.empty() || e.signal.empty()) {
    return Status::InvalidArgument("host_id and signal must not be empty");
  }
  RK_ASSIGN_OR_RETURN(e.state, state_field(body, "state"));
  if (body.contains("previous_state")) {
    RK_RETURN_IF_ERROR(state_field(body, "previous_state").status());
  }
  if (body.contains("message")) e.message = body["message"].get<std::string>();
  if (body.contains("at_us")) e.at_us = body["at_us"].get<int64_t>();
  if (body.contains("value") && !body["value"].is_null()) {
    if (!body["value"].is_number()) {
      return Status::InvalidArgument("field 'value' must be a number or null, got " +
                                     body["value"].dump());
    }
    e.value = body["value"].get<double>();
  }
  RK_ASSIGN_OR_RETURN(std::optional<AlertRecord> stored, alerts.record(e));
  if (!stored) return api::json_ok({{"recorded", false}});
  return api::json_response(201, {{"recorded", true}, {"alert", alert_json(*stored)}});
}

Result<http::Response> handle_get(AlertStore& alerts, const http::Request& req) {
  RK_RETURN_IF_ERROR(api::check_query(req, {"active", "host_id", "signal", "since_us", "limit"}));
  AlertQuery q;
  if (const std::string* v = req.query_param("active")) {
    if (*v != "true" && *v != "false") {
      return Status::InvalidArgument("query parameter active must be true or false");
    }
    q.active = *v == "true";
  }
  if (const std::string* v = req.query_param("host_id")) q.source = *v;
  if (const std::string* v = req.query_param("signal")) q.signal = *v;
  if (req.query_param("since_us")) {
    RK_ASSIGN_OR_RETURN(q.since_us, api::query_int(req, "since_us", 0));
  }
  if (req.query_param("limit")) {
    RK_ASSIGN_OR_RETURN(int64_t limit, api::query_int(req, "limit", 1, 1000));
    q.limit = static_cast<int>(limit);
  }
  RK_ASSIGN_OR_RETURN(std::vector<AlertRecord> records, alerts.query(q));
  json list = json::array();
  for (const AlertRecord& r : records) list.push_back(alert_json(r));
  return api::json_ok({{"alerts", std::move(list)}});
}

}  // namespace

json alert_json(const AlertRecord& r) {
  return {{"id", r.id},
          {"host_id", r.source},
          {"signal", r.signal},
          {"state", monitor::state_name(r.state)},
          {"previous_state", monitor::state_name(r.previous_state)},
          {"message", r.message},
          {"value", r.value ? json(*r.value) : json(nullptr)},
          {"at_us", r.at_us},
          {"received_at_us", r.received_at_us}};
}

void add_alert_routes(http::Router& router, AlertStore& alerts) {
  AlertStore* a = &alerts;
  router.post(
      "/api/v1/alerts", [a](const http::Request& req) { return handle_post(*a, req); },
      RoleSet{Role::kAgent});
  router.get("/api/v1/alerts", [a](const http::Request& req) { return handle_get(*a, req); });
}

}  // namespace rk::scheduler
