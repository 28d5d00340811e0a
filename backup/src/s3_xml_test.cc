// Parsing S3's XML replies: list pages with and without url encoding, entities, dates.
#include "s3_xml.h"

#include <gtest/gtest.h>

namespace rk::backup {
namespace {

TEST(S3Xml, ListPageWithContinuation) {
  auto page = parse_list_page(
      "<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><KeyCount>2</KeyCount>"
      "<Contents><Key>p/a&amp;b</Key><LastModified>2026-11-23T01:51:57.250Z</LastModified>"
      "<ETag>\"x\"</ETag><Size>12</Size></Contents>"
      "<Contents><Key>p/c</Key><Size>0</Size></Contents>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>tok+/=</NextContinuationToken>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().to_string();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/a&b");
  EXPECT_EQ(page->objects[0].size, 12);
  EXPECT_EQ(page->objects[0].modified_us, 1'795'398'717'250'000);
  EXPECT_EQ(page->objects[1].modified_us, 0);  // no LastModified: unknown
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok+/=");
}

TEST(S3Xml, UrlEncodedKeysAreDecodedOnlyWhenTheServerSaysSo) {
  auto encoded = parse_list_page(
      "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a+b%26c%2Bd</Key>"
      "<Size>1</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->objects[0].key, "a b&c+d");
  auto plain = parse_list_page(
      "<ListBucketResult><Contents><Key>a+b</Key><Size>1</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->objects[0].key, "a+b");
  EXPECT_FALSE(plain->truncated);
}

TEST(S3Xml, TruncatedWithoutATokenOrNotAListIsAnError) {
  EXPECT_FALSE(parse_list_page("<ListBucketResult><IsTruncated>true</IsTruncated>"
                               "</ListBucketResult>")
                   .ok());
  EXPECT_FALSE(parse_list_page("<Error><Code>InternalError</Code></Error>").ok());
}

TEST(S3Xml, ElementsEntitiesAndEscaping) {
  EXPECT_EQ(xml_first("<Error><Code>NoSuchKey</Code><Message>gone &lt;x&gt;</Message></Error>",
                      "Message"),
            "gone <x>");
  EXPECT_EQ(xml_first("<Keys>1</Keys><Key>2</Key>", "Key"), "2");
  EXPECT_EQ(xml_decode("&#x27;&#39;&#x1234;"), "''\xe1\x88\xb4");
  EXPECT_EQ(xml_escape("a<&>\"'"), "a&lt;&amp;&gt;&quot;&apos;");
  EXPECT_EQ(xml_first("<UploadId>abc</UploadId>", "UploadId"), "abc");
  EXPECT_EQ(xml_first("<A/>", "B"), "");
}

TEST(S3Xml, AMalformedOrNegativeSizeIsAnErrorNotACrash) {
  for (const char* size : {"+", "12x", "-1", "99999999999999999999"}) {
    auto page = parse_list_page(std::string("<ListBucketResult><Contents><Key>k</Key><Size>") +
                                size + "</Size></Contents></ListBucketResult>");
    EXPECT_EQ(page.status().code(), ErrorCode::kUnavailable) << size;
  }
}

TEST(S3Xml, ReferencesToNoCharacterAreKeptAsText) {
  EXPECT_EQ(xml_decode("a&#zz;b&#x;c&#-5;&#x110000;&#1114111;"),
            "a&#zz;b&#x;c&#-5;&#x110000;\xf4\x8f\xbf\xbf");
}

TEST(S3Xml, HttpDates) {
  EXPECT_EQ(parse_http_date_us("Fri, 24 May 2013 00:00:00 GMT"), 1'369'353'600'000'000);
  EXPECT_EQ(parse_http_date_us("garbage"), 0);
}

}  // namespace
}  // namespace rk::backup
