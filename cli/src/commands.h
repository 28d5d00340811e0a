// The commands rkctl dispatches to (private to rk_cli). Each takes the arguments after its command
// word, writes results to `out` and one-line errors to `err`, and returns the exit code:
// 0 success, 1 the command failed (bad input data, unreachable server, ...), 2 usage error.
// To add a command, declare its function here and add a row to kCommands in rkctl.cc.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace rk::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// rkctl token [--hex] [--json] [--] KEY...   (token_command.cc)
int token_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
extern const char* const kTokenUsage;

struct Context;  // cluster_client.h

// Cluster commands take the global options (--scheduler, --token/RK_TOKEN, --json) in a Context.
int status_command(Context& ctx, const std::vector<std::string>& args);  // status_command.cc
int ring_command(Context& ctx, const std::vector<std::string>& args);
int keyspace_command(Context& ctx, const std::vector<std::string>& args);  // schema_commands.cc
int table_command(Context& ctx, const std::vector<std::string>& args);
int write_command(Context& ctx, const std::vector<std::string>& args);  // data_commands.cc
int read_command(Context& ctx, const std::vector<std::string>& args);
int delete_command(Context& ctx, const std::vector<std::string>& args);
int load_command(Context& ctx, const std::vector<std::string>& args);    // load_command.cc
int repair_command(Context& ctx, const std::vector<std::string>& args);  // repair_commands.cc
class ClusterClient;
struct ParsedArgs;
// `rkctl repair proof` (proof_command.cc): `a` as repair_command parsed it.
int repair_proof_command(Context& ctx, ClusterClient& client, const ParsedArgs& a);
int schedule_command(Context& ctx, const std::vector<std::string>& args);
extern const char* const kRepairUsage;
extern const char* const kScheduleUsage;
extern const char* const kStatusUsage;
extern const char* const kRingUsage;
extern const char* const kKeyspaceUsage;
extern const char* const kTableUsage;
extern const char* const kWriteUsage;
extern const char* const kReadUsage;
extern const char* const kDeleteUsage;
extern const char* const kLoadUsage;
int backup_command(Context& ctx, const std::vector<std::string>& args);  // backup_commands.cc
int restore_command(Context& ctx, const std::vector<std::string>& args);
extern const char* const kBackupUsage;
extern const char* const kRestoreUsage;
int node_command(Context& ctx, const std::vector<std::string>& args);  // node_commands.cc
extern const char* const kNodeUsage;

}  // namespace rk::cli
