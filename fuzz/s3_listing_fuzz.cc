// Feeds backup's S3 reply parsers (backup/src/s3_xml.h): ListObjectsV2 pages, the XML of error
// documents and multipart replies, the dates S3 sends and url-encoded keys. The reply comes from
// whatever answers at the configured endpoint: a page it cannot read must be an error, and keys,
// sizes and times it can must come out as the page says.
#include "fuzz_check.h"
#include "ringkeeper/core/time_text.h"
#include "s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml = fuzz_text(data, size);
  auto page = rk::backup::parse_list_page(xml);
  if (page.ok()) {
    RK_FUZZ_CHECK(!page->truncated || !page->next_token.empty(),
                  "a truncated page carries its continuation token");
    for (const auto& object : page->objects) {
      RK_FUZZ_CHECK(object.size >= 0, "object sizes are not negative");
    }
  }
  // What s3_store.cc reads out of other replies.
  (void)rk::backup::xml_first(xml, "UploadId");
  (void)rk::backup::xml_first(xml, "Code");
  for (const std::string& text : rk::backup::xml_elements(xml, "Message")) {
    RK_FUZZ_CHECK(rk::backup::xml_decode(rk::backup::xml_escape(text)) == text,
                  "escaping then decoding gives the text back");
  }
  (void)rk::backup::url_decode(xml);
  (void)rk::parse_time_us(xml);  // a LastModified
  (void)rk::backup::parse_http_date_us(xml);
  return 0;
}
