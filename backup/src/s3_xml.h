// The little XML S3 speaks: ListObjectsV2 pages, multipart replies and error documents. Not a
// general XML parser: elements are found by name, text is entity-decoded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringkeeper/backup/object_store.h"
#include "ringkeeper/core/status.h"

namespace rk::backup {

// The text of every <tag>...</tag> in `xml`, in order (decoded).
std::vector<std::string> xml_elements(std::string_view xml, std::string_view tag);
// The first one, or "" when there is none.
std::string xml_first(std::string_view xml, std::string_view tag);
// &amp; &lt; &gt; &quot; &apos; and numeric references decoded.
std::string xml_decode(std::string_view text);
// &, <, >, ", ' escaped.
std::string xml_escape(std::string_view text);

// Percent-decoding of keys listed with encoding-type=url ('+' is a space).
std::string url_decode(std::string_view text);

struct ListPage {
  std::vector<ObjectInfo> objects;  // keys as the server sent them (with the store prefix)
  bool truncated = false;
  std::string next_token;
};
// Lists are requested with encoding-type=url (keys with characters XML cannot carry arrive
// intact); keys are url-decoded when the reply says <EncodingType>url</EncodingType>. (s3rver
// ignores encoding-type and escapes '&' and '\'' in keys twice: keep such keys off s3rver.)
Result<ListPage> parse_list_page(std::string_view xml);

// "Mon, 23 Nov 2026 01:51:57 GMT" → µs since the epoch; 0 when unparseable.
int64_t parse_http_date_us(std::string_view text);

}  // namespace rk::backup
