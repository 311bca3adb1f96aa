#include "crypto/audit_chain.h"

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "crypto/hash.h"

namespace smd::crypto {
namespace {

constexpr std::string_view kAnchorTag = "smd-audit-anchor-v1";

void Field(std::string& out, std::string_view v) {
  absl::StrAppend(&out, v.size(), ":");
  out.append(v);
  out.push_back(';');
}

void AppendCanonical(const AuditRow& r, std::string& out) {
  out.append("smd-audit-v1;");
  Field(out, absl::StrCat(r.id));
  Field(out, absl::StrCat(r.tx));
  Field(out, absl::StrCat(r.at_micros));
  Field(out, r.user_id);
  Field(out, r.username);
  Field(out, absl::StrCat(r.role));
  Field(out, r.jurisdiction);
  Field(out, r.method);
  Field(out, r.patient_ids);
  Field(out, r.outcome);
  Field(out, r.peer);
  Field(out, r.request_id);
  Field(out, r.detail);
}

}  // namespace

const std::string& GenesisHash() {
  static const std::string kGenesis(kChainHashSize, '\0');
  return kGenesis;
}

std::string CanonicalAuditRow(const AuditRow& row) {
  std::string out;
  AppendCanonical(row, out);
  return out;
}

std::string ChainLink(std::string_view prev_hash, std::string_view canonical) {
  return Sha256(prev_hash, canonical);
}

std::string CheckpointMessage(int64_t position, std::string_view hash, uint64_t watermark) {
  std::string m = "smd-audit-checkpoint-v1;";
  Field(m, absl::StrCat(position));
  Field(m, hash);
  Field(m, absl::StrCat(watermark));
  return m;
}

Checkpoint SignCheckpoint(const Signer& signer, int64_t position, std::string hash,
                          uint64_t watermark) {
  Checkpoint cp;
  cp.position = position;
  cp.hash = std::move(hash);
  cp.watermark = watermark;
  cp.signature = signer.Sign(CheckpointMessage(cp.position, cp.hash, cp.watermark));
  return cp;
}

bool CheckpointSignatureValid(std::string_view public_key, const Checkpoint& cp) {
  return VerifyEd25519(public_key, CheckpointMessage(cp.position, cp.hash, cp.watermark),
                       cp.signature);
}

std::string AnchorLine(const Checkpoint& cp, std::string_view note) {
  return absl::StrCat(
      absl::string_view(kAnchorTag.data(), kAnchorTag.size()), " ", cp.position, " ",
      HexEncode(cp.hash), " ", cp.watermark, " ", HexEncode(cp.signature), " ",
      note.empty() ? absl::string_view("-") : absl::string_view(note.data(), note.size()));
}

absl::StatusOr<Checkpoint> ParseAnchorLine(std::string_view line) {
  std::vector<absl::string_view> f =
      absl::StrSplit(absl::string_view(line.data(), line.size()), ' ');
  if (f.size() != 6 || f[0] != absl::string_view(kAnchorTag.data(), kAnchorTag.size())) {
    return absl::InvalidArgumentError("not an smd-audit-anchor-v1 line of 6 fields");
  }
  Checkpoint cp;
  if (!absl::SimpleAtoi(f[1], &cp.position) || cp.position < 1) {
    return absl::InvalidArgumentError("bad position");
  }
  auto hash = HexDecode(std::string_view(f[2].data(), f[2].size()));
  if (!hash.ok() || hash->size() != kChainHashSize) {
    return absl::InvalidArgumentError("bad hash");
  }
  cp.hash = std::move(*hash);
  if (!absl::SimpleAtoi(f[3], &cp.watermark)) return absl::InvalidArgumentError("bad watermark");
  auto sig = HexDecode(std::string_view(f[4].data(), f[4].size()));
  if (!sig.ok() || sig->size() != 64) return absl::InvalidArgumentError("bad signature");
  cp.signature = std::move(*sig);
  return cp;
}

bool CheckpointSignatureValidUnderAny(const std::vector<std::string>& public_keys,
                                      const Checkpoint& cp) {
  for (const auto& k : public_keys) {
    if (CheckpointSignatureValid(k, cp)) return true;
  }
  return false;
}

ChainVerifier::ChainVerifier(std::vector<std::string> public_keys,
                             std::optional<Checkpoint> newest,
                             std::optional<std::vector<Checkpoint>> anchors)
    : public_keys_(std::move(public_keys)), newest_(std::move(newest)), prev_hash_(GenesisHash()) {
  report_.newest_checkpoint_position = newest_ ? newest_->position : 0;
  if (anchors) {
    report_.anchored = true;
    anchors_ = std::move(*anchors);
    std::stable_sort(
        anchors_.begin(), anchors_.end(),
        [](const Checkpoint& a, const Checkpoint& b) { return a.position < b.position; });
    if (!anchors_.empty()) report_.newest_anchored_position = anchors_.back().position;
  }
}

void ChainVerifier::Fail(int64_t position, int64_t audit_id, std::string problem) {
  // Keep the break at the lowest chain position; one outside the chain (0) only if there is
  // no other. The order in which the checks run then does not matter.
  if (!report_.intact) {
    const int64_t kept = report_.first_break_position;
    const bool better = position != 0 && (kept == 0 || position < kept);
    if (!better) return;
  }
  report_.intact = false;
  report_.first_break_position = position;
  report_.first_break_audit_id = audit_id;
  report_.problem = std::move(problem);
}

void ChainVerifier::AddLink(int64_t position, std::string_view stored_hash, const AuditRow* row) {
  const int64_t audit_id = row != nullptr ? row->id : 0;
  if (position != expected_) {
    Fail(expected_, audit_id, absl::StrCat("chain position ", expected_, " is missing"));
  }
  if (row == nullptr) {
    Fail(position, 0,
         absl::StrCat("the audit row of chain position ", position, " is missing (deleted)"));
  } else {
    if (have_last_ && (row->tx < last_tx_ || (row->tx == last_tx_ && row->id <= last_id_))) {
      Fail(position, row->id, "row out of chain order");
    }
    have_last_ = true;
    last_tx_ = row->tx;
    last_id_ = row->id;
    if (newest_ && row->tx < newest_->watermark) ++sealed_below_watermark_;
    canonical_.clear();
    AppendCanonical(*row, canonical_);
    if (!ConstantTimeEquals(ChainLink(prev_hash_, canonical_), stored_hash)) {
      Fail(position, row->id, "row content does not match its chain hash (changed after sealing)");
    }
  }
  // Continue from the stored link: the next row is checked on its own, so one changed row
  // is reported as that row and not as every row after it.
  prev_hash_.assign(stored_hash.data(), stored_hash.size());
  expected_ = position + 1;
  ++report_.records_checked;
}

void ChainVerifier::AnchorsBefore(int64_t position) {
  const int64_t end = expected_ - 1;
  for (; next_anchor_ < anchors_.size() && anchors_[next_anchor_].position < position;
       ++next_anchor_) {
    const int64_t p = anchors_[next_anchor_].position;
    if (p > end) {
      Fail(p, 0,
           absl::StrCat("the anchor file has a checkpoint at position ", p,
                        " but the chain ends at ", end,
                        ": rows and checkpoints were removed from its end"));
    } else {
      Fail(p, 0,
           absl::StrCat("the anchored checkpoint at position ", p,
                        " is missing from the database (the chain was rewritten after it)"));
    }
  }
}

void ChainVerifier::AddCheckpoint(const Checkpoint& cp, std::optional<std::string_view> link_hash) {
  ++report_.checkpoints_checked;
  if (!link_hash) {
    Fail(cp.position, 0, "a signed checkpoint refers to chain rows that are gone");
  } else if (!ConstantTimeEquals(cp.hash, *link_hash)) {
    Fail(cp.position, 0, "chain does not match the signed checkpoint");
  }
  if (newest_ && cp.position == newest_->position) {
    newest_seen_ = true;
    if (!(cp == *newest_) || !CheckpointSignatureValidUnderAny(public_keys_, cp)) {
      Fail(cp.position, 0, "checkpoint signature is invalid");
    }
  }
  if (!report_.anchored) return;
  AnchorsBefore(cp.position);
  bool counted = false;
  for (; next_anchor_ < anchors_.size() && anchors_[next_anchor_].position == cp.position;
       ++next_anchor_) {
    if (!(anchors_[next_anchor_] == cp)) {
      Fail(cp.position, 0,
           absl::StrCat("the checkpoint at position ", cp.position,
                        " differs from its copy in the anchor file"));
    } else if (!counted) {
      ++report_.anchored_checkpoints_checked;
      counted = true;
    }
  }
}

std::optional<std::vector<Checkpoint>> ChainVerifier::TakeAnchors() && {
  if (!report_.anchored) return std::nullopt;
  return std::move(anchors_);
}

ChainReport ChainVerifier::Finish(int64_t unsealed) {
  if (newest_ && !newest_seen_) {
    Fail(newest_->position, 0, "a signed checkpoint refers to chain rows that are gone");
  }
  if (report_.anchored) {
    AnchorsBefore(std::numeric_limits<int64_t>::max());
    // One signature for the whole anchor file: a foreign file (another database or key) or
    // forged lines would otherwise show up only as "missing" checkpoints.
    if (!anchors_.empty() && !CheckpointSignatureValidUnderAny(public_keys_, anchors_.back())) {
      Fail(anchors_.back().position, 0,
           "the newest line of the anchor file is not signed with this server's audit key "
           "(nor an earlier one kept in the key file)");
    }
  }
  report_.unsealed = unsealed;
  return report_;
}

}  // namespace smd::crypto
