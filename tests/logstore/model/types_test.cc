#include "logstore/model/types.h"

#include <gtest/gtest.h>

namespace logstack::logstore {
namespace {

TEST(MetadataTest, RoundTrip) {
  LabelRef pairs[] = {{"trace_id", "abc"}, {"user", ""}};
  std::string enc;
  EncodeMetadata(&enc, pairs, 2);
  std::vector<LabelRef> out;
  ASSERT_TRUE(DecodeMetadata(enc, &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "trace_id");
  EXPECT_EQ(out[0].value, "abc");
  EXPECT_EQ(out[1].value, "");
  std::string none;
  EncodeMetadata(&none, pairs, 0);
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(DecodeMetadata(none, &out));
  EXPECT_TRUE(out.empty());
}

TEST(MetadataTest, RejectsTruncatedAndTrailingBytes) {
  LabelRef pairs[] = {{"k", "value"}};
  std::string enc;
  EncodeMetadata(&enc, pairs, 1);
  std::vector<LabelRef> out;
  EXPECT_FALSE(DecodeMetadata(std::string_view(enc).substr(0, enc.size() - 1), &out));
  EXPECT_FALSE(DecodeMetadata(enc + "x", &out));
  EXPECT_FALSE(DecodeMetadata("\x05", &out));
}

}  // namespace
}  // namespace logstack::logstore
