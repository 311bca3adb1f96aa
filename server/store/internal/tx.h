#pragma once
// Private to store/: the concrete transaction handle repositories use.

#include <set>
#include <string>

#include <pqxx/pqxx>

namespace smd::store {

class Tx {
 public:
  explicit Tx(pqxx::work& work) : work_(work) {}
  pqxx::work& w() { return work_; }
  // Patients whose kept figures this transaction must refresh before it commits
  // (store/metric_repository.h MarkPatient, RefreshMarked).
  std::set<std::string>& figure_marks() { return figure_marks_; }

 private:
  pqxx::work& work_;
  std::set<std::string> figure_marks_;
};

}  // namespace smd::store
