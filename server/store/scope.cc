#include "store/scope.h"

#include <string>

#include "store/errors.h"
#include "store/internal/tx.h"

namespace smd::store {

absl::Status SetScope(Tx& tx, std::string_view region_code) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("scope.set", std::string(region_code));
    return absl::OkStatus();
  });
}

}  // namespace smd::store
