#pragma once
// Requests built from the command line: positional words and --flags named after the
// request's proto fields (underscores written as dashes: --to-jurisdiction sets
// to_jurisdiction). Used by the smdctl commands that are one RPC with plain fields
// (patient transfer/close, team add/end, user create/disable, region upsert, ...).

#include <set>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "args.h"

namespace smdctl {

// Sets `msg` from `args`: positional word first_positional + i goes to the field named
// positional_fields[i]; every flag not in `ignore` goes to the field of its name. Values:
// strings as given; integers in decimal; booleans true/false/yes/no/1/0 (a bare boolean
// flag is true); enums by their full name (TEAM_ROLE_POLICE), their name without the
// type's prefix in any case (police, grid-worker) or their number; smd.v1.Date as
// YYYY-MM-DD. INVALID_ARGUMENT naming the flag or the field for an unknown flag, a
// nested or repeated field, or a value of the wrong form; fields in `required` must be set.
absl::Status FillFromArgs(const Args& args, size_t first_positional,
                          const std::vector<std::string>& positional_fields,
                          const std::set<std::string>& ignore,
                          const std::set<std::string>& required,
                          google::protobuf::Message* msg);

}  // namespace smdctl
