// Key rings and the rotation steps on them (docs/adr/0016-key-rotation.md): the key file's
// ring lines, FieldCipher and blind indexes over a ring, and checkpoints verified across an
// audit key rotation. Pure: no database.

#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/audit_chain.h"
#include "crypto/blind_index.h"
#include "crypto/encoding.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "crypto/signer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

KeyRing Fresh() {
  auto k = ParseKeyFile(GenerateKeyFileContents());
  EXPECT_TRUE(k.ok()) << k.status();
  return *k;
}

TEST(CryptoKeyRing, RingLinesParseAndFormatBack) {
  const std::string f(64, 'a'), f1(64, 'd'), i(64, 'b'), i3(64, 'e'), a(64, 'c'), pk(64, 'f');
  auto keys = ParseKeyFile(absl::StrCat("field_key=", f, "\nfield_key_id=2\nfield_key.1=", f1,
                                        "\nindex_key=", i, "\nindex_key.3=", i3,
                                        "\naudit_key=", a, "\naudit_key_id=4\n",
                                        "audit_public_key.2=", pk, "\n"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->field_key_id, 2);
  EXPECT_EQ(keys->other_field_keys.size(), 1u);
  EXPECT_EQ(keys->other_field_keys.count(1), 1u);
  EXPECT_EQ(keys->index_key_id, 1);
  EXPECT_EQ(keys->other_index_keys.count(3), 1u);
  EXPECT_EQ(keys->audit_key_id, 4);
  EXPECT_EQ(keys->audit_public_keys.count(2), 1u);
  auto again = ParseKeyFile(FormatKeyFile(*keys));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->field_key, keys->field_key);
  EXPECT_EQ(again->other_field_keys, keys->other_field_keys);
  EXPECT_EQ(again->other_index_keys, keys->other_index_keys);
  EXPECT_EQ(again->audit_public_keys, keys->audit_public_keys);
  EXPECT_EQ(again->audit_key_id, 4);
}

TEST(CryptoKeyRing, RejectsRepeatedIdsAndReusedKeysWithoutEchoingThem) {
  const std::string f(64, 'a'), i(64, 'b'), a(64, 'c');
  const std::string base = absl::StrCat("field_key=", f, "\nindex_key=", i, "\naudit_key=", a, "\n");
  // The active id again as a decrypt-only key.
  EXPECT_FALSE(ParseKeyFile(absl::StrCat(base, "field_key.1=", std::string(64, 'd'))).ok());
  // The same id twice.
  EXPECT_FALSE(ParseKeyFile(absl::StrCat(base, "field_key.2=", std::string(64, 'd'),
                                         "\nfield_key.2=", std::string(64, 'e')))
                   .ok());
  // An old field key equal to the index key.
  auto k = ParseKeyFile(absl::StrCat(base, "field_key.2=", i));
  EXPECT_EQ(k.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(k.status()), Not(HasSubstr(i)));
  // A bad id names the line, not the value.
  const std::string secret(64, '9');
  k = ParseKeyFile(absl::StrCat(base, "field_key.0=", secret));
  EXPECT_THAT(Msg(k.status()), HasSubstr("line 4"));
  EXPECT_THAT(Msg(k.status()), Not(HasSubstr(secret)));
}

