// The sequencer's wake-up notifications against a real PostgreSQL (issue 17 item 4): a pass
// that sequences copies for more users than one notification payload holds names them all,
// in several notifications under PostgreSQL's 8,000-byte limit, each led by the sequencing
// server's origin. It used to send one "*" instead, which woke every open stream of every
// server into an audited fetch: at 200 alerts/s to 10,000 streams, most passes did.

#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "store/alert_repository.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

class SeqListener final : public pqxx::notification_receiver {
 public:
  explicit SeqListener(pqxx::connection_base& c)
      : pqxx::notification_receiver(c, "smd_alert_seq") {}
  void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  std::vector<std::string> payloads;
};

TEST(AlertSequenceTest, APassForMoreUsersThanOnePayloadHoldsNamesThemAllWithoutWakingEveryone) {
  TestServer env("it_alert_sequence", 1);
  constexpr int kUsers = 400;  // 400 ids of 36 characters: twice what one payload holds
  env.db().ExecSuper(absl::StrCat(
      "INSERT INTO app_user (id, username, display_name, password_hash, role, jurisdiction, "
      "created_at, updated_at) SELECT gen_random_uuid(), 'seqtest' || g, '序列测试' || g, "
      "(SELECT password_hash FROM app_user WHERE username = 'admin'), 4, '320106001001', "
      "now(), now() FROM generate_series(1, ",
      kUsers, ") g"));
  std::set<std::string> users;
  for (absl::string_view u :
       absl::StrSplit(env.db().QueryValue("SELECT string_agg(id::text, ',') FROM app_user "
                                          "WHERE username LIKE 'seqtest%'"),
                      ',')) {
    users.emplace(u);
  }
  ASSERT_EQ(users.size(), static_cast<size_t>(kUsers));

  pqxx::connection listen(env.db().SuperDsn());
  SeqListener listener(listen);
  // One alert (a synthetic snapshot: nothing reads it here) with a copy for each of them,
  // committed at once: the server's pump sequences them in one pass.
  env.db().ExecSuper(
      "INSERT INTO alert (id, patient_id, jurisdiction, kind, severity, snapshot_enc, "
      "raised_at) SELECT gen_random_uuid(), id, jurisdiction, 5, 2, '\\x00'::bytea, now() "
      "FROM patient LIMIT 1");
  env.db().ExecSuper(
      "INSERT INTO alert_recipient (alert_id, user_id, role, reason) SELECT a.id, u.id, 4, 2 "
      "FROM alert a, app_user u WHERE u.username LIKE 'seqtest%'");

  std::set<std::string> named;  // of `users` (the server's own alerts may name others)
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (named.size() < users.size() && absl::Now() < until) {
    listen.await_notification(0, 200000);
    for (const std::string& p : listener.payloads) {
      EXPECT_NE(p, "*") << "a pass woke every stream";
      EXPECT_LT(p.size(), 8000u);
      EXPECT_FALSE(store::SequenceOrigin(p).empty()) << "no origin: " << p.substr(0, 40);
      for (absl::string_view u : absl::StrSplit(p, ',', absl::SkipEmpty())) {
        if (users.count(std::string(u)) > 0) named.emplace(u);
      }
    }
    listener.payloads.clear();
  }
  EXPECT_EQ(named, users);
  EXPECT_EQ(env.db().QueryValue("SELECT count(*) FROM alert_recipient WHERE seq IS NULL"), "0");
}

}  // namespace
}  // namespace smd::testing
