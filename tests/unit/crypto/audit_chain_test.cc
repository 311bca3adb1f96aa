// The audit chain's pure part (crypto/audit_chain.h): the canonical row, the link, the
// checkpoint message, the anchor line, and ChainVerifier on every kind of tampering.

#include "crypto/audit_chain.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_keys.h"

namespace smd::crypto {
namespace {

using test::TestKeys;
using ::testing::HasSubstr;

AuditRow Row(int64_t id, uint64_t tx) {
  AuditRow r;
  r.id = id;
  r.tx = tx;
  r.at_micros = 1796567717466383 + id;
  r.user_id = "c2cf6200-d869-4788-98c9-fdc805e031b4";
  r.username = "doctor";
  r.role = 1;
  r.jurisdiction = "320106001";
  r.method = "/smd.v1.PatientService/GetPatient";
  r.patient_ids = "0b1e4f0c-5a4e-4c1e-9d1e-2f0a3b4c5d6e";
  r.outcome = "OK";
  r.peer = "ipv4:127.0.0.1:39124";
  r.request_id = "98ac621f-683e-42b9-b4f1-6178762c9655";
  r.detail = "returned=1";
  return r;
}

TEST(AuditChain, CanonicalRowIsTheDocumentedEncoding) {
  AuditRow r;
  r.id = 7;
  r.tx = 745;
  r.at_micros = 1796569539263377;
  r.user_id = "";
  r.username = "审计员";  // 9 UTF-8 bytes
  r.role = 7;
  r.jurisdiction = "320106";
  r.method = "m";
  r.patient_ids = "a,b";
  r.outcome = "OK";
  r.peer = "";
  r.request_id = "r;1:";
  r.detail = "x";
  EXPECT_EQ(CanonicalAuditRow(r),
            "smd-audit-v1;1:7;3:745;16:1796569539263377;0:;9:审计员;1:7;6:320106;1:m;3:a,b;"
            "2:OK;0:;4:r;1:;1:x;");
}

TEST(AuditChain, LengthPrefixesKeepFieldBoundaries) {
  AuditRow a = Row(1, 1), b = Row(1, 1);
  a.username = "ab";
  a.jurisdiction = "c";
  b.username = "a";
  b.jurisdiction = "bc";
  EXPECT_NE(CanonicalAuditRow(a), CanonicalAuditRow(b));
  // A field that contains the separators of the encoding cannot imitate two fields.
  AuditRow c = Row(1, 1), d = Row(1, 1);
  c.peer = "";
  c.request_id = "x;2:yy";
  d.peer = "x";
  d.request_id = "yy";
  EXPECT_NE(CanonicalAuditRow(c), CanonicalAuditRow(d));
}

TEST(AuditChain, EveryFieldIsCovered) {
  const std::vector<std::pair<const char*, std::function<void(AuditRow&)>>> edits = {
      {"id", [](AuditRow& r) { r.id += 1; }},
      {"tx", [](AuditRow& r) { r.tx += 1; }},
      {"at", [](AuditRow& r) { r.at_micros -= 1; }},
      {"user_id", [](AuditRow& r) { r.user_id = ""; }},
      {"username", [](AuditRow& r) { r.username = "doctor2"; }},
      {"role", [](AuditRow& r) { r.role = 2; }},
      {"jurisdiction", [](AuditRow& r) { r.jurisdiction = "320106002"; }},
      {"method", [](AuditRow& r) { r.method = "/smd.v1.PatientService/SearchPatients"; }},
      {"patient_ids", [](AuditRow& r) { r.patient_ids = ""; }},
      {"outcome", [](AuditRow& r) { r.outcome = "PERMISSION_DENIED"; }},
      {"peer", [](AuditRow& r) { r.peer = "ipv4:10.0.0.1:1"; }},
      {"request_id", [](AuditRow& r) { r.request_id = "other"; }},
      {"detail", [](AuditRow& r) { r.detail = "returned=0"; }},
  };
  const std::string original = CanonicalAuditRow(Row(5, 9));
  for (const auto& [name, edit] : edits) {
    AuditRow r = Row(5, 9);
    edit(r);
    EXPECT_NE(CanonicalAuditRow(r), original) << name;
  }
}

TEST(AuditChain, LinkIsSha256OfPreviousHashAndRow) {
  const std::string canonical = CanonicalAuditRow(Row(1, 1));
  EXPECT_EQ(GenesisHash(), std::string(32, '\0'));
  const std::string h1 = ChainLink(GenesisHash(), canonical);
  EXPECT_EQ(h1, Sha256(GenesisHash() + canonical));
  EXPECT_EQ(ChainLink(h1, canonical), Sha256(h1 + canonical));
  EXPECT_NE(ChainLink(h1, canonical), h1);
  // SHA-256("abc") with an empty previous hash: the link is plain SHA-256 of the bytes.
  EXPECT_EQ(HexEncode(ChainLink("", "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuditChain, CheckpointMessageAndSignature) {
  const std::string hash(32, '\x01');
  EXPECT_EQ(CheckpointMessage(12, "ab", 99), "smd-audit-checkpoint-v1;2:12;2:ab;2:99;");
  Signer signer(TestKeys());
  Checkpoint cp = SignCheckpoint(signer, 12, hash, 99);
  EXPECT_TRUE(CheckpointSignatureValid(signer.PublicKey(), cp));
  for (auto edit : std::vector<std::function<void(Checkpoint&)>>{
           [](Checkpoint& c) { c.position = 13; }, [](Checkpoint& c) { c.hash[0] = 'x'; },
           [](Checkpoint& c) { c.watermark = 98; }, [](Checkpoint& c) { c.signature[5] ^= 1; }}) {
    Checkpoint bad = cp;
    edit(bad);
    EXPECT_FALSE(CheckpointSignatureValid(signer.PublicKey(), bad));
  }
}

TEST(AuditChain, AnchorLineRoundTrips) {
  Signer signer(TestKeys());
  const Checkpoint cp = SignCheckpoint(signer, 4242, std::string(32, '\x7f'), 1234567);
  const std::string line = AnchorLine(cp, "2026-12-06T15:00:00Z");
  EXPECT_EQ(line.rfind("smd-audit-anchor-v1 4242 7f7f", 0), 0u) << line;
  auto parsed = ParseAnchorLine(line);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, cp);
  EXPECT_TRUE(ParseAnchorLine(AnchorLine(cp, "")).ok());  // an empty note is written as "-"
}

TEST(AuditChain, AnchorLineRejectsDamage) {
  Signer signer(TestKeys());
  const std::string good = AnchorLine(SignCheckpoint(signer, 1, std::string(32, 'h'), 2), "n");
  for (const std::string& bad : {
           std::string(""), "smd-audit-anchor-v2" + good.substr(19), good + " extra",
           std::string("smd-audit-anchor-v1 0 ") + std::string(64, 'a') + " 2 " +
               std::string(128, 'b') + " n",  // position 0
           std::string("smd-audit-anchor-v1 1 ") + std::string(62, 'a') + " 2 " +
               std::string(128, 'b') + " n",  // short hash
           std::string("smd-audit-anchor-v1 1 ") + std::string(64, 'a') + " x " +
               std::string(128, 'b') + " n",  // watermark not a number
           std::string("smd-audit-anchor-v1 1 ") + std::string(64, 'a') + " 2 " +
               std::string(126, 'b') + " n",  // short signature
           std::string("smd-audit-anchor-v1 1 ") + std::string(64, 'g') + " 2 " +
               std::string(128, 'b') + " n",  // not hex
       }) {
    EXPECT_FALSE(ParseAnchorLine(bad).ok()) << bad;
  }
}

// A sealed chain as the database holds it: rows, stored hashes, checkpoints.
struct Chain {
  std::vector<AuditRow> rows;         // position i+1
  std::vector<std::string> hashes;    // stored hash of position i+1
  std::map<int64_t, Checkpoint> cps;  // by position
};

Chain Build(int n, const Signer& signer, const std::vector<int64_t>& checkpoint_at) {
  Chain c;
  std::string h = GenesisHash();
  for (int i = 1; i <= n; ++i) {
    c.rows.push_back(Row(100 + i, 500 + static_cast<uint64_t>(i / 2)));
    h = ChainLink(h, CanonicalAuditRow(c.rows.back()));
    c.hashes.push_back(h);
  }
  for (int64_t p : checkpoint_at) c.cps[p] = SignCheckpoint(signer, p, c.hashes[p - 1], 1000 + p);
  return c;
}

// Recomputes the stored hashes from position `from` on, as someone with write access to
// the tables (but not the key) would after changing rows.
void Relink(Chain& c, size_t from) {
  std::string h = from == 1 ? GenesisHash() : c.hashes[from - 2];
  for (size_t p = from; p <= c.rows.size(); ++p) {
    h = ChainLink(h, CanonicalAuditRow(c.rows[p - 1]));
    c.hashes[p - 1] = h;
  }
  c.hashes.resize(c.rows.size());
}

std::optional<Checkpoint> Newest(const Chain& c) {
  if (c.cps.empty()) return std::nullopt;
  return c.cps.rbegin()->second;
}

// Feeds the chain to a verifier as store::VerifyChain does: the links in position order
// (positions as stored: `positions` overrides 1..n), then the checkpoints with the stored
// hash at their position.
ChainReport Verify(const Chain& c, const std::string& public_key,
                   std::optional<std::vector<Checkpoint>> anchors = std::nullopt,
                   std::vector<int64_t> positions = {}, std::vector<bool> missing_row = {}) {
  if (positions.empty()) {
    for (size_t i = 0; i < c.rows.size(); ++i) positions.push_back(static_cast<int64_t>(i + 1));
  }
  ChainVerifier v(public_key, Newest(c), std::move(anchors));
  std::map<int64_t, std::string> stored;
  for (size_t i = 0; i < c.rows.size(); ++i) {
    const bool gone = i < missing_row.size() && missing_row[i];
    v.AddLink(positions[i], c.hashes[i], gone ? nullptr : &c.rows[i]);
    stored[positions[i]] = c.hashes[i];
  }
  for (const auto& [p, cp] : c.cps) {
    auto it = stored.find(p);
    v.AddCheckpoint(
        cp, it == stored.end() ? std::nullopt : std::optional<std::string_view>(it->second));
  }
  return v.Finish(0);
}

std::vector<Checkpoint> AnchorOf(const Chain& c) {
  std::vector<Checkpoint> out;
  for (const auto& [p, cp] : c.cps) out.push_back(cp);
  return out;
}

class ChainVerifierTest : public ::testing::Test {
 protected:
  Signer signer_{TestKeys()};
  const std::string& key() const { return signer_.PublicKey(); }
};

TEST_F(ChainVerifierTest, AnIntactChainVerifies) {
  Chain c = Build(50, signer_, {10, 30, 50});
  ChainReport r = Verify(c, key(), AnchorOf(c));
  EXPECT_TRUE(r.intact) << r.problem;
  EXPECT_EQ(r.records_checked, 50);
  EXPECT_EQ(r.checkpoints_checked, 3);
  EXPECT_TRUE(r.anchored);
  EXPECT_EQ(r.anchored_checkpoints_checked, 3);
  EXPECT_EQ(r.newest_anchored_position, 50);
  EXPECT_EQ(r.newest_checkpoint_position, 50);
  // Without an anchor the report says so.
  ChainReport plain = Verify(c, key());
  EXPECT_TRUE(plain.intact);
  EXPECT_FALSE(plain.anchored);
  // An empty chain is intact too.
  ChainVerifier empty(key(), std::nullopt, std::vector<Checkpoint>{});
  EXPECT_TRUE(empty.Finish(3).intact);
}

TEST_F(ChainVerifierTest, AChangeToAnyFieldIsReportedAtItsRow) {
  const std::vector<std::function<void(AuditRow&)>> edits = {
      [](AuditRow& r) { r.id += 1000; },  // keeps the (tx, id) order
      [](AuditRow& r) { r.at_micros -= 3600000000LL; },
      [](AuditRow& r) { r.user_id = "00000000-0000-4000-8000-000000000000"; },
      [](AuditRow& r) { r.username = "someone"; },
      [](AuditRow& r) { r.role = 3; },
      [](AuditRow& r) { r.jurisdiction = "320106002"; },
      [](AuditRow& r) { r.method = "/smd.v1.AuthService/Login"; },
      [](AuditRow& r) { r.patient_ids = ""; },
      [](AuditRow& r) { r.outcome = "PERMISSION_DENIED"; },
      [](AuditRow& r) { r.peer = "ipv4:10.9.9.9:1"; },
      [](AuditRow& r) { r.request_id = "forged"; },
      [](AuditRow& r) { r.detail = "returned=0"; },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    Chain c = Build(30, signer_, {10, 30});
    edits[i](c.rows[19]);  // position 20
    ChainReport r = Verify(c, key(), AnchorOf(c));
    EXPECT_FALSE(r.intact) << i;
    EXPECT_EQ(r.first_break_position, 20) << i;
    EXPECT_EQ(r.first_break_audit_id, c.rows[19].id) << i;
    EXPECT_THAT(r.problem, HasSubstr("changed")) << i;
    EXPECT_EQ(r.records_checked, 30) << i;  // the walk goes on
  }
  // The tx is covered too (a change that keeps the chain order).
  Chain c = Build(30, signer_, {30});
  c.rows[19].tx = c.rows[18].tx;  // 510 -> 509: still after position 19 (509, 119)
  ChainReport r = Verify(c, key());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 20);
}

TEST_F(ChainVerifierTest, AChangedRowRelinkedIsCaughtByTheNextCheckpoint) {
  Chain c = Build(30, signer_, {10, 25, 30});
  c.rows[14].outcome = "OK-forged";  // position 15
  Relink(c, 15);
  ChainReport r = Verify(c, key());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 25);
  EXPECT_THAT(r.problem, HasSubstr("does not match the signed checkpoint"));
}

TEST_F(ChainVerifierTest, ADeletedRowLeavesAGap) {
  Chain c = Build(30, signer_, {30});
  std::vector<int64_t> positions;
  for (int64_t p = 1; p <= 30; ++p) {
    if (p != 12) positions.push_back(p);
  }
  c.rows.erase(c.rows.begin() + 11);
  c.hashes.erase(c.hashes.begin() + 11);
  ChainReport r = Verify(c, key(), std::nullopt, positions);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 12);
  EXPECT_THAT(r.problem, HasSubstr("position 12 is missing"));
}

TEST_F(ChainVerifierTest, ARowGoneFromUnderItsSealIsReported) {
  Chain c = Build(20, signer_, {20});
  std::vector<bool> missing(20, false);
  missing[6] = true;
  ChainReport r = Verify(c, key(), std::nullopt, {}, missing);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 7);
  EXPECT_THAT(r.problem, HasSubstr("missing (deleted)"));
}

