#include "app/context.h"

namespace smd::app {

DrugCatalogue::DrugCatalogue(std::vector<domain::DrugInfo> drugs) : drugs_(std::move(drugs)) {}

const domain::DrugInfo* DrugCatalogue::Find(std::string_view code) const {
  for (const auto& d : drugs_) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

domain::DrugLookup DrugCatalogue::Lookup() const {
  return [this](std::string_view code) { return Find(code); };
}

}  // namespace smd::app
