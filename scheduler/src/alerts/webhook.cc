// POSTing alert changes to the webhook (see webhook.h).
#include "alerts/webhook.h"

#include "alerts/api.h"
#include "ringkeeper/core/json_api.h"

namespace rk::scheduler {

AlertWebhook::AlertWebhook(const AlertOptions& options, std::string cluster, std::string ca_file)
    : url_(options.webhook_url), cluster_(std::move(cluster)) {
  http::ClientOptions co;
  co.timeout = options.webhook_timeout;
  co.tls_ca_file = std::move(ca_file);
  if (!options.webhook_token.empty()) co.bearer_token = options.webhook_token;
  client_ = std::make_unique<http::Client>(co);
  monitor::DeliveryQueueOptions qo;
  qo.name = "alert webhook";
  qo.capacity = static_cast<size_t>(options.webhook_queue);
  qo.backoff.max_attempts = options.webhook_attempts;
  qo.backoff.initial_delay = std::chrono::milliseconds(500);
  qo.backoff.max_delay = std::chrono::milliseconds(30'000);
  queue_ = std::make_unique<monitor::DeliveryQueue>(qo, [this](const std::string& body) -> Status {
    // Delivery is at least once already (the queue retries failures), so the client may resend
    // a POST that met a connection the receiver had closed.
    http::ClientRequest req{"POST", url_, {}, body, {}};
    req.idempotent = true;
    RK_ASSIGN_OR_RETURN(http::Response r, client_->request(req));
    if (r.ok()) return Status::OK();
    // A receiver's 5xx or 429 may pass; another 4xx will not (the message is dropped).
    if (r.status >= 500 || r.status == 429) {
      return Status::Unavailable("webhook answered " + std::to_string(r.status));
    }
    return api::status_from_response(r);
  });
}

AlertWebhook::~AlertWebhook() { stop(); }

void AlertWebhook::stop() { queue_->stop(); }

void AlertWebhook::send(const AlertRecord& record) {
  nlohmann::json body = alert_json(record);
  body["cluster"] = cluster_;
  // No key: every change is delivered, in order.
  queue_->push("", body.dump());
}

}  // namespace rk::scheduler