TEST_F(ChainVerifierTest, ADeletedRowRelinkedWithLaterCheckpointsDroppedNeedsTheAnchor) {
  // The probe's rewrite: delete a row, re-link the rest, drop every checkpoint after it.
  Chain original = Build(40, signer_, {10, 20, 30, 40});
  Chain c = original;
  c.rows.erase(c.rows.begin() + 14);  // position 15
  c.hashes.pop_back();
  Relink(c, 15);
  c.cps.erase(c.cps.upper_bound(10), c.cps.end());
  // The database alone is consistent: this is why the anchor exists.
  EXPECT_TRUE(Verify(c, key()).intact);
  ChainReport r = Verify(c, key(), AnchorOf(original));
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 20);
  EXPECT_THAT(r.problem, HasSubstr("anchored checkpoint at position 20 is missing"));
  EXPECT_EQ(r.anchored_checkpoints_checked, 1);  // position 10 still matches
}

TEST_F(ChainVerifierTest, ARewriteThatTheSealerThenCheckpointsAgainIsSeen) {
  // After the rewrite the sealer goes on and signs the rewritten chain at position 20:
  // a valid signature, but not the anchored one.
  Chain original = Build(40, signer_, {10, 20});
  Chain c = original;
  c.rows[14].detail = "rewritten";
  Relink(c, 15);
  c.cps.erase(20);
  c.cps[20] = SignCheckpoint(signer_, 20, c.hashes[19], 1020);
  EXPECT_TRUE(Verify(c, key()).intact);
  ChainReport r = Verify(c, key(), AnchorOf(original));
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 20);
  EXPECT_THAT(r.problem, HasSubstr("differs from its copy in the anchor file"));
}

