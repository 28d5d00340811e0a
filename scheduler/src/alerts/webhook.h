// The alert webhook: each stored alert state change is POSTed as JSON to a configured URL
// (docs/monitoring.md "Webhook"). Asynchronous through a bounded DeliveryQueue with retries, so a
// slow or failing webhook never holds up the API or the store.
#pragma once

#include <memory>
#include <string>

#include "ringkeeper/core/http_client.h"
#include "ringkeeper/monitor/delivery_queue.h"
#include "alerts/store.h"
#include "ringkeeper/scheduler/scheduler_options.h"

namespace rk::scheduler {

class AlertWebhook {
 public:
  // `options.webhook_url` must be set. `cluster` is added to every payload.
  AlertWebhook(const AlertOptions& options, std::string cluster, std::string ca_file);
  ~AlertWebhook();

  // Queues the change (never blocks); an AlertStore listener.
  void send(const AlertRecord& record);
  void stop();
  monitor::DeliveryStats stats() const { return queue_->stats(); }

 private:
  std::string url_;
  std::string cluster_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<monitor::DeliveryQueue> queue_;
};

}  // namespace rk::scheduler
