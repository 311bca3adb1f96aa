#include "runtime/config.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/net_address.h"
#include "domain/rule_options.h"

namespace smd::runtime {
namespace {

struct Flag {
  std::function<bool(Config&, const std::string&)> set;
  bool boolean = false;
};

bool SetBool(bool& field, const std::string& v) {
  const std::string l = absl::AsciiStrToLower(v);
  field = l.empty() || l == "1" || l == "true" || l == "yes";
  return field || l == "0" || l == "false" || l == "no";
}

bool SetInt(int& field, const std::string& v, int lo, int hi) {
  int x = 0;
  if (!absl::SimpleAtoi(v, &x) || x < lo || x > hi) return false;
  field = x;
  return true;
}

// Adds the comma-separated certificate identities of `v` to `names`: each trimmed of
// spaces, non-empty, at most 255 bytes, without control characters.
bool AddGatewayNames(std::vector<std::string>& names, const std::string& v) {
  for (absl::string_view piece : absl::StrSplit(v, ',')) {
    const absl::string_view name = absl::StripAsciiWhitespace(piece);
    if (name.empty() || name.size() > 255) return false;
    for (char c : name) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    }
    names.emplace_back(name);
  }
  return true;
}

// Adds the comma-separated NAME=VALUE items of `v` (each trimmed, non-empty) to `options`.
// Whether a name and value are known is checked by ValidateConfig, with a clear message.
bool AddRuleOptions(std::vector<std::string>& options, const std::string& v) {
  for (absl::string_view piece : absl::StrSplit(v, ',')) {
    const absl::string_view item = absl::StripAsciiWhitespace(piece);
    if (item.empty()) return false;
    options.emplace_back(item);
  }
  return true;
}

const std::map<std::string, Flag>& Flags() {
  static const std::map<std::string, Flag> flags = {
      {"listen", {[](Config& c, const std::string& v) { c.listen = v; return !v.empty(); }}},
      {"database-url", {[](Config& c, const std::string& v) { c.database_url = v; return true; }}},
      {"key-file", {[](Config& c, const std::string& v) { c.key_file = v; return true; }}},
      {"tls-cert", {[](Config& c, const std::string& v) { c.tls_cert = v; return true; }}},
      {"tls-key", {[](Config& c, const std::string& v) { c.tls_key = v; return true; }}},
      {"tls-client-ca", {[](Config& c, const std::string& v) { c.tls_client_ca = v; return true; }}},
      {"trusted-gateway",
       {[](Config& c, const std::string& v) { return AddGatewayNames(c.trusted_gateways, v); }}},
      {"insecure",
       {[](Config& c, const std::string& v) {
          std::string l = absl::AsciiStrToLower(v);
          c.insecure = l.empty() || l == "1" || l == "true" || l == "yes";
          return c.insecure || l == "0" || l == "false" || l == "no";
        },
        true}},
      {"db-pool", {[](Config& c, const std::string& v) { return SetInt(c.db_pool, v, 1, 256); }}},
      // High availability (docs/operations.md "High availability and failover").
      {"db-failover-wait-ms",
       {[](Config& c, const std::string& v) {
         return SetInt(c.db_failover_wait_ms, v, 0, 60000);
       }}},
      {"audit-seal-interval-ms",
       {[](Config& c, const std::string& v) {
         return SetInt(c.audit_seal_interval_ms, v, 10, 600000);
       }}},
      {"audit-anchor-file",
       {[](Config& c, const std::string& v) {
         c.audit_anchor_file = v;
         return !v.empty();
       }}},
      {"session-ttl-minutes",
       {[](Config& c, const std::string& v) { return SetInt(c.session_ttl_minutes, v, 1, 1440); }}},
      {"session-idle-minutes",
       {[](Config& c, const std::string& v) { return SetInt(c.session_idle_minutes, v, 1, 1440); }}},
      {"password-log2-n",
       {[](Config& c, const std::string& v) { return SetInt(c.password_log2_n, v, 4, 20); }}},
      {"demo-patients",
       {[](Config& c, const std::string& v) { return SetInt(c.demo_patients, v, 0, 100000); }}},
      {"out", {[](Config& c, const std::string& v) { c.out = v; return true; }}},
      // keys (key rotation): rows per batch and a batch limit for `keys rewrite`.
      {"batch-rows",
       {[](Config& c, const std::string& v) { return SetInt(c.key_batch_rows, v, 1, 10000); }}},
      {"max-batches",
       {[](Config& c, const std::string& v) {
          int n = 0;
          if (!SetInt(n, v, 0, 1000000000)) return false;
          c.key_max_batches = n;
          return true;
        }}},
      {"ack-critical-seconds",
       {[](Config& c, const std::string& v) { return SetInt(c.ack_critical_seconds, v, 1, 604800); }}},
      {"ack-high-seconds",
       {[](Config& c, const std::string& v) { return SetInt(c.ack_high_seconds, v, 1, 604800); }}},
      {"ack-warning-seconds",
       {[](Config& c, const std::string& v) { return SetInt(c.ack_warning_seconds, v, 1, 604800); }}},
      {"alert-poll-ms",
       {[](Config& c, const std::string& v) { return SetInt(c.alert_poll_ms, v, 10, 60000); }}},
      {"alert-escalate-interval-ms",
       {[](Config& c, const std::string& v) {
         return SetInt(c.alert_escalate_interval_ms, v, 10, 3600000);
       }}},
      {"alert-heartbeat-seconds",
       {[](Config& c, const std::string& v) {
         return SetInt(c.alert_heartbeat_seconds, v, 1, 3600);
       }}},
      {"alert-overdue-interval-seconds",
       {[](Config& c, const std::string& v) {
         return SetInt(c.alert_overdue_interval_seconds, v, 1, 86400);
       }}},
      {"alert-duty-roles",
       {[](Config& c, const std::string& v) {
         c.alert_duty_roles = v;
         return !v.empty();
       }}},
      {"alert-reroute-days",
       {[](Config& c, const std::string& v) { return SetInt(c.alert_reroute_days, v, 1, 90); }}},
      {"idempotency-retention-hours",
       {[](Config& c, const std::string& v) {
         return SetInt(c.idempotency_retention_hours, v, 1, 720);
       }}},
      {"signin-threads",
       {[](Config& c, const std::string& v) { return SetInt(c.signin_threads, v, 1, 64); }}},
      {"signin-queue",
       {[](Config& c, const std::string& v) { return SetInt(c.signin_queue, v, 1, 100000); }}},
      {"signin-source-limit",
       {[](Config& c, const std::string& v) {
         return SetInt(c.signin_source_limit, v, 1, 1000000);
       }}},
      {"signin-source-window-seconds",
       {[](Config& c, const std::string& v) {
         return SetInt(c.signin_source_window_seconds, v, 1, 86400);
       }}},
      {"audit-unauth-window-seconds",
       {[](Config& c, const std::string& v) {
         return SetInt(c.audit_unauth_window_seconds, v, 1, 3600);
       }}},
      {"audit-unauth-rows-per-source",
       {[](Config& c, const std::string& v) {
         return SetInt(c.audit_unauth_rows_per_source, v, 0, 100000);
       }}},
      {"audit-unauth-sources",
       {[](Config& c, const std::string& v) {
         return SetInt(c.audit_unauth_sources, v, 1, 100000);
       }}},
      {"rule-set", {[](Config& c, const std::string& v) { c.rule_set = v; return !v.empty(); }}},
      {"rule-option",
       {[](Config& c, const std::string& v) { return AddRuleOptions(c.rule_options, v); }}},
      {"designated-hospital",
       {[](Config& c, const std::string& v) {
         c.designated_hospital = v;
         return !v.empty();
       }}},
      // Monitoring (docs/operations.md "Monitoring"): "" turns the endpoint off.
      {"monitoring-listen",
       {[](Config& c, const std::string& v) { c.monitoring_listen = v; return true; }}},
      {"monitoring-allow-remote",
       {[](Config& c, const std::string& v) { return SetBool(c.monitoring_allow_remote, v); },
        true}},
      {"username", {[](Config& c, const std::string& v) { c.username = v; return true; }}},
      {"district", {[](Config& c, const std::string& v) { c.district = v; return true; }}},
      {"district-name", {[](Config& c, const std::string& v) { c.district_name = v; return true; }}},
  };
  return flags;
}

// Repeatable flags add to a list. Each is emptied before its first occurrence on the
// command line, so that the command line replaces the environment's value, as for others.
const std::map<std::string, std::function<void(Config&)>>& RepeatableFlags() {
  static const std::map<std::string, std::function<void(Config&)>> flags = {
      {"trusted-gateway", [](Config& c) { c.trusted_gateways.clear(); }},
      {"rule-option", [](Config& c) { c.rule_options.clear(); }},
  };
  return flags;
}

}  // namespace