TEST_F(ChainVerifierTest, TruncatingTheTailIsSeenOnlyWithTheAnchor) {
  Chain original = Build(40, signer_, {10, 20, 30, 40});
  Chain c = original;
  c.rows.resize(25);
  c.hashes.resize(25);
  c.cps.erase(30);
  c.cps.erase(40);
  EXPECT_TRUE(Verify(c, key()).intact);
  ChainReport r = Verify(c, key(), AnchorOf(original));
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 30);  // the lowest anchored position beyond the end
  EXPECT_THAT(r.problem, HasSubstr("removed from its end"));
}

// A forged row placed inside the sealed part of the chain, in (tx, id) order after
// position 15 (tx 507, id 115) and before position 16 (tx 508, id 116).
AuditRow Forged(const Chain& c) {
  AuditRow extra = c.rows[14];
  extra.id = 1000;
  extra.detail = "forged";
  return extra;
}

TEST_F(ChainVerifierTest, AnInsertedRowBreaksTheNextLink) {
  Chain c = Build(30, signer_, {10, 30});
  const AuditRow extra = Forged(c);
  c.rows.insert(c.rows.begin() + 15, extra);
  c.hashes.insert(c.hashes.begin() + 15, ChainLink(c.hashes[14], CanonicalAuditRow(extra)));
  ChainReport r = Verify(c, key());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 17);  // the old position 16 no longer links
  EXPECT_THAT(r.problem, HasSubstr("changed"));
}

