// Test support: a minimal in-process rk-scheduler speaking the agent side of the contract
// (register, heartbeat; RING and SCHEMA), so agent tests run without the real scheduler. The real
// one is tested against rk-agent in tests/ (multi-process).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "ringkeeper/agent/cluster_view.h"
#include "ringkeeper/core/http_server.h"
#include "ringkeeper/core/json_api.h"
#include "ringkeeper/core/registration.h"
#include "ringkeeper/core/token_assignment.h"

namespace rk::agent::testing {

class FakeScheduler {
 public:
  explicit FakeScheduler(SchemaView schema, int slots = 8) : slots_(slots) {
    schema_ = std::move(schema);
  }

  Status start(uint16_t port = 0) {
    http::Router r;
    r.post("/api/v1/agents/register",
           [this](const http::Request& req) -> Result<http::Response> { return on_register(req); });
    r.post(
        "/api/v1/agents/{id}/heartbeat",
        [this](const http::Request& req) -> Result<http::Response> { return on_heartbeat(req); });
    http::ServerOptions o;
    o.name = "fake scheduler";
    o.port = port;
    o.handler_threads = 2;
    RK_ASSIGN_OR_RETURN(server_, http::Server::start(o, std::move(r)));
    url_ = server_->base_url();
    return Status::OK();
  }
  void stop() {
    if (server_) server_->stop();
    server_.reset();
  }
  // The URL it had when started (still given after stop(): agents then find nobody there).
  std::string url() const { return url_; }

  // Marks a node DOWN (as the heartbeat sweep would).
  void mark_down(const std::string& host_id) {
    std::lock_guard lock(mu_);
    for (auto& m : ring_.nodes) {
      if (m.host_id == host_id) m.state = "DOWN";
    }
    ++ring_.version;
  }
  RingView ring() const {
    std::lock_guard lock(mu_);
    return ring_;
  }
  std::string state_of(const std::string& host_id) const {
    std::lock_guard lock(mu_);
    for (const auto& m : ring_.nodes) {
      if (m.host_id == host_id) return m.state;
    }
    return "";
  }

 private:
  Result<http::Response> on_register(const http::Request& req) {
    using nlohmann::json;
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, registration_spec()));
    RK_ASSIGN_OR_RETURN(AgentRegistration registration, parse_registration(body));
    std::lock_guard lock(mu_);
    const std::string host_id = registration.host_id;
    RingMember* self = nullptr;
    for (auto& m : ring_.nodes) {
      if (m.host_id == host_id) self = &m;
    }
    if (self == nullptr) {
      RingMember m;
      m.host_id = host_id;
      m.datacenter = registration.datacenter;
      m.rack = registration.rack;
      m.state = "NORMAL";
      if (!registration.replace_address.empty()) {
        const std::string& address = registration.replace_address;
        RingMember* old = nullptr;
        for (auto& n : ring_.nodes) {
          if (n.addresses.internode == address || n.addresses.ops == address) old = &n;
        }
        if (old == nullptr) return Status::NotFound("no node at " + address);
        if (old->state != "DOWN") return Status::FailedPrecondition("node is not DOWN");
        m.tokens = old->tokens;
        m.slot = old->slot;
        old->tokens.clear();
        old->state = "REPLACED";
        m.state = "JOINING";
      } else {
        m.slot = next_slot_++;
        m.tokens = {
            position_token(static_cast<uint64_t>(m.slot), static_cast<uint64_t>(slots_), 0)};
      }
      ring_.nodes.push_back(m);
      self = &ring_.nodes.back();
    }
    self->addresses = registration.addresses;
    ++ring_.version;
    json tokens = json::array();
    for (Token t : self->tokens) tokens.push_back(token_to_string(t));
    return api::json_ok({{"host_id", host_id},
                         {"slot", self->slot},
                         {"tokens", tokens},
                         {"state", self->state},
                         {"ring", ring_to_json(ring_)},
                         {"schema", schema_to_json(schema_)}});
  }

  Result<http::Response> on_heartbeat(const http::Request& req) {
    using nlohmann::json;
    static const api::Spec kHeartbeat = {{"state", api::Type::kString},
                                         {"load_bytes", api::Type::kInteger},
                                         {"ring_version", api::Type::kInteger},
                                         {"schema_version", api::Type::kInteger}};
    RK_ASSIGN_OR_RETURN(json body, api::read_body(req, kHeartbeat));
    std::lock_guard lock(mu_);
    RingMember* self = nullptr;
    for (auto& m : ring_.nodes) {
      if (m.host_id == req.path_param("id")) self = &m;
    }
    if (self == nullptr) return Status::NotFound("unknown host");
    if (self->state == "REPLACED") return Status::FailedPrecondition("replaced");
    const std::string before = self->state;
    if (body.contains("state")) {
      self->state = body["state"];
    } else if (self->state == "DOWN") {
      self->state = "NORMAL";
    }
    if (self->state != before) ++ring_.version;
    json reply = {{"ring_version", ring_.version}, {"schema_version", schema_.version}};
    if (body.value("ring_version", int64_t{0}) < ring_.version) reply["ring"] = ring_to_json(ring_);
    if (body.value("schema_version", int64_t{0}) < schema_.version) {
      reply["schema"] = schema_to_json(schema_);
    }
    return api::json_ok(reply);
  }

  mutable std::mutex mu_;
  int slots_;
  int64_t next_slot_ = 0;
  RingView ring_;
  SchemaView schema_;
  std::unique_ptr<http::Server> server_;
  std::string url_;
};

}  // namespace rk::agent::testing
