#include "domain/errors.h"

#include <string>

namespace smd::domain {

absl::Status FieldError(std::string_view field, std::string_view zh, std::string_view en) {
  // Debian's absl is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
  // so std::string_view does not convert to absl::AlphaNum: build the message by hand.
  std::string message;
  message.reserve(field.size() + zh.size() + en.size() + 5);
  message.append(field).append(": ").append(zh).append(" (").append(en).append(")");
  return absl::InvalidArgumentError(message);
}

}  // namespace smd::domain