std::string Usage() {
  return "usage: smd-server COMMAND [--flag=value ...]\n"
         "commands:\n"
         "  serve       run the gRPC server\n"
         "  migrate     apply schema migrations (as the schema owner role)\n"
         "  seed-demo   load synthetic demo data and print the demo users\n"
         "  bootstrap   create the first admin and its top region: --district takes a district,\n"
         "              city or province code (password from SMD_ADMIN_PASSWORD)\n"
         "  keygen      write a new key file (--out FILE, mode 0600)\n"
         "  audit-verify  verify the audit chain against the database and the anchor file\n"
         "              (exit 0 intact, 6 broken, 1 error)\n"
         "  keys status                       the key file's keys and what uses each\n"
         "  keys stage field|blind-index      add a new key that decrypts/searches only\n"
         "  keys rotate field|blind-index|audit  make a new key the active one\n"
         "  keys rewrite field|blind-index    re-encrypt / re-index rows under the active key\n"
         "              (online, in batches, resumable: --batch-rows, --max-batches)\n"
         "  keys retire field|blind-index|audit ID  drop key ID once nothing uses it\n"
         "              (docs/operations.md \"Key rotation\")\n"
         "flags (each also from the environment as SMD_<NAME>, e.g. SMD_DATABASE_URL):\n"
         "  --listen --database-url --key-file --tls-cert --tls-key --tls-client-ca --insecure\n"
         "  --trusted-gateway NAME[,NAME] (repeatable; the web gateway's certificate CN or DNS\n"
         "              name, whose x-forwarded-for is honoured; needs --tls-client-ca)\n"
         "  --db-pool (1..256, default twice the CPUs, at least 4: executor threads and\n"
         "              database connections)\n"
         "  --audit-seal-interval-ms --audit-anchor-file --session-ttl-minutes\n"
         "  --session-idle-minutes\n"
         "  --db-failover-wait-ms (0..60000, default 0: how long a call waits for the database\n"
         "              during a failover or switchover before UNAVAILABLE)\n"
         "  --password-log2-n --demo-patients --out --username --district --district-name\n"
         "  --rule-set BASE[+OPTION[=VALUE]...] (base jiangsu-2018 | national-2018), e.g.\n"
         "              jiangsu-2018+any-adr-unstable\n"
         "  --rule-option NAME=VALUE[,NAME=VALUE] (repeatable): partial-insight-stable=true|false,\n"
         "              any-adr-unstable=true|false, review-not-stable=refer-2-weeks|guidance-1-month,\n"
         "              first-visit-days=1..90, standardized=r1|r2, medication=last-visit|any-record\n"
         "              (docs/rules.md \"Rule sets and their options\")\n"
         "  --designated-hospital\n"
         "  --ack-critical-seconds --ack-high-seconds --ack-warning-seconds --alert-poll-ms\n"
         "  --alert-escalate-interval-ms --alert-overdue-interval-seconds --alert-heartbeat-seconds\n"
         "  --alert-duty-roles (e.g. community_doctor,psychiatrist) --alert-reroute-days\n"
         "  --idempotency-retention-hours\n"
         "  --signin-threads --signin-queue --signin-source-limit --signin-source-window-seconds\n"
         "  --audit-unauth-window-seconds --audit-unauth-rows-per-source --audit-unauth-sources\n"
         "  --monitoring-listen HOST:PORT (GET /metrics in the Prometheus text format; off when\n"
         "              empty, the default; loopback only, e.g. 127.0.0.1:9464)\n"
         "  --monitoring-allow-remote (let --monitoring-listen take a non-loopback address)\n";
}

