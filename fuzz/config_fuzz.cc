// Feeds core/config.h's YAML loading with the two real schemas: rk-agent's (agent/options.h) and
// rk-scheduler's (scheduler/scheduler_options.h), every section included. A config file is
// written by hand: whatever it holds must load or be refused with FILE:LINE:COL and the key, and
// a config that loads must render (--print-config) without trouble.
#include "fuzz_check.h"
#include "ringkeeper/agent/options.h"
#include "ringkeeper/scheduler/scheduler_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto agent_schema = rk::agent::agent_options_schema();
  static const auto scheduler_schema = rk::scheduler::scheduler_options_schema();
  const std::string_view yaml = fuzz_text(data, size);

  auto agent = rk::load_config_string(yaml, agent_schema, "agent.yaml");
  if (agent.ok()) {
    RK_FUZZ_CHECK(!agent_schema.effective_yaml(*agent).empty(), "a loaded config renders");
  } else {
    RK_FUZZ_CHECK(agent.status().message().starts_with("agent.yaml"), "errors name the file");
  }

  auto scheduler = rk::load_config_string(yaml, scheduler_schema, "scheduler.yaml");
  if (scheduler.ok()) {
    RK_FUZZ_CHECK(!scheduler_schema.effective_yaml(*scheduler).empty(), "a loaded config renders");
    (void)rk::scheduler::scheduler_tokens(scheduler->auth);
  } else {
    RK_FUZZ_CHECK(scheduler.status().message().starts_with("scheduler.yaml"),
                  "errors name the file");
  }
  return 0;
}
