// `rkctl token`: the Murmur3Partitioner token of each partition key, as CQL's token() shows it,
// so operators can see which node owns a key. See docs/rkctl.md.
//
// All or nothing: every key is checked before anything is printed, so output line N always
// belongs to key N; one bad key gives a one-line error naming it and exit 1 with empty output.
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "commands.h"
#include "ringkeeper/core/hex.h"
#include "ringkeeper/core/token.h"

namespace rk::cli {

const char* const kTokenUsage =
    "usage: rkctl token [--hex] [--json] [--] KEY...\n"
    "\n"
    "Prints the Murmur3Partitioner token of each partition key, one per line, in the order\n"
    "given (what CQL's token() returns for a single-column partition key).\n"
    "\n"
    "options:\n"
    "  --hex       keys are hex bytes (\"0xcafe\" or \"cafe\"), e.g. for blob or int keys\n"
    "              (the int 1 is 00000001)\n"
    "  --json      print a JSON array of {\"key\": ..., \"token\": \"...\"} instead\n"
    "              (tokens as strings: JSON numbers lose precision past 2^53)\n"
    "  --          end of options; later arguments are keys even if they start with '-'\n"
    "  -h, --help  show this text\n"
    "\n"
    "Without --hex, keys are UTF-8 text (a text/varchar key). Every key is checked first:\n"
    "a key that is not valid hex (or not valid UTF-8) prints a one-line error and nothing\n"
    "else, and the exit code is 1.\n";

namespace {

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). On failure *bad_at
// is the 0-based offset of the first offending byte.
bool valid_utf8(const std::string& s, size_t* bad_at) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      *bad_at = i;
      return false;
    }
    if (i + len > s.size()) {
      *bad_at = i;
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) {
        *bad_at = i;
        return false;
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    const bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      *bad_at = i;
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

int token_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool hex = false;
  bool json = false;
  bool options_done = false;
  std::vector<std::string> keys;
  for (const auto& a : args) {
    if (!options_done && a.size() > 1 && a[0] == '-') {
      if (a == "--") {
        options_done = true;
      } else if (a == "--hex") {
        hex = true;
      } else if (a == "--json") {
        json = true;
      } else if (a == "-h" || a == "--help") {
        out << kTokenUsage;
        return kExitOk;
      } else {
        err << "rkctl token: unknown option '" << a << "' (try 'rkctl token --help')\n";
        return kExitUsage;
      }
      continue;
    }
    keys.push_back(a);
  }
  if (keys.empty()) {
    err << "rkctl token: no keys given (usage: rkctl token [--hex] [--json] [--] KEY...)\n";
    return kExitUsage;
  }

  std::vector<Token> tokens;
  tokens.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string bytes = keys[i];
    if (hex) {
      auto decoded = hex_decode(keys[i]);
      if (!decoded.ok()) {
        err << "rkctl token: key " << i + 1 << ": " << decoded.status().message() << "\n";
        return kExitFailed;
      }
      bytes = std::move(*decoded);
    } else {
      size_t bad_at = 0;
      if (!valid_utf8(bytes, &bad_at)) {
        err << "rkctl token: key " << i + 1 << " is not valid UTF-8 (byte " << bad_at + 1
            << "); give raw bytes with --hex\n";
        return kExitFailed;
      }
    }
    tokens.push_back(murmur3_token(bytes));
  }

  if (json) {
    nlohmann::json array = nlohmann::json::array();
    for (size_t i = 0; i < keys.size(); ++i) {
      array.push_back({{"key", keys[i]}, {"token", token_to_string(tokens[i])}});
    }
    out << array.dump() << "\n";
  } else {
    for (Token t : tokens) out << token_to_string(t) << "\n";
  }
  return kExitOk;
}

}  // namespace rk::cli