int DbPoolSize(const Config& c) {
  if (c.db_pool > 0) return c.db_pool;
  return static_cast<int>(std::clamp<unsigned>(2 * std::thread::hardware_concurrency(), 4, 64));
}

std::string AuditAnchorPath(const Config& c) {
  return c.audit_anchor_file == "none" ? std::string() : c.audit_anchor_file;
}

absl::StatusOr<Config> ParseConfig(const std::vector<std::string>& args) {
  Config c;
  if (args.size() < 2) return absl::InvalidArgumentError("missing command\n" + Usage());
  c.command = args[1];
  // Environment first, flags override.
  for (const auto& [name, flag] : Flags()) {
    std::string env = "SMD_" + absl::AsciiStrToUpper(absl::StrReplaceAll(name, {{"-", "_"}}));
    if (const char* v = std::getenv(env.c_str()); v != nullptr) {
      if (!flag.set(c, v)) return absl::InvalidArgumentError(env + ": invalid value");
    }
  }
  std::set<std::string> repeated;  // repeatable flags seen on the command line
  size_t first_flag = 2;
  if (c.command == "keys") {
    // `keys ACTION [KIND [ID]]`: words before the first flag.
    std::vector<std::string> words;
    while (first_flag < args.size() && !absl::StartsWith(args[first_flag], "--")) {
      words.push_back(args[first_flag++]);
    }
    if (words.empty() || words.size() > 3) {
      return absl::InvalidArgumentError("keys: expected ACTION [KIND [ID]]\n" + Usage());
    }
    c.key_action = words[0];
    if (words.size() >= 2) c.key_kind = words[1];
    if (words.size() == 3 && !SetInt(c.key_id, words[2], 1, 255)) {
      return absl::InvalidArgumentError("keys: ID must be in 1..255");
    }
  }
  for (size_t i = first_flag; i < args.size(); ++i) {
    std::string a = args[i];
    if (!absl::StartsWith(a, "--")) return absl::InvalidArgumentError("unexpected argument " + a);
    a = a.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    auto it = Flags().find(a);
    if (it == Flags().end()) return absl::InvalidArgumentError("unknown flag --" + a);
    if (!has_value && !it->second.boolean) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError("--" + a + " needs a value");
      value = args[++i];
    }
    if (auto r = RepeatableFlags().find(a);
        r != RepeatableFlags().end() && repeated.insert(a).second) {
      r->second(c);
    }
    if (!it->second.set(c, value)) return absl::InvalidArgumentError("--" + a + ": invalid value");
  }
  // systemd's StateDirectory= exports the (writable) state directory.
  if (c.audit_anchor_file.empty()) {
    if (const char* dir = std::getenv("STATE_DIRECTORY"); dir != nullptr && *dir != '\0') {
      // Several directories are ':'-separated; the first is the service's own.
      std::string first(dir);
      first = first.substr(0, first.find(':'));
      c.audit_anchor_file = first + "/audit-anchor.log";
    }
  }
  return c;
}

