#pragma once
// Terminal output: aligned tables (Chinese characters count as two columns) and JSON.

#include <google/protobuf/message.h>

#include <ostream>
#include <string>
#include <vector>

namespace smdctl {

// Display width of UTF-8 text: East Asian wide and full-width characters count 2.
int DisplayWidth(const std::string& utf8);

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  void Print(std::ostream& out) const;
};

// The message as JSON with the proto field names and every field shown (for scripts).
std::string ToJson(const google::protobuf::Message& m);

}  // namespace smdctl