TEST_F(ChainVerifierTest, AnInsertedRowRelinkedIsCaughtByTheNextCheckpoint) {
  Chain c = Build(30, signer_, {10, 20, 30});
  c.rows.insert(c.rows.begin() + 15, Forged(c));
  c.hashes.push_back("");
  Relink(c, 16);
  c.rows.pop_back();  // keep 30 positions, so the checkpoints still have their links
  c.hashes.pop_back();
  ChainReport r = Verify(c, key());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 20);
  EXPECT_THAT(r.problem, HasSubstr("does not match the signed checkpoint"));
}

TEST_F(ChainVerifierTest, RowsOutOfChainOrderAreReported) {
  Chain c = Build(20, signer_, {20});
  std::swap(c.rows[8], c.rows[9]);
  Relink(c, 9);
  ChainReport r = Verify(c, key());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 10);
  EXPECT_THAT(r.problem, HasSubstr("out of chain order"));
}

TEST_F(ChainVerifierTest, TheNewestCheckpointsSignatureIsChecked) {
  Chain c = Build(20, signer_, {10, 20});
  c.cps[20].signature[10] ^= 0x40;
  ChainReport r = Verify(c, key());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 20);
  EXPECT_THAT(r.problem, HasSubstr("signature is invalid"));
  // Signed with another key (someone who re-signed a rewritten chain without audit_key).
  KeyRing other = TestKeys();
  other.audit_key = std::string(32, '\x44');
  Signer forger(other);
  Chain f = Build(20, signer_, {10});
  f.cps[20] = SignCheckpoint(forger, 20, f.hashes[19], 1020);
  ChainReport rf = Verify(f, key());
  EXPECT_FALSE(rf.intact);
  EXPECT_THAT(rf.problem, HasSubstr("signature is invalid"));
}

