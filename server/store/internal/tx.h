#pragma once
// Private to store/: the concrete transaction handle repositories use.

#include <pqxx/pqxx>

namespace smd::store {

class Tx {
 public:
  explicit Tx(pqxx::work& work) : work_(work) {}
  pqxx::work& w() { return work_; }

 private:
  pqxx::work& work_;
};

}  // namespace smd::store
