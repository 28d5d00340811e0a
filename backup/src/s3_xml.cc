// Element lookup and entity decoding for S3's XML replies.
#include "s3_xml.h"

#include <charconv>
#include <ctime>
#include <optional>

#include "ringkeeper/core/http_message.h"
#include "ringkeeper/core/time_text.h"

namespace rk::backup {

std::vector<std::string> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string> out;
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    size_t after = pos + open.size();
    if (after >= xml.size()) break;
    char c = xml[after];
    if (c != '>' && c != ' ' && c != '/') {  // <Keys> is not <Key>
      pos = after;
      continue;
    }
    size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos) break;
    if (xml[gt - 1] == '/') {  // <Tag/>
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    out.push_back(xml_decode(xml.substr(gt + 1, end - gt - 1)));
    pos = end + close.size();
  }
  return out;
}

std::string xml_first(std::string_view xml, std::string_view tag) {
  auto all = xml_elements(xml, tag);
  return all.empty() ? std::string() : all.front();
}

namespace {

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// The code point of a numeric reference's name ("#38", "#x26"); nullopt when it is not one or
// names no Unicode character (such text is kept as it is).
std::optional<unsigned long> character_reference(std::string_view name) {
  if (name.size() < 2 || name[0] != '#') return std::nullopt;
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string_view digits = name.substr(hex ? 2 : 1);
  unsigned long cp = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      cp > 0x10ffff) {
    return std::nullopt;
  }
  return cp;
}

}  // namespace

std::string xml_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    std::string_view name = text.substr(i + 1, semi - i - 1);
    if (name == "amp")
      out.push_back('&');
    else if (name == "lt")
      out.push_back('<');
    else if (name == "gt")
      out.push_back('>');
    else if (name == "quot")
      out.push_back('"');
    else if (name == "apos")
      out.push_back('\'');
    else if (name == "grave")
      out.push_back('`');
    else if (auto cp = character_reference(name)) {
      append_utf8(out, *cp);
    } else {
      out.append(text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string url_decode(std::string_view text) {
  std::string out;
  if (!http::percent_decode(text, out, /*plus_is_space=*/true)) return std::string(text);
  return out;
}

Result<ListPage> parse_list_page(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return Status::Unavailable("S3 list reply is not a ListBucketResult: " +
                               std::string(xml.substr(0, 200)));
  }
  ListPage page;
  // Only a server that honoured encoding-type=url says so; s3rver ignores it.
  const bool url_encoded = xml_first(xml, "EncodingType") == "url";
  size_t pos = 0;
  while ((pos = xml.find("<Contents>", pos)) != std::string_view::npos) {
    size_t end = xml.find("</Contents>", pos);
    if (end == std::string_view::npos) return Status::Unavailable("S3 list reply is cut short");
    std::string_view one = xml.substr(pos, end - pos);
    ObjectInfo info;
    info.key = xml_first(one, "Key");
    if (url_encoded) info.key = url_decode(info.key);
    const std::string size = xml_first(one, "Size");
    if (!size.empty()) {
      auto [end_of_size, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
      if (ec != std::errc() || end_of_size != size.data() + size.size() || info.size < 0) {
        return Status::Unavailable("S3 list reply has a malformed Size '" + size.substr(0, 40) +
                                   "' for key " + info.key.substr(0, 200));
      }
    }
    // 0 (unknown) when absent or unreadable, as a store without the element is still listable.
    const Result<int64_t> modified = parse_time_us(xml_first(one, "LastModified"));
    info.modified_us = modified.ok() ? *modified : 0;
    page.objects.push_back(std::move(info));
    pos = end;
  }
  page.truncated = xml_first(xml, "IsTruncated") == "true";
  page.next_token = xml_first(xml, "NextContinuationToken");
  if (page.truncated && page.next_token.empty()) {
    return Status::Unavailable("S3 list reply is truncated but has no continuation token");
  }
  return page;
}

int64_t parse_http_date_us(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  if (strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000;
}

}  // namespace rk::backup