TEST_F(ChainVerifierTest, AnOlderCheckpointsForgedSignatureIsSeenThroughTheAnchor) {
  // An older checkpoint is authenticated through the newest one's signature (the hash chain
  // covers it); its own signature bytes are compared with the anchored copy.
  Chain original = Build(20, signer_, {10, 20});
  Chain c = original;
  c.cps[10].signature[3] ^= 0x01;
  EXPECT_TRUE(Verify(c, key()).intact);  // no anchor: the chain itself is untouched
  ChainReport r = Verify(c, key(), AnchorOf(original));
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 10);
  EXPECT_THAT(r.problem, HasSubstr("differs from its copy in the anchor file"));
}

TEST_F(ChainVerifierTest, ASkippedCheckpointIsSeenThroughTheAnchor) {
  Chain original = Build(30, signer_, {10, 20, 30});
  Chain c = original;
  c.cps.erase(20);
  EXPECT_TRUE(Verify(c, key()).intact);
  ChainReport r = Verify(c, key(), AnchorOf(original));
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_break_position, 20);
  EXPECT_THAT(r.problem, HasSubstr("missing from the database"));
}

TEST_F(ChainVerifierTest, AForeignAnchorFileIsReported) {
  KeyRing other = TestKeys();
  other.audit_key = std::string(32, '\x55');
  Signer stranger(other);
  Chain c = Build(20, signer_, {20});
  std::vector<Checkpoint> foreign = {SignCheckpoint(stranger, 5, c.hashes[4], 1005)};
  ChainReport r = Verify(c, key(), foreign);
  EXPECT_FALSE(r.intact);
  // Position 5 has no checkpoint in the database; the first break names it.
  EXPECT_EQ(r.first_break_position, 5);
}

