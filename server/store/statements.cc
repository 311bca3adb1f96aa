#include "store/statements.h"

namespace smd::store {

// Defined next to their row mappings in each repository .cc.
std::vector<Statement> UserStatements();
std::vector<Statement> RegionStatements();
std::vector<Statement> PatientStatements();
std::vector<Statement> AuditStatements();
std::vector<Statement> CareStatements();
std::vector<Statement> CareTeamStatements();
std::vector<Statement> AlertStatements();
std::vector<Statement> MetricStatements();
std::vector<Statement> RequestKeyStatements();
std::vector<Statement> RehabStatements();
std::vector<Statement> NetworkStatements();
std::vector<Statement> TelemetryStatements();  // store/telemetry_repository.cc
std::vector<Statement> KeyRotationStatements();
std::vector<Statement> CommitMarkerStatements();  // store/commit_marker.cc

const std::vector<Statement>& AllStatements() {
  static const std::vector<Statement> all = [] {
    std::vector<Statement> v = {
        {"scope.set", "SELECT set_config('smd.scope', $1, true)"},
    };
    for (auto* part : {&UserStatements, &RegionStatements, &PatientStatements, &AuditStatements,
                       &CareStatements, &AlertStatements, &CareTeamStatements,
                       &MetricStatements, &RequestKeyStatements, &RehabStatements,
                       &NetworkStatements, &TelemetryStatements, &KeyRotationStatements,
                       &CommitMarkerStatements}) {
      for (const Statement& s : (*part)()) v.push_back(s);
    }
    return v;
  }();
  return all;
}

}  // namespace smd::store
