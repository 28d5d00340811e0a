// Shared start-up flags and doc-block checks; see config_args.h.
#include "ringkeeper/core/config_args.h"

#include <fstream>
#include <sstream>

namespace rk {

Result<ConfigArgs> parse_config_args(const std::vector<std::string>& args) {
  ConfigArgs out;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return Status::InvalidArgument("--config needs a file");
      }
      out.config_path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      out.config_path = a.substr(9);
      if (out.config_path.empty()) return Status::InvalidArgument("--config needs a file");
    } else if (a == "--print-config") {
      out.print_config = true;
    } else if (a == "--config-doc") {
      out.config_doc = true;
    } else if (a == "-h" || a == "--help") {
      out.help = true;
    } else if (!a.empty() && a[0] == '-') {
      return Status::InvalidArgument("unknown option '" + a + "'");
    } else {
      return Status::InvalidArgument("unexpected argument '" + a + "'");
    }
  }
  return out;
}

std::string config_args_usage(const ProgramInfo& info) {
  return "usage: " + info.name +
         " [--config FILE] [--print-config] [--config-doc] [-h|--help]\n"
         "\n" +
         info.summary +
         "\n"
         "\n"
         "options:\n"
         "  --config FILE    YAML settings; keys left out keep their defaults\n"
         "                   (docs/configuration.md lists every key)\n"
         "  --print-config   print the effective settings as YAML and exit\n"
         "  --config-doc     print the Markdown table of all settings and exit\n"
         "  -h, --help       show this text\n";
}

namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Status check_doc_block(const std::string& doc_path, std::string_view name,
                       std::string_view content) {
  auto doc = read_text(doc_path);
  if (!doc.ok()) return doc.status();
  auto block = generated_block(*doc, name);
  if (!block.ok()) return block.status().with_context(doc_path);
  if (*block != content) {
    return Status::FailedPrecondition(
        doc_path + ": the generated block '" + std::string(name) +
        "' is out of date with the code; regenerate it from the program's --config-doc output");
  }
  return Status::OK();
}

Status update_doc_block(const std::string& doc_path, std::string_view name,
                        std::string_view content) {
  auto doc = read_text(doc_path);
  if (!doc.ok()) return doc.status();
  auto updated = replace_generated_block(*doc, name, content);
  if (!updated.ok()) return updated.status().with_context(doc_path);
  std::ofstream out(doc_path, std::ios::binary | std::ios::trunc);
  out << *updated;
  out.close();
  if (!out) return Status::IOError("cannot write '" + doc_path + "'");
  return Status::OK();
}

}  // namespace rk
