#include "api/raw_message.h"

#include <string>

#include "gtest/gtest.h"
#include "smd/v1/auth.pb.h"

namespace smd::api {
namespace {

TEST(ReadBytesFields, ReadsWhatProtobufsParserWouldRefuse) {
  v1::LoginRequest req;
  req.set_username(std::string("doc\xe5\xbc", 5));  // cut inside a UTF-8 character
  req.set_password(std::string("pw\0\xff", 4));
  const std::string wire = req.SerializeAsString();
  v1::LoginRequest parsed;
  ASSERT_FALSE(parsed.ParseFromString(wire));  // why the raw method exists
  auto fields = ReadBytesFields(wire, {1, 2});
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ((*fields)[0], std::string("doc\xe5\xbc", 5));
  EXPECT_EQ((*fields)[1], std::string("pw\0\xff", 4));
}

TEST(ReadBytesFields, AbsentFieldsAreEmptyAndUnknownOnesSkipped) {
  v1::WhoAmIResponse other;  // field 1 string, 4 varint, ...
  other.set_user_id("u");
  other.set_role(v1::ROLE_ADMIN);
  other.set_username("name");
  auto fields = ReadBytesFields(other.SerializeAsString(), {2, 7});
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ((*fields)[0], "name");
  EXPECT_EQ((*fields)[1], "");
  auto empty = ReadBytesFields("", {1, 2});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)[0], "");
}

TEST(ReadBytesFields, MalformedInputIsInvalidArgument) {
  EXPECT_EQ(ReadBytesFields("\x0a\x05"
                            "ab",
                            {1})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);  // length past the end
  EXPECT_EQ(ReadBytesFields("\x08\x01", {1}).status().code(),
            absl::StatusCode::kInvalidArgument);  // field 1 as a varint
  EXPECT_EQ(ReadBytesFields(std::string("\x00\x01", 2), {1}).status().code(),
            absl::StatusCode::kInvalidArgument);  // tag 0
  EXPECT_EQ(ReadBytesFields("\xff\xff", {1}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace smd::api