absl::Status ValidateConfig(const Config& c) {
  auto need = [](const std::string& v, const char* flag) -> absl::Status {
    if (v.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, " is required"));
    return absl::OkStatus();
  };
  if (c.command == "keygen") return need(c.out, "--out");
  if (c.command == "migrate") return need(c.database_url, "--database-url");
  if (c.command == "seed-demo" || c.command == "bootstrap" || c.command == "serve" ||
      c.command == "audit-verify") {
    if (auto s = need(c.database_url, "--database-url"); !s.ok()) return s;
    if (auto s = need(c.key_file, "--key-file"); !s.ok()) return s;
  }
  if (c.command == "seed-demo" || c.command == "bootstrap" || c.command == "serve" ||
      c.command == "audit-verify") {
    // The rules every computed result records: a typo must stop the server, not fall back.
    if (absl::StatusOr<domain::RuleSet> rules = domain::ParseRuleSet(c.rule_set, c.rule_options);
        !rules.ok()) {
      return rules.status();
    }
  }
  if (c.command == "bootstrap") {
    if (auto s = need(c.username, "--username"); !s.ok()) return s;
    if (auto s = need(c.district, "--district"); !s.ok()) return s;
    if (auto s = need(c.district_name, "--district-name"); !s.ok()) return s;
  }
  if (c.command == "serve") {
    // Its own error, naming the flag: otherwise a malformed address would pass unnoticed
    // with TLS (and fail later, at the bind, as "cannot listen") or be reported as not
    // loopback with --insecure.
    if (absl::StatusOr<common::HostPort> hp = common::ParseListenAddress(c.listen); !hp.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(hp.status().message(), " (\"", c.listen, "\")"));
    }
    if (!c.monitoring_listen.empty()) {
      if (absl::StatusOr<common::HostPort> hp = common::ParseListenAddress(c.monitoring_listen);
          !hp.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--monitoring-listen: ",
            absl::StripPrefix(hp.status().message(), "--listen: "), " (\"", c.monitoring_listen,
            "\")"));
      }
      if (!c.monitoring_allow_remote && !common::IsLoopbackListenAddress(c.monitoring_listen)) {
        return absl::InvalidArgumentError(
            "--monitoring-listen is only allowed on a loopback address (127.0.0.0/8, [::1] or "
            "localhost, with a port) unless --monitoring-allow-remote is given: the endpoint "
            "has no authentication and no TLS (docs/operations.md \"Monitoring\")");
      }
    }
    if (!c.trusted_gateways.empty() && (c.insecure || c.tls_client_ca.empty())) {
      // The forwarded address is trusted because of who presented it: without a verified
      // client certificate there is nobody to trust, and anyone could send the header.
      return absl::InvalidArgumentError(
          "--trusted-gateway needs mutual TLS: set --tls-client-ca (the CA that signs the "
          "gateway's client certificate), not --insecure; only a call whose verified client "
          "certificate names a listed identity may forward a browser's address");
    }
    if (c.insecure) {
      // A real parse, not a prefix test: "127.evil.example:1" or "localhost.evil:1" would
      // otherwise pass and serve plaintext on whatever address the name resolves to.
      if (!common::IsLoopbackListenAddress(c.listen)) {
        return absl::InvalidArgumentError(
            "--insecure is only allowed on a loopback address (127.0.0.0/8, [::1] or "
            "localhost, with a port)");
      }
    } else {
      if (auto s = need(c.tls_cert, "--tls-cert (or --insecure on loopback)"); !s.ok()) return s;
      if (auto s = need(c.tls_key, "--tls-key"); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (c.command == "seed-demo" || c.command == "bootstrap" || c.command == "audit-verify") {
    return absl::OkStatus();
  }
  if (c.command == "keys") {
    if (auto s = need(c.key_file, "--key-file"); !s.ok()) return s;
    const std::string& a = c.key_action;
    const bool file_only = a == "stage" || a == "rotate";
    if (a != "status" && !file_only && a != "rewrite" && a != "retire") {
      return absl::InvalidArgumentError("keys: unknown action " + a + "\n" + Usage());
    }
    if (a != "status" && c.key_kind != "field" && c.key_kind != "blind-index" &&
        c.key_kind != "audit") {
      return absl::InvalidArgumentError("keys " + a + ": KIND must be field, blind-index or audit");
    }
    if (a == "retire" && c.key_id == 0) {
      return absl::InvalidArgumentError("keys retire: the key ID is required");
    }
    if (!file_only) return need(c.database_url, "--database-url");
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unknown command " + c.command + "\n" + Usage());
}

}  // namespace smd::runtime