TEST(CryptoKeyRing, RotateFieldKeepsTheOldKeyForDecryptionOnly) {
  const KeyRing old = Fresh();
  auto next = RotateKey(old, KeyKind::kField);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->field_key_id, 2);
  EXPECT_NE(next->field_key, old.field_key);
  ASSERT_EQ(next->other_field_keys.count(1), 1u);
  EXPECT_EQ(next->other_field_keys.at(1), old.field_key);
  EXPECT_TRUE(ParseKeyFile(FormatKeyFile(*next)).ok());

  // Old rows still decrypt under the new ring; new rows are written under key 2.
  const FieldCipher old_cipher(old), ring(*next);
  auto blob = old_cipher.Encrypt("330106197902020011", "patient.id_number_enc:x:v1");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(*ring.Decrypt(*blob, "patient.id_number_enc:x:v1"), "330106197902020011");
  auto fresh = ring.Encrypt("330106197902020011", "patient.id_number_enc:x:v1");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(FieldCipher::BlobKeyId(*fresh), 2);
  // A row re-encrypted under the new key is refused under the old key alone.
  EXPECT_EQ(old_cipher.Decrypt(*fresh, "patient.id_number_enc:x:v1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // And once key 1 is retired, its rows are refused too.
  auto retired = RemoveKey(*next, KeyKind::kField, 1);
  ASSERT_TRUE(retired.ok());
  EXPECT_EQ(FieldCipher(*retired).Decrypt(*blob, "patient.id_number_enc:x:v1").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CryptoKeyRing, StagedKeyDecryptsEverywhereBeforeItBecomesActive) {
  const KeyRing old = Fresh();
  auto staged = StageKey(old, KeyKind::kField);
  ASSERT_TRUE(staged.ok());
  EXPECT_EQ(staged->field_key_id, 1);  // still writing with key 1
  ASSERT_EQ(staged->other_field_keys.count(2), 1u);
  auto active = RotateKey(*staged, KeyKind::kField);
  ASSERT_TRUE(active.ok());
  // The staged key, not a new one, becomes active: what the other servers already hold.
  EXPECT_EQ(active->field_key_id, 2);
  EXPECT_EQ(active->field_key, staged->other_field_keys.at(2));
  // A server still on the staged ring reads what the rotated one writes.
  auto blob = FieldCipher(*active).Encrypt("text", "aad");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(*FieldCipher(*staged).Decrypt(*blob, "aad"), "text");
  EXPECT_EQ(StageKey(old, KeyKind::kAudit).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CryptoKeyRing, RemoveRefusesTheActiveKeyAndUnknownIds) {
  auto next = RotateKey(Fresh(), KeyKind::kIndex);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(RemoveKey(*next, KeyKind::kIndex, 2).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RemoveKey(*next, KeyKind::kIndex, 9).status().code(), absl::StatusCode::kNotFound);
  auto removed = RemoveKey(*next, KeyKind::kIndex, 1);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->other_index_keys.empty());
}

TEST(CryptoKeyRing, BlindIndexesCoverEveryKeyOfTheRingActiveFirst) {
  const KeyRing old = Fresh();
  auto next = RotateKey(old, KeyKind::kIndex);
  ASSERT_TRUE(next.ok());
  auto all = BlindIndexes(*next, "id_number", "330106197902020011");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], BlindIndex(*next, "id_number", "330106197902020011"));
  // A row indexed before the rotation matches the second.
  EXPECT_EQ(all[1], BlindIndex(old, "id_number", "330106197902020011"));
  EXPECT_NE(all[0], all[1]);
}

TEST(CryptoKeyRing, CheckpointsStayVerifiableAcrossAnAuditKeyRotation) {
  const KeyRing old = Fresh();
  auto next = RotateKey(old, KeyKind::kAudit);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->audit_key_id, 2);
  EXPECT_NE(next->audit_key, old.audit_key);
  const Signer old_signer(old), new_signer(*next);
  // The old seed is gone from the file; its public key is kept.
  ASSERT_EQ(next->audit_public_keys.count(1), 1u);
  EXPECT_EQ(next->audit_public_keys.at(1), old_signer.PublicKey());
  EXPECT_THAT(FormatKeyFile(*next), Not(HasSubstr(HexEncode(old.audit_key))));
  ASSERT_EQ(new_signer.TrustedPublicKeys().size(), 2u);

  const Checkpoint before = SignCheckpoint(old_signer, 5, std::string(32, '\x01'), 10);
  const Checkpoint after = SignCheckpoint(new_signer, 9, std::string(32, '\x02'), 20);
  EXPECT_TRUE(CheckpointSignatureValidUnderAny(new_signer.TrustedPublicKeys(), before));
  EXPECT_TRUE(CheckpointSignatureValidUnderAny(new_signer.TrustedPublicKeys(), after));
  // Without the kept public key the old checkpoint is not trusted.
  EXPECT_FALSE(
      CheckpointSignatureValidUnderAny({new_signer.PublicKey()}, before));
  // A key the file never held is not trusted either.
  const Signer stranger(Fresh());
  EXPECT_FALSE(CheckpointSignatureValidUnderAny(
      new_signer.TrustedPublicKeys(), SignCheckpoint(stranger, 9, std::string(32, '\x02'), 20)));
}

TEST(CryptoKeyRing, KindNamesParse) {
  EXPECT_EQ(*ParseKeyKind("field"), KeyKind::kField);
  EXPECT_EQ(*ParseKeyKind("blind-index"), KeyKind::kIndex);
  EXPECT_EQ(*ParseKeyKind("audit"), KeyKind::kAudit);
  EXPECT_EQ(ParseKeyKind("index").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace smd::crypto