TEST_F(ChainVerifierTest, CheckpointsBeyondTheChainAreReported) {
  Chain c = Build(20, signer_, {10, 20});
  c.rows.resize(15);
  c.hashes.resize(15);
  ChainReport r = Verify(c, key());
  EXPECT_FALSE(r.intact);
  EXPECT_THAT(r.problem, HasSubstr("refers to chain rows that are gone"));
}

TEST_F(ChainVerifierTest, TheBreakAtTheLowestPositionIsKept) {
  Chain c = Build(20, signer_, {20});
  c.rows[4].detail = "first";
  c.rows[14].detail = "second";
  ChainVerifier v(key(), Newest(c), std::nullopt);
  v.Fail(0, 99, "found outside the chain");
  for (size_t i = 0; i < c.rows.size(); ++i) {
    v.AddLink(static_cast<int64_t>(i + 1), c.hashes[i], &c.rows[i]);
  }
  v.Fail(3, 98, "found later, lower position");
  v.AddCheckpoint(c.cps[20], c.hashes[19]);
  ChainReport r = v.Finish(2);
  EXPECT_EQ(r.first_break_position, 3);
  EXPECT_EQ(r.first_break_audit_id, 98);
  EXPECT_EQ(r.unsealed, 2);
  EXPECT_EQ(r.records_checked, 20);
  // A break outside the chain is reported when it is the only one.
  Chain ok = Build(5, signer_, {5});
  ChainVerifier w(key(), Newest(ok), std::nullopt);
  for (size_t i = 0; i < ok.rows.size(); ++i) {
    w.AddLink(static_cast<int64_t>(i + 1), ok.hashes[i], &ok.rows[i]);
  }
  w.AddCheckpoint(ok.cps[5], ok.hashes[4]);
  w.Fail(0, 77, "an audit row below a signed watermark is not sealed");
  ChainReport only = w.Finish(0);
  EXPECT_FALSE(only.intact);
  EXPECT_EQ(only.first_break_audit_id, 77);
}

}  // namespace
}  // namespace smd::crypto
